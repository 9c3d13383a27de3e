package org.hourglass.api.executor;

import java.util.List;

/**
 * What the executor runs on.
 *
 * @param requested          the configured device
 * @param active             the device in use: {@link Device#CPU} or {@link Device#CUDA}
 * @param deviceId           the CUDA device ordinal (ignored on CPU)
 * @param intraOpThreads     threads inside one operator (0 = ONNX Runtime's default)
 * @param interOpThreads     threads across operators (0 = ONNX Runtime's default)
 * @param optimizationLevel  graph optimisation level name
 * @param availableProviders the execution providers of the deployed ONNX Runtime build
 * @param reason             one sentence on why {@code active} was chosen
 * @param openSessions       models loaded and not yet closed
 * @param runs               model runs since the executor started
 */
public record ExecutorInfo(Device requested, Device active, int deviceId, int intraOpThreads, int interOpThreads,
                           String optimizationLevel, List<String> availableProviders, String reason,
                           int openSessions, long runs) {

    public ExecutorInfo {
        availableProviders = List.copyOf(availableProviders);
    }
}
