package org.hourglass.pipeline.internal;

import ai.onnx.proto.OnnxMl;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.hourglass.api.executor.OnnxExecutor;
import org.hourglass.api.pipeline.TrainingProgress;
import org.hourglass.graph.Optimizer;
import org.hourglass.spi.InputSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One training job in three parts: {@link DataPreparation} (load, check, split, auto settings, normalise), the
 * {@link EpochLoop} (epochs, checkpoints, early stopping, recovery from divergence) and the {@link Calibration}
 * (scorer, threshold, evaluation), whose model bytes and record it commits to the store. Returns the stored record:
 * the pipeline serves the model from the stored file, as after a restart. Runs on a background thread;
 * interrupting it cancels between steps.
 */
final class TrainingRun implements Callable<StoredPipeline> {

    private static final Logger LOG = LoggerFactory.getLogger(TrainingRun.class);
    /**
     * Up to this many steps run as one run of the train step's ONNX Loop form: the same results, about 5% faster
     * for the dense AE on the CPU (less per-run work), and the state stays on the device between the steps of a
     * run on a GPU. Progress arrives and cancellation is checked once per run.
     */
    static final int STEPS_PER_RUN = 8;
    /** Recoveries from a diverging loss in one job, at most. */
    static final int MAX_RECOVERIES = 3;

    private final Settings configured;
    private final Selection plugins;
    private final OnnxExecutor executor;
    private final ModelStore store;
    private final String fingerprint;
    private final Map<String, Object> configSnapshot;
    private final RunProgress progress;

    TrainingRun(Settings settings, Selection plugins, OnnxExecutor executor, ModelStore store, String fingerprint,
                Map<String, Object> configSnapshot) {
        this.configured = settings;
        this.plugins = plugins;
        this.executor = executor;
        this.store = store;
        this.fingerprint = fingerprint;
        this.configSnapshot = configSnapshot;
        this.progress = new RunProgress(settings.epochs());
    }

    /** The store the job commits to. */
    ModelStore store() {
        return store;
    }

    TrainingProgress progress() {
        return progress.get();
    }

    /** Marks the progress finished (whatever the outcome). */
    void markDone() {
        progress.markDone();
    }

    @Override
    public StoredPipeline call() throws Exception {
        long started = System.nanoTime();
        DataPreparation data = DataPreparation.prepare(configured, required(plugins.trainingData(),
                Role.TRAINING_DATA).service());
        Settings s = data.settings();
        LOG.info("Pipeline '{}': training {} on {} samples of {} ({} for validation), {} epochs, batch {}",
                s.name(), s.family(), data.trainPart().count(), data.spec(), data.valPart().count(), s.epochs(),
                s.batchSize());
        Composer composer = new Composer(required(plugins.family(), Role.FAMILY),
                required(plugins.loss(), Role.LOSS),
                plugins.masking() == null ? null : plugins.masking().service(), data.spec(), s,
                column -> plugins.trainingData().service().featureIndex(column).orElseThrow(
                        () -> new IllegalArgumentException("condition source 'column:" + column + "': the training "
                                + "data '" + s.trainingData() + "' has no column names; use feature:<index> or label")));
        Optimizer optimizer = s.newOptimizer(plugins.family().properties());
        EpochLoop.Result trained = new EpochLoop(s, composer, optimizer, plugins, executor, store, fingerprint,
                progress).run(data);

        OnnxMl.ModelProto proto = composer.inference(trained.weights(), provenance(s, data, optimizer));
        Map<String, Double> figures = new LinkedHashMap<>();
        figures.put("final_loss", progress.lastLoss());
        if (!progress.validationLosses.isEmpty()) {
            figures.put("validation_loss", Collections.min(progress.validationLosses));
        }
        figures.put("epochs", (double) progress.epochLosses.size());
        required(plugins.scoring(), Role.SCORING);
        Calibration.Calibrated calibrated = new Calibration(configured, s, plugins, executor, fingerprint,
                configSnapshot).calibrate(proto, data, figures, progress.get().samplesPerSecond(),
                trained.downstream(), progress.epochDiagnostics, started);
        StoredPipeline stored = store.commit(calibrated.model(), calibrated.record());
        Map<String, Double> metrics = stored.metrics();
        LOG.info("Pipeline '{}' trained in {} s: loss {}, threshold {}{}; model {}", s.name(),
                String.format("%.1f", metrics.get("train_seconds")), fmt(metrics.get("final_loss")),
                fmt(stored.threshold()), metrics.containsKey("eval_auroc") ? ", AUROC "
                        + fmt(metrics.get("eval_auroc")) + " on '" + s.evaluationData() + "'" : "",
                store.modelPath(stored).toAbsolutePath());
        return stored;
    }

    private <T> Plugin<T> required(Plugin<T> p, Role role) {
        if (p == null) {
            throw new IllegalStateException(role.label + " '" + role.nameIn(configured) + "' is not available");
        }
        return p;
    }

    /** @param optimizer the one the job trained with (with optimizer=auto, the family's recommendation) */
    private Map<String, String> provenance(Settings s, DataPreparation data, Optimizer optimizer) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("hourglass.pipeline", s.name());
        plugins.byRole().forEach((role, p) -> m.put("hourglass." + role.key(), p.name() + " (" + p.bundle() + " "
                + p.version() + ")"));
        InputSpec spec = data.spec();
        m.put("hourglass.input.shape", spec.toString());
        m.put("hourglass.input.normalization", "the model expects normalised input: (x - offset) * scale; see "
                + "hourglass.normalizer");
        m.put("hourglass.normalizer", ModelStore.json(data.normalizer().toJson()));
        m.put("hourglass.config", ModelStore.json(configSnapshot));
        m.put("hourglass.optimizer", optimizer.toString());
        String chosen = configured.autoChoices(s);
        if (!chosen.isEmpty()) {
            m.put("hourglass.auto", chosen);
        }
        m.put("hourglass.trained.at", Instant.now().toString());
        return m;
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.5g", v);
    }
}
