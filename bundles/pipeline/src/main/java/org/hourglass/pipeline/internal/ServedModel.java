package org.hourglass.pipeline.internal;

import ai.onnxruntime.OrtEnvironment;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.hourglass.api.executor.ModelSession;
import org.hourglass.api.pipeline.PipelineException;
import org.hourglass.spi.InputSpec;
import org.hourglass.spi.ModelOutputs;
import org.hourglass.spi.Samples;
import org.hourglass.spi.ScoringMethod;

/** A trained model ready to answer: its session, normalisation, fitted scorer and threshold. Immutable. */
final class ServedModel implements AutoCloseable {

    /** Most values in one batch: the largest Java array (a few below Integer.MAX_VALUE). */
    static final int MAX_VALUES = Integer.MAX_VALUE - 8;

    private final Inference inference;
    private final InputSpec spec;
    private final Normalizer normalizer;
    private final ScoringMethod scoring;
    private final StoredPipeline record;
    private final Path modelFile;

    ServedModel(ModelSession session, OrtEnvironment env, InputSpec spec, Normalizer normalizer,
                ScoringMethod scoring, StoredPipeline record, Path modelFile) {
        this(new Inference(session, env, spec, normalizer), scoring, record, modelFile);
    }

    private ServedModel(Inference inference, ScoringMethod scoring, StoredPipeline record, Path modelFile) {
        this.inference = inference;
        this.spec = inference.spec();
        this.normalizer = inference.normalizer();
        this.scoring = scoring;
        this.record = record;
        this.modelFile = modelFile;
    }

    StoredPipeline record() {
        return record;
    }

    Path modelFile() {
        return modelFile;
    }

    InputSpec spec() {
        return spec;
    }

    /** The input normalisation fitted in training (the reference detectors of an evaluation work in its units). */
    Normalizer normalizer() {
        return normalizer;
    }

    double threshold() {
        return record.threshold();
    }

    /** Checks shape and values and flattens; messages name the row and column at fault. */
    float[] validate(float[][] samples) {
        int width = spec.features();
        float[] flat = new float[checkedSize(samples)];
        for (int i = 0; i < samples.length; i++) {
            float[] row = samples[i];
            for (int j = 0; j < width; j++) {
                if (!Float.isFinite(row[j])) {
                    throw notFinite(i, j, row[j]);
                }
            }
            System.arraycopy(row, 0, flat, i * width, width);
        }
        return flat;
    }

    /**
     * As {@link #validate}, normalised in the same loop that checks the values: the one copy a request needs (no
     * condition input).
     */
    private float[] validateNormalised(float[][] samples) {
        int width = spec.features();
        float[] x = new float[checkedSize(samples)];
        for (int i = 0; i < samples.length; i++) {
            float[] row = samples[i];
            int bad = normalizer.applyFinite(row, x, i * width);
            if (bad >= 0) {
                throw notFinite(i, bad, row[bad]);
            }
        }
        return x;
    }

    /**
     * Checks every row's width before anything is allocated (a batch of short rows must not cost rows × width
     * floats first) and returns the flattened size, refusing a batch too large for one array.
     */
    private int checkedSize(float[][] samples) {
        if (samples == null || samples.length == 0) {
            throw new PipelineException("no samples given: the batch is empty");
        }
        int width = spec.features();
        for (int i = 0; i < samples.length; i++) {
            float[] row = samples[i];
            if (row == null || row.length != width) {
                throw new PipelineException("sample " + i + " has " + (row == null ? 0 : row.length)
                        + " values; the model expects " + width + " (shape " + spec + ")");
            }
        }
        long size = (long) samples.length * width;
        if (size > MAX_VALUES) {
            throw new PipelineException("the batch has " + samples.length + " samples of " + width + " values, "
                    + size + " in all; one call takes at most " + MAX_VALUES + ": split it into smaller batches");
        }
        return (int) size;
    }

    private static PipelineException notFinite(int sample, int feature, float value) {
        return new PipelineException("sample " + sample + ", feature " + feature + " is " + value
                + "; only finite numbers can be scored");
    }

    /** Runs the model on rows of raw samples after validating them; outputs are in normalised units. */
    ModelOutputs outputs(float[][] samples, Set<String> names) {
        if (inference.condition() != null) {
            return outputs(validate(samples), null, samples.length, names);
        }
        inference.requireOutputs(names); // a missing output is named before the samples are checked
        return inference.normalised(validateNormalised(samples), samples.length, names);
    }

    /** Runs the model on raw samples with their labels (a model conditioned on labels needs them; else null). */
    ModelOutputs outputs(float[] raw, int[] labels, int count, Set<String> names) {
        return inference.outputs(raw, labels, count, names);
    }

    double[] score(float[] raw, int count) {
        return scoring.score(outputs(raw, null, count, scoredOutputs()), record.scorer());
    }

    /** Scores of rows of raw samples, validated. */
    double[] score(float[][] samples) {
        return scoring.score(outputs(samples, scoredOutputs()), record.scorer());
    }

    private Set<String> scoredOutputs() {
        return new HashSet<>(scoring.requiredOutputs());
    }

    float[][] encode(float[][] samples) {
        return rows(outputs(samples, Set.of(ModelOutputs.LATENT)).output(ModelOutputs.LATENT));
    }

    float[][] reconstruct(float[][] samples) {
        return inInputUnits(outputs(samples, Set.of(ModelOutputs.RECONSTRUCTION)));
    }

    float[][] reconstruct(float[] raw, int count) {
        return rows(inference.reconstruct(raw, count));
    }

    private float[][] inInputUnits(ModelOutputs out) {
        Samples r = out.output(ModelOutputs.RECONSTRUCTION);
        return rows(new Samples(normalizer.invert(r.values()), r.count(), r.width()));
    }

    /** One named output of the model, one row per sample. */
    float[][] output(String name, float[][] samples) {
        if (name == null || name.isBlank()) {
            throw new PipelineException("name the model output to return, e.g. anomaly_map");
        }
        return rows(outputs(samples, Set.of(name)).output(name));
    }

    private static float[][] rows(Samples s) {
        float[][] out = new float[s.count()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = s.row(i);
        }
        return out;
    }

    /** Scores of raw samples with their labels (a model conditioned on labels needs them; else null). */
    double[] score(float[] raw, int[] labels, int count) {
        return scoring.score(outputs(raw, labels, count, scoredOutputs()), record.scorer());
    }

    ScoringMethod scoring() {
        return scoring;
    }

    /** The same model on the same session with another record (e.g. a re-fitted threshold). */
    ServedModel withRecord(StoredPipeline newRecord) {
        return new ServedModel(inference, scoring, newRecord, modelFile);
    }

    /** Whether both run on one session: replacing one by the other must not close it. */
    boolean sharesSession(ServedModel other) {
        return other != null && inference.sharesSession(other.inference);
    }

    @Override
    public void close() {
        inference.close();
    }
}
