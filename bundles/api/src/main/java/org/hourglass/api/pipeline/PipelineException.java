package org.hourglass.api.pipeline;

/** A pipeline cannot do what was asked (wrong input, no model, wrong state); the message says why. */
public class PipelineException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PipelineException(String message) {
        super(message);
    }

    public PipelineException(String message, Throwable cause) {
        super(message, cause);
    }
}
