package org.hourglass.launcher;

/** The platform could not be started, configured or asked: the message says what and why. */
public class HourglassException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public HourglassException(String message) {
        super(message);
    }

    public HourglassException(String message, Throwable cause) {
        super(message, cause);
    }
}
