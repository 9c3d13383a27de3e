package org.hourglass.executor.internal;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.hourglass.api.executor.ExecutorException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place the platform creates ONNX Runtime's JVM-wide environment; everything else (the executor, its
 * tests, the benchmarks) goes through {@link #get()}.
 *
 * <p>Why not simply {@link OrtEnvironment#getEnvironment()}: ONNX Runtime 1.29.0's Linux telemetry, set up while the
 * native environment is created, matches the process command line ({@code /proc/self/cmdline}) with a recursive
 * regular expression that needs about 256 bytes of stack per byte of command line. On a thread with the JVM's
 * default 1 MiB stack a command line over about 4 KB (any {@code java -cp <many jars>}) overflows it and the JVM
 * dies with SIGSEGV, without an error report. {@code ORT_DISABLE_TELEMETRY=1} avoids it but cannot be set from
 * inside a running JVM, and {@link OrtEnvironment#setTelemetry(boolean)} needs the environment that crashes while
 * being made. So the environment is created on a thread whose stack is sized from the command line's length,
 * and telemetry is switched off right after.
 */
public final class OrtEnvironments {

    private static final Logger LOG = LoggerFactory.getLogger(OrtEnvironments.class);

    /** Stack for the creating thread without the command line's share: ample for ONNX Runtime's own start. */
    static final long BASE_STACK = 32L << 20;
    /** Stack per byte of command line: twice the 256 bytes measured with ONNX Runtime 1.29.0. */
    static final long STACK_PER_BYTE = 512;

    private static final Path CMDLINE = Path.of("/proc/self/cmdline");

    private OrtEnvironments() {
    }

    /**
     * ONNX Runtime's environment (created once per JVM), with telemetry off.
     *
     * @throws ExecutorException when ONNX Runtime cannot create it
     */
    public static synchronized OrtEnvironment get() {
        long stack = stackFor(commandLineLength());
        AtomicReference<OrtEnvironment> created = new AtomicReference<>();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread maker = new Thread(null, () -> {
            try {
                created.set(OrtEnvironment.getEnvironment());
            } catch (Throwable t) {
                failed.set(t);
            }
        }, "onnxruntime-environment", stack);
        maker.setDaemon(true);
        try {
            maker.start();
        } catch (OutOfMemoryError e) {
            throw new ExecutorException("cannot start a thread with a " + (stack >> 20) + " MiB stack to create the "
                    + "ONNX Runtime environment (" + e.getMessage() + "); set ORT_DISABLE_TELEMETRY=1 in the "
                    + "environment and shorten the command line", e);
        }
        boolean interrupted = false;
        while (true) {
            try {
                maker.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // creation takes well under a second; finish it rather than leave it half made
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failed.get() != null) {
            throw new ExecutorException("ONNX Runtime could not create its environment: " + failed.get().getMessage(),
                    failed.get());
        }
        OrtEnvironment env = created.get();
        try {
            // Nothing of a platform's use should leave the machine; it also keeps later telemetry paths idle.
            env.setTelemetry(false);
        } catch (OrtException e) {
            LOG.warn("Could not switch ONNX Runtime telemetry off: {}", e.getMessage());
        }
        return env;
    }

    /** Stack size for the creating thread when the command line has {@code length} bytes. */
    static long stackFor(long length) {
        return BASE_STACK + STACK_PER_BYTE * Math.max(0, length);
    }

    /** Bytes of this process's command line as ONNX Runtime reads it; 0 where there is no {@code /proc}. */
    static long commandLineLength() {
        if (!Files.isReadable(CMDLINE)) {
            return 0;
        }
        // /proc files report size 0: count what a read returns.
        try (InputStream in = Files.newInputStream(CMDLINE)) {
            long n = 0;
            byte[] buffer = new byte[64 * 1024];
            for (int r; (r = in.read(buffer)) > 0; ) {
                n += r;
            }
            return n;
        } catch (IOException e) {
            // Linux caps a command line at a few MiB; size for a large one rather than guess small.
            return 2L << 20;
        }
    }
}
