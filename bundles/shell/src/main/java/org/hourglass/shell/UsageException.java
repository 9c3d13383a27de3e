package org.hourglass.shell;

/** A command was called wrongly or cannot do what was asked; the message says why, in one line. */
final class UsageException extends Exception {
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
