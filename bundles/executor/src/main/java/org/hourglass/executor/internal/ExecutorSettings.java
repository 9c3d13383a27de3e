package org.hourglass.executor.internal;

import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import java.util.Locale;
import org.hourglass.api.executor.Device;

/**
 * The executor's configuration as plain values (the DS configuration annotation is converted to this, so the
 * executor itself can be built and tested without a framework).
 */
public record ExecutorSettings(Device device, int deviceId, int intraOpThreads, int interOpThreads,
                               OptLevel optimizationLevel) {

    /** The configuration word for "ONNX Runtime chooses the thread count" (0 in these settings). */
    public static final String AUTO = "auto";

    public ExecutorSettings {
        if (deviceId < 0) {
            throw new IllegalArgumentException("device.id must be >= 0, was " + deviceId);
        }
        if (intraOpThreads < 0 || interOpThreads < 0) {
            throw new IllegalArgumentException("thread counts must be >= 0 (0 = ONNX Runtime default), were intra="
                    + intraOpThreads + " inter=" + interOpThreads);
        }
    }

    /** CPU-or-CUDA automatically, ONNX Runtime's default threads, all graph optimisations. */
    public static ExecutorSettings defaults() {
        return new ExecutorSettings(Device.AUTO, 0, 0, 0, OptLevel.ALL_OPT);
    }

    public ExecutorSettings withDevice(Device newDevice) {
        return new ExecutorSettings(newDevice, deviceId, intraOpThreads, interOpThreads, optimizationLevel);
    }

    public ExecutorSettings withThreads(int intra, int inter) {
        return new ExecutorSettings(device, deviceId, intra, inter, optimizationLevel);
    }

    /** Parses the configuration words {@code none | basic | extended | all}. */
    public static OptLevel parseOptimizationLevel(String word) {
        switch (word.trim().toLowerCase(Locale.ROOT)) {
            case "none": return OptLevel.NO_OPT;
            case "basic": return OptLevel.BASIC_OPT;
            case "extended": return OptLevel.EXTENDED_OPT;
            case "all": return OptLevel.ALL_OPT;
            default:
                throw new IllegalArgumentException("optimization.level must be one of none, basic, extended, all; was '"
                        + word + "'");
        }
    }

    /**
     * Parses a thread count: {@value #AUTO} (0 here: ONNX Runtime's default) or a positive number. Zero and
     * negative counts are refused: no thread could run anything.
     */
    public static int parseThreads(String word, String attribute) {
        String w = word == null ? "" : word.trim();
        if (w.equalsIgnoreCase(AUTO)) {
            return 0;
        }
        try {
            int n = Integer.parseInt(w);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // named below
        }
        throw new IllegalArgumentException(attribute + " must be a positive number of threads or " + AUTO
                + " (ONNX Runtime chooses), was '" + word + "'");
    }

    /** Parses {@code auto | cpu | cuda}. */
    public static Device parseDevice(String word) {
        try {
            return Device.valueOf(word.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("device must be one of auto, cpu, cuda; was '" + word + "'", e);
        }
    }
}
