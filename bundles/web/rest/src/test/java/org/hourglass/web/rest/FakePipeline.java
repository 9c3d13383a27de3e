package org.hourglass.web.rest;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.hourglass.api.pipeline.Evaluation;
import org.hourglass.api.pipeline.Pipeline;
import org.hourglass.api.pipeline.PipelineException;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.api.pipeline.PipelineStatus;
import org.hourglass.api.pipeline.ScoreHistogram;
import org.hourglass.api.pipeline.TrainingProgress;

/** A pipeline whose "model" scores a sample by the sum of its values; width fixed at 3. */
class FakePipeline implements Pipeline {

    static final int WIDTH = 3;

    final String name;
    volatile PipelineState state;
    volatile String message = "";
    volatile Path modelFile;
    volatile Path recordFile;
    volatile boolean trainingRunning;

    FakePipeline(String name, PipelineState state) {
        this.name = name;
        this.state = state;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public PipelineStatus status() {
        TrainingProgress progress = state == PipelineState.TRAINING ? new TrainingProgress(1, 3, 5, 30, 0.5,
                List.of(), List.of(), 100, Double.NaN, false, List.of(Map.of("active_dimensions", 3))) : null;
        return new PipelineStatus(name, state, message, progress, served() ? Map.of("threshold", 1.5) : Map.of());
    }

    boolean served() {
        return state == PipelineState.TRAINED;
    }

    @Override
    public void train() {
        if (state == PipelineState.WAITING) {
            throw new PipelineException("pipeline '" + name + "' cannot train: " + message);
        }
        if (state == PipelineState.TRAINING) {
            throw new PipelineException("pipeline '" + name + "' is already training");
        }
        state = PipelineState.TRAINING;
        trainingRunning = true;
    }

    @Override
    public boolean cancel() {
        if (!trainingRunning) {
            return false;
        }
        trainingRunning = false;
        state = PipelineState.READY;
        return true;
    }

    @Override
    public PipelineState awaitTraining(long timeoutMillis) {
        return state;
    }

    private void check(float[][] samples) {
        if (!served()) {
            throw new PipelineException("pipeline '" + name + "' has no trained model (state " + state
                    + (message.isEmpty() ? "" : ": " + message) + ")");
        }
        if (samples.length == 0) {
            throw new PipelineException("no samples given: the batch is empty");
        }
        for (int i = 0; i < samples.length; i++) {
            if (samples[i].length != WIDTH) {
                throw new PipelineException("sample " + i + " has " + samples[i].length + " values; the model "
                        + "expects " + WIDTH);
            }
            for (int j = 0; j < WIDTH; j++) {
                if (!Float.isFinite(samples[i][j])) {
                    throw new PipelineException("sample " + i + ", feature " + j + " is " + samples[i][j]);
                }
            }
        }
    }

    @Override
    public double[] score(float[][] samples) {
        check(samples);
        double[] out = new double[samples.length];
        for (int i = 0; i < samples.length; i++) {
            for (float v : samples[i]) {
                out[i] += v;
            }
        }
        return out;
    }

    @Override
    public boolean[] label(float[][] samples) {
        double[] s = score(samples);
        boolean[] out = new boolean[s.length];
        for (int i = 0; i < s.length; i++) {
            out[i] = s[i] > threshold();
        }
        return out;
    }

    @Override
    public double threshold() {
        check(new float[][] {{0, 0, 0}});
        return 1.5;
    }

    @Override
    public float[][] encode(float[][] samples) {
        double[] s = score(samples);
        float[][] out = new float[s.length][];
        for (int i = 0; i < s.length; i++) {
            out[i] = new float[] {(float) s[i]};
        }
        return out;
    }

    @Override
    public float[][] reconstruct(float[][] samples) {
        check(samples);
        return samples;
    }

    /** {@code squares}: each entry squared (stands in for a per-entry map); other names are refused. */
    @Override
    public float[][] output(String name, float[][] samples) {
        check(samples);
        if (!name.equals("squares")) {
            throw new PipelineException("the model has no output '" + name + "'");
        }
        float[][] out = new float[samples.length][];
        for (int i = 0; i < samples.length; i++) {
            out[i] = samples[i].clone();
            for (int j = 0; j < out[i].length; j++) {
                out[i][j] *= out[i][j];
            }
        }
        return out;
    }

    @Override
    public Evaluation evaluate(float[][] samples, int[] labels) {
        if (labels.length != samples.length) {
            throw new PipelineException("evaluate needs one label per sample; got " + labels.length + " labels for "
                    + samples.length + " samples");
        }
        check(samples);
        int anomalies = 0;
        for (int l : labels) {
            anomalies += l;
        }
        return new Evaluation(samples.length, anomalies, 0.75, 0.5, Double.NaN, 1.5, List.of(
                new Evaluation.Baseline(Evaluation.KNN, "distance to the 5th nearest of 7 training samples", 0.625, 0.5),
                new Evaluation.Baseline(Evaluation.IFOREST, "isolation forest, 100 trees of 7 training samples",
                        Double.NaN, 1.0)));
    }

    @Override
    public Evaluation evaluate() {
        throw new PipelineException("pipeline '" + name + "' has no evaluation.data configured");
    }

    @Override
    public Path modelFile() {
        check(new float[][] {{0, 0, 0}});
        return modelFile;
    }

    @Override
    public Path recordFile() {
        check(new float[][] {{0, 0, 0}});
        return recordFile;
    }

    @Override
    public Optional<ScoreHistogram> scoreHistogram() {
        return served() ? Optional.of(new ScoreHistogram(new double[] {0, 1, 2}, new int[] {3, 1},
                new int[] {0, 2}, 1.5, "train")) : Optional.empty();
    }

    @Override
    public org.hourglass.api.pipeline.ServingStats servingStats() {
        return new org.hourglass.api.pipeline.ServingStats(0, 0, 0, new double[] {Double.POSITIVE_INFINITY},
                new long[] {0}, 0);
    }

    @Override
    public Map<String, Object> configuration() {
        return Map.of("hourglass.name", name, "epochs", 3, "service.pid", "org.hourglass.pipeline~x");
    }
}
