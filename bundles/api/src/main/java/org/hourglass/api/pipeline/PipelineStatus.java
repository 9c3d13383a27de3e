package org.hourglass.api.pipeline;

import java.util.Map;

/**
 * A snapshot of a pipeline.
 *
 * @param name     the pipeline's name
 * @param state    its state
 * @param message  what is missing (WAITING), why a stored model is not served (READY), or the error (FAILED);
 *                 empty otherwise
 * @param progress the running or last training job's progress; null when never trained in this process
 * @param metrics  metrics of the served model (e.g. final loss, validation loss, threshold, AUROC); empty when
 *                 none
 */
public record PipelineStatus(String name, PipelineState state, String message, TrainingProgress progress,
                             Map<String, Double> metrics) {

    public PipelineStatus {
        metrics = Map.copyOf(metrics);
    }
}
