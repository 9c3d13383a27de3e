package org.hourglass.api.pipeline;

import java.nio.file.Path;
import org.osgi.annotation.versioning.ProviderType;

/**
 * One configured pipeline, registered as a service with {@code hourglass.name} = its name. Samples are rows of
 * the input's features, flattened row-major (e.g. 784 values for a 28×28 image). All methods are thread-safe;
 * concurrent scoring shares one ONNX Runtime session.
 */
@ProviderType
public interface Pipeline {

    /** Factory PID of pipeline configurations. */
    String FACTORY_PID = "org.hourglass.pipeline";

    String name();

    PipelineStatus status();

    /**
     * Starts training in the background (from a stored checkpoint when one matches the configuration).
     *
     * @throws PipelineException when WAITING or already TRAINING
     */
    void train();

    /** Cancels a running training job; returns false when none runs. The previously served model stays. */
    boolean cancel();

    /**
     * Waits for the running training job, if any, to end.
     *
     * @return the state afterwards
     */
    PipelineState awaitTraining(long timeoutMillis) throws InterruptedException;

    /** Anomaly scores, higher = more anomalous. */
    double[] score(float[][] samples);

    /** True where the score is above the threshold. */
    boolean[] label(float[][] samples);

    /** The threshold in score units. */
    double threshold();

    /** Latent codes. */
    float[][] encode(float[][] samples);

    /** Reconstructions in the input's units. */
    float[][] reconstruct(float[][] samples);

    /**
     * A named output of the served model for the given samples, one row per sample, in the model's normalised units:
     * e.g. {@code anomaly_map} (a per-entry map, same width as a sample) of the {@code ce-vae} family, or
     * {@code log_likelihood} of a variational family. The names are the inference model's outputs.
     *
     * @throws PipelineException when no model serves or the model has no output of that name
     * @since 1.2
     */
    default float[][] output(String name, float[][] samples) {
        throw new UnsupportedOperationException("this pipeline implementation does not serve named outputs");
    }

    /** Scores the given labelled samples (labels: 0 normal, 1 anomalous). */
    Evaluation evaluate(float[][] samples, int[] labels);

    /** Scores the configured evaluation data source. */
    Evaluation evaluate();

    /** The standalone inference model file of the served model. */
    Path modelFile();

    /** The served model's {@code pipeline.json} (configuration, plug-ins, metrics, scorer state). */
    Path recordFile();

    /** The served model's score distribution; empty when no model serves. */
    java.util.Optional<ScoreHistogram> scoreHistogram();

    /** Counters and latency histogram of serving calls, for metrics. */
    ServingStats servingStats();

    /** The pipeline's configuration as given (attribute name → value). */
    java.util.Map<String, Object> configuration();
}
