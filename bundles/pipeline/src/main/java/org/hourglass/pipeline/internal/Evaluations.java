package org.hourglass.pipeline.internal;

import java.util.Optional;
import org.hourglass.api.executor.OnnxExecutor;
import org.hourglass.api.pipeline.Evaluation;
import org.hourglass.api.pipeline.PipelineException;
import org.hourglass.spi.DataSource;
import org.hourglass.spi.Dataset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Evaluations of a served model: of labelled samples, of the evaluation data, with the reference detectors. */
final class Evaluations {

    private static final Logger LOG = LoggerFactory.getLogger(Evaluations.class);

    private final ServingSlot slot;
    private final PluginRegistry registry;
    private final OnnxExecutor executor;

    Evaluations(ServingSlot slot, PluginRegistry registry, OnnxExecutor executor) {
        this.slot = slot;
        this.registry = registry;
        this.executor = executor;
    }

    /** {@code Pipeline.evaluate(samples, labels)}: the served model on labelled samples, with the baselines. */
    Evaluation of(float[][] samples, int[] labels, Settings settings, String name) {
        if (labels == null || samples == null || labels.length != samples.length) {
            throw new PipelineException("evaluate needs one label per sample; got " + (labels == null ? 0 : labels.length)
                    + " labels for " + (samples == null ? 0 : samples.length) + " samples");
        }
        return withBaselines(slot.withModel(m -> of(m, samples, labels)), labels, settings, name);
    }

    /** {@code Pipeline.evaluate()}: the served model on the configured evaluation data, with the baselines. */
    Evaluation ofEvaluationData(Settings settings, String name) {
        if (settings.evaluationData().isEmpty()) {
            throw new PipelineException("pipeline '" + name + "' has no evaluation.data configured");
        }
        Dataset d = registry.find(DataSource.class, settings.evaluationData()).orElseThrow(() -> new PipelineException(
                "evaluation data '" + settings.evaluationData() + "' is not available")).service().load();
        if (!d.hasLabels()) {
            throw new PipelineException("evaluation data '" + settings.evaluationData() + "' has no labels");
        }
        return withBaselines(slot.withModel(m -> of(m, d)), d.labels(), settings, name);
    }

    /** An evaluation of a served model with the model and the raw samples, for the baselines. */
    private record Scored(Evaluation evaluation, ServedModel model, float[] raw) {
    }

    /** Scores of the evaluation data, their labels and the figures at a threshold. */
    record Scores(Evaluation evaluation, double[] scores, int[] labels) {
    }

    /** Labelled samples scored by the served model at its threshold; bad samples are a PipelineException. */
    private static Scored of(ServedModel m, float[][] samples, int[] labels) {
        try {
            float[] raw = m.validate(samples);
            return new Scored(Metrics.evaluate(m.score(raw, samples.length), labels, m.threshold()), m, raw);
        } catch (IllegalArgumentException e) {
            throw new PipelineException(e.getMessage(), e);
        }
    }

    /** A labelled data set scored by the served model at its threshold. */
    private static Scored of(ServedModel m, Dataset d) {
        if (d.samples().width() != m.spec().features()) {
            throw new PipelineException("evaluation data has " + d.samples().width() + " values per sample; the "
                    + "model expects " + m.spec().features());
        }
        return new Scored(Metrics.evaluate(m.score(d.samples().values(), d.count()), d.labels(), m.threshold()), m,
                d.samples().values());
    }

    /** The evaluation data's figures at this threshold, when evaluation data is configured and available. */
    static Optional<Scores> at(ServedModel model, double threshold, Settings settings, Selection selected) {
        Plugin<DataSource> source = settings.evaluationData().isEmpty() ? null : selected.evaluationData();
        if (source == null) {
            return Optional.empty();
        }
        Dataset d = source.service().load();
        if (!d.hasLabels() || d.samples().width() != model.spec().features()) {
            return Optional.empty();
        }
        double[] scores = model.score(d.samples().values(), d.count());
        return Optional.of(new Scores(Metrics.evaluate(scores, d.labels(), threshold), scores, d.labels()));
    }

    /**
     * The evaluation with the reference detectors' figures (Baselines), fitted again on the model's training part:
     * the training data loaded and split as in training, normalised with the model's normaliser. This runs after the
     * serving lock is released (a model swap need not wait for the search) on objects that do not change. When the
     * training data cannot be used the evaluation comes without them and the log says why.
     */
    private Evaluation withBaselines(Scored scored, int[] labels, Settings settings, String name) {
        ServedModel m = scored.model();
        int count = scored.evaluation().count();
        try {
            long started = System.nanoTime();
            Dataset train = DataPreparation.trainingPart(registry.find(DataSource.class, settings.trainingData())
                    .map(Plugin::service).orElse(null), m, settings);
            Normalizer normalizer = m.normalizer();
            Evaluation e = scored.evaluation().withBaselines(Baselines.fit(normalizer.apply(train.samples().values()),
                    train.count(), m.spec().features(), settings.seed()).evaluate(executor, "pipeline/" + name
                    + "/baseline-knn", normalizer.apply(scored.raw()), count, labels));
            LOG.debug("Pipeline '{}': baselines of {} samples in {} s", name, count,
                    (System.nanoTime() - started) / 1e9);
            return e;
        } catch (RuntimeException e) {
            LOG.warn("Pipeline '{}': the evaluation's baselines were left out: {}", name, e.getMessage());
            return scored.evaluation();
        }
    }
}
