package org.hourglass.shell;

import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * While open, Ctrl-C (SIGINT) interrupts one thread instead of stopping the JVM. The plain Gogo shell of the
 * standalone server does not catch Ctrl-C itself, so without this a Ctrl-C during {@code train} would shut the
 * whole platform down. Where {@code sun.misc} is not visible to the bundle (no boot delegation), it does nothing.
 */
final class CtrlC implements AutoCloseable {

    private final Object previous;

    private CtrlC(Object previous) {
        this.previous = previous;
    }

    static CtrlC interrupts(Thread thread) {
        try {
            return new CtrlC(Signal.handle(new Signal("INT"), sig -> thread.interrupt()));
        } catch (LinkageError | IllegalArgumentException e) {
            return new CtrlC(null); // no access to signals here: Ctrl-C keeps its default meaning
        }
    }

    @Override
    public void close() {
        if (previous != null) {
            Signal.handle(new Signal("INT"), (SignalHandler) previous);
        }
    }
}
