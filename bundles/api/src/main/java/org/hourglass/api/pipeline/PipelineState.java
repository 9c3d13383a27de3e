package org.hourglass.api.pipeline;

/** Where a pipeline is in its life. */
public enum PipelineState {
    /** A plug-in it names is not (yet) registered; the status message names it. */
    WAITING,
    /** All plug-ins present; no usable stored model (never trained, or the stored one is stale). */
    READY,
    /** A training job runs. */
    TRAINING,
    /** A trained model serves. */
    TRAINED,
    /** Training or loading failed; the status message keeps the error. */
    FAILED
}
