package org.hourglass.api.executor;

/** A model could not be loaded or run; the message names the model and the cause. */
public class ExecutorException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ExecutorException(String message) {
        super(message);
    }

    public ExecutorException(String message, Throwable cause) {
        super(message, cause);
    }
}
