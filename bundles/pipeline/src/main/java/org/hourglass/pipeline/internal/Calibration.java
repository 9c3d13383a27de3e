package org.hourglass.pipeline.internal;

import ai.onnx.proto.OnnxMl;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.hourglass.api.executor.OnnxExecutor;
import org.hourglass.api.pipeline.Evaluation;
import org.hourglass.api.pipeline.ScoreHistogram;
import org.hourglass.spi.DataException;
import org.hourglass.spi.Dataset;
import org.hourglass.spi.ModelOutputs;
import org.hourglass.spi.ScoringMethod;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last part of a training job: the scorer fitted on the training part's model outputs, the threshold set on its
 * scores, the evaluation data scored (with the reference detectors beside the model), and the figures written into
 * the model's metadata. Returns the model's bytes and its record, ready for the store.
 */
final class Calibration {

    private static final Logger LOG = LoggerFactory.getLogger(Calibration.class);

    /** The inference model with its metrics, and the record that serves it. */
    record Calibrated(byte[] model, StoredPipeline record) {
    }

    /** Scores of the evaluation data, their labels and the metrics. */
    private record Evaluated(Evaluation evaluation, double[] scores, int[] labels) {
    }

    private final Settings configured;
    private final Settings s;
    private final Selection plugins;
    private final OnnxExecutor executor;
    private final String fingerprint;
    private final Map<String, Object> configSnapshot;

    /**
     * @param configured the settings as configured (the record keeps their model definition)
     * @param resolved   the same with every auto setting chosen for the data
     */
    Calibration(Settings configured, Settings resolved, Selection plugins, OnnxExecutor executor, String fingerprint,
                Map<String, Object> configSnapshot) {
        this.configured = configured;
        this.s = resolved;
        this.plugins = plugins;
        this.executor = executor;
        this.fingerprint = fingerprint;
        this.configSnapshot = configSnapshot;
    }

    /**
     * @param training the training figures so far (losses, epochs...); the threshold, timing and evaluation are
     *                 added in the order the record has always listed them
     * @param started  when the job started ({@link System#nanoTime}), for {@code train_seconds}
     */
    Calibrated calibrate(OnnxMl.ModelProto proto, DataPreparation data, Map<String, Double> training,
                         double samplesPerSecond, Map<String, Double> downstream,
                         List<Map<String, Object>> diagnostics, long started) {
        ScoringMethod scoring = plugins.scoring().service();
        Set<String> required = Set.copyOf(scoring.requiredOutputs());
        Dataset trainPart = data.trainPart();
        try (Inference model = new Inference(executor.load("pipeline/" + s.name(), proto), executor.environment(),
                data.spec(), data.normalizer())) {
            ModelOutputs reference = model.outputs(trainPart.samples().values(), trainPart.labels(), trainPart.count(),
                    required);
            Map<String, Object> scorerState = scoring.fit(reference);
            double[] trainScores = scoring.score(reference, scorerState);
            double threshold = s.thresholdFor(trainScores);

            Map<String, Double> metrics = new LinkedHashMap<>(training);
            metrics.put("threshold", threshold);
            metrics.put("train_seconds", (System.nanoTime() - started) / 1e9);
            metrics.put("samples_per_second", samplesPerSecond);
            metrics.putAll(downstream);
            ScoreHistogram histogram = Histograms.of(trainScores, null, threshold, s.trainingData());
            Optional<Evaluated> evaluated = evaluate(model, scoring, scorerState, data, threshold);
            if (evaluated.isPresent()) {
                Evaluation e = evaluated.get().evaluation();
                putEvaluation(metrics, e);
                Baselines.putMetrics(metrics, e.baselines());
                histogram = Histograms.of(evaluated.get().scores(), evaluated.get().labels(), threshold,
                        s.evaluationData());
            }
            OnnxMl.ModelProto.Builder withMetrics = proto.toBuilder();
            withMetrics.addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder()
                    .setKey("hourglass.metrics").setValue(ModelStore.json(metrics)));
            return new Calibrated(withMetrics.build().toByteArray(), record(data, scorerState, threshold, metrics,
                    histogram, diagnostics));
        }
    }

    /** The evaluation figures of the record's metrics (AUROC, average precision, F1 at the threshold, count). */
    static void putEvaluation(Map<String, Double> metrics, Evaluation e) {
        metrics.put("eval_auroc", e.auroc());
        metrics.put("eval_average_precision", e.averagePrecision());
        metrics.put("eval_f1", e.f1());
        metrics.put("eval_count", (double) e.count());
    }

    /**
     * The evaluation data scored at the threshold, with the reference detectors fitted on the normalised training
     * part beside it (a failure of theirs is a warning and leaves them out); empty when no evaluation data is
     * configured or it cannot be used (a warning says why).
     */
    private Optional<Evaluated> evaluate(Inference model, ScoringMethod scoring, Map<String, Object> scorerState,
                                         DataPreparation data, double threshold) {
        if (s.evaluationData().isEmpty()) {
            return Optional.empty();
        }
        try {
            if (plugins.evaluationData() == null) {
                throw new IllegalStateException(Role.EVALUATION_DATA.label + " '" + s.evaluationData()
                        + "' is not available");
            }
            Dataset eval = DataPreparation.load(plugins.evaluationData().service(), Role.EVALUATION_DATA, s);
            if (!eval.spec().equals(data.spec()) && eval.spec().features() != data.spec().features()) {
                throw new DataException("evaluation data has samples of " + eval.spec() + ", the model "
                        + data.spec());
            }
            if (!eval.hasLabels()) {
                throw new DataException("evaluation data '" + s.evaluationData() + "' has no labels");
            }
            double[] scores = scoring.score(model.outputs(eval.samples().values(), null, eval.count(),
                    Set.copyOf(scoring.requiredOutputs())), scorerState);
            Evaluation e = Metrics.evaluate(scores, eval.labels(), threshold);
            try {
                long started = System.nanoTime();
                e = e.withBaselines(Baselines.fit(data.train(), data.trainPart().count(), data.spec().features(),
                        s.seed()).evaluate(executor, "pipeline/" + s.name() + "/baseline-knn",
                        data.normalizer().apply(eval.samples().values()), eval.count(), eval.labels()));
                LOG.info("Pipeline '{}': baselines on '{}' in {} s: {}", s.name(), s.evaluationData(),
                        String.format(Locale.ROOT, "%.1f", (System.nanoTime() - started) / 1e9),
                        e.baselines().stream().map(b -> b.name() + " AUROC " + TrainingRun.fmt(b.auroc()) + " ("
                                + b.description() + ")").collect(Collectors.joining(", ")));
            } catch (RuntimeException failed) {
                LOG.warn("Pipeline '{}': the baselines on '{}' were left out: {}", s.name(), s.evaluationData(),
                        failed.getMessage());
            }
            return Optional.of(new Evaluated(e, scores, eval.labels()));
        } catch (RuntimeException e) {
            LOG.warn("Pipeline '{}': evaluation on '{}' skipped: {}", s.name(), s.evaluationData(), e.getMessage());
            return Optional.empty();
        }
    }

    /** The record of the trained model (the store adds the model file's name and hash). */
    private StoredPipeline record(DataPreparation data, Map<String, Object> scorer, double threshold,
                                  Map<String, Double> metrics, ScoreHistogram histogram,
                                  List<Map<String, Object>> diagnostics) {
        return new StoredPipeline(StoredPipeline.FORMAT, s.name(), fingerprint, configured.modelDefinition(),
                configSnapshot, plugins.described(), data.spec().sampleShape(), data.normalizer().toJson(), scorer,
                threshold, metrics, histogram, List.of(), Instant.now().toString(), null, null,
                List.copyOf(diagnostics));
    }
}
