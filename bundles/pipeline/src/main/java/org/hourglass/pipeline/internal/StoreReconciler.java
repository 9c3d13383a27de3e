package org.hourglass.pipeline.internal;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.hourglass.api.executor.ExecutorException;
import org.hourglass.api.executor.OnnxExecutor;
import org.hourglass.api.pipeline.Evaluation;
import org.hourglass.api.pipeline.ScoreHistogram;
import org.hourglass.spi.DataSource;
import org.hourglass.spi.Dataset;
import org.hourglass.spi.InputSpec;
import org.hourglass.spi.ModelOutputs;
import org.hourglass.spi.ScoringMethod;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a pipeline's model folder means for its current settings and plug-ins: a stored model that matches is
 * opened from its file (or the served one kept), with plug-in version changes noted and the scorer or threshold
 * calibrated again where their settings changed; otherwise the pipeline is ready to train and says why. A trained
 * model is opened here too, from the file the training job stored.
 */
final class StoreReconciler {

    private static final Logger LOG = LoggerFactory.getLogger(StoreReconciler.class);

    /** What the store holds for the settings. */
    sealed interface Outcome permits Serve, Unusable, Stale {
    }

    /** Serve this model; {@code message} is empty or says which settings could not be applied. */
    record Serve(ServedModel model, String message) implements Outcome {
    }

    /** The store cannot be used: the pipeline fails with {@code why}. */
    record Unusable(String why) implements Outcome {
    }

    /** Nothing stored matches: {@code why} says what differs, or that nothing was trained. */
    record Stale(String why) implements Outcome {
    }

    private final String name;
    private final ModelStore store;
    private final OnnxExecutor executor;
    private final PluginRegistry registry;

    StoreReconciler(String name, ModelStore store, OnnxExecutor executor, PluginRegistry registry) {
        this.name = name;
        this.store = store;
        this.executor = executor;
        this.registry = registry;
    }

    ModelStore store() {
        return store;
    }

    /** Removes what a process killed in the middle of a write left: files older than this JVM (see ModelStore). */
    void removeLeftovers() {
        List<String> stale = store.removeLeftovers(Instant.ofEpochMilli(
                java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime()));
        if (!stale.isEmpty()) {
            LOG.info("Pipeline '{}': removed {} left by an interrupted write in {}", name, stale, store.dir());
        }
    }

    /** @param served the model served now (kept when it is the stored one), or null */
    Outcome reconcile(Settings settings, Selection selected, ServedModel served) {
        Optional<StoredPipeline> stored;
        try {
            stored = store.read();
        } catch (ModelStore.StoreException e) {
            return new Unusable("stored model unusable: " + e.getMessage() + " (train again to replace it)");
        }
        if (stored.isEmpty() || !stored.get().fingerprint().equals(selected.fingerprint(settings))) {
            return new Stale(stored.isPresent() ? "stored model is stale: " + staleness(settings, stored.get())
                    : "not trained yet");
        }
        try {
            StoredPipeline p = noteVersionChanges(selected, stored.get());
            ServedModel model = served != null && p.modelSha256().equals(served.record().modelSha256())
                    && served.scoring() == selected.scoring().service()
                    ? served.withRecord(p) : open(p, selected.scoring().service());
            String[] message = {""};
            model = calibrated(settings, selected, model, message);
            LOG.info("Pipeline '{}' serves its stored model {} (trained {}; metrics {})", name,
                    model.modelFile().toAbsolutePath(), p.trainedAt(), model.record().metrics());
            return new Serve(model, message[0]);
        } catch (ModelStore.StoreException | ExecutorException | IllegalArgumentException e) {
            return new Unusable("stored model unusable: " + e.getMessage() + " (train again to replace it)");
        }
    }

    /** The stored model's file opened to serve with this scoring service: its bytes checked against the record. */
    ServedModel open(StoredPipeline p, ScoringMethod scoring) throws ModelStore.StoreException {
        byte[] bytes = store.readModel(p);
        InputSpec spec = InputSpec.of(p.inputShape());
        Normalizer normalizer = Normalizer.fromJson(p.normalizer(), spec.features());
        var session = executor.load("pipeline/" + name, bytes);
        return new ServedModel(session, executor.environment(), spec, normalizer, scoring, p, store.modelPath(p));
    }

    /** The model a training job just stored, opened from the store as after a restart. */
    ServedModel openTrained(StoredPipeline committed, ScoringMethod scoring) throws ModelStore.StoreException {
        StoredPipeline p = store.read().filter(r -> committed.modelSha256().equals(r.modelSha256()))
                .orElseThrow(() -> new ModelStore.StoreException(store.recordPath() + " no longer names the model "
                        + committed.modelFile() + " just trained"));
        return open(p, scoring);
    }

    /** Which configuration values the stored model was trained with differ from now. */
    private static String staleness(Settings settings, StoredPipeline p) {
        List<String> changes = new ArrayList<>();
        for (Map.Entry<String, Object> e : settings.modelDefinition().entrySet()) {
            Object then = p.definition() == null ? null : p.definition().get(e.getKey());
            if (then == null || !String.valueOf(then).equals(String.valueOf(e.getValue()))) {
                changes.add(e.getKey() + " " + then + " -> " + e.getValue());
            }
        }
        if (changes.isEmpty()) {
            changes.add("a plug-in's configuration changed");
        }
        return String.join(", ", changes);
    }

    /**
     * A plug-in bundle replaced by another version with the same configuration keeps the model; the record says
     * so, so a model's provenance stays true.
     */
    private StoredPipeline noteVersionChanges(Selection selected, StoredPipeline p) {
        List<String> changes = new ArrayList<>();
        selected.byRole().forEach((role, plugin) -> {
            Map<String, Object> then = p.plugins() == null ? null : p.plugins().get(role.key());
            if (then != null && !plugin.version().equals(then.get("version"))) {
                changes.add(role.label + " '" + plugin.name() + "' " + then.get("bundle") + " " + then.get("version")
                        + " -> " + plugin.bundle() + " " + plugin.version());
            }
        });
        if (changes.isEmpty()) {
            return p;
        }
        StoredPipeline updated = p.withPlugins(selected.described(), Instant.now() + ": " + String.join("; ", changes)
                + " (same configuration: the model was kept)");
        try {
            store.updateRecord(updated);
            LOG.info("Pipeline '{}': {}", name, updated.notes().get(updated.notes().size() - 1));
        } catch (IOException e) {
            LOG.warn("Pipeline '{}': could not note plug-in version changes in {}: {}", name,
                    store.recordPath(), e.getMessage());
        }
        return updated;
    }

    /**
     * The model calibrated for the current settings. The scoring method and the threshold do not shape the weights,
     * so changing them keeps the model: when the scoring plug-in (its name or configuration) differs from the one
     * the record was fitted with, the scorer is fitted again on the outputs of the training part (the same samples as
     * in training); when the threshold settings differ, or the scorer was fitted again, so is the threshold, on the
     * training part's scores. The record is updated, with the evaluation figures and score histogram of the new
     * calibration and a note, so what is shown is what is used. Where that cannot be done the stored calibration
     * keeps serving and {@code message[0]} says so.
     */
    private ServedModel calibrated(Settings settings, Selection selected, ServedModel model, String[] message) {
        StoredPipeline r = model.record();
        Plugin<ScoringMethod> scoring = selected.scoring();
        Map<String, Object> scorerThen = r.plugins() == null ? null : r.plugins().get("scoring");
        boolean newScorer = scorerThen != null && !(scoring.name().equals(scorerThen.get("name"))
                && scoring.properties().equals(scorerThen.get("properties")));
        Map<String, Object> wanted = settings.thresholdDefinition();
        Map<String, Object> had = Settings.thresholdDefinition(r.config());
        if (!newScorer && (had == null || had.equals(wanted))) {
            return model;
        }
        try {
            Map<String, Object> scorer = r.scorer();
            double[] trainScores = null;
            if (newScorer || !"fixed".equals(settings.thresholdPolicy())) {
                Dataset train = DataPreparation.trainingPart(trainingSource(settings), model, settings);
                ScoringMethod method = scoring.service();
                ModelOutputs out = model.outputs(train.samples().values(), train.labels(), train.count(),
                        Set.copyOf(method.requiredOutputs()));
                if (newScorer) {
                    scorer = method.fit(out);
                }
                trainScores = method.score(out, scorer);
            }
            double threshold = settings.thresholdFor(trainScores);
            Map<String, Map<String, Object>> plugins = new LinkedHashMap<>(r.plugins() == null ? Map.of() : r.plugins());
            plugins.put("scoring", scoring.describe());
            String note = Instant.now() + ": " + (newScorer ? "scorer '" + scoring.name() + "' fitted, " : "")
                    + "threshold re-fitted for " + wanted + (had == null || had.equals(wanted) ? "" : " (was " + had
                    + ")") + ": " + r.threshold() + " -> " + threshold + " (the model was kept)";
            ServedModel fitted = model.withRecord(r.withCalibration(scorer, plugins, threshold, wanted, r.metrics(),
                    r.histogram(), note));
            Map<String, Double> metrics = new LinkedHashMap<>(r.metrics() == null ? Map.of() : r.metrics());
            metrics.put("threshold", threshold);
            ScoreHistogram histogram = newScorer && trainScores != null
                    ? Histograms.of(trainScores, null, threshold, settings.trainingData()) : null;
            Optional<Evaluations.Scores> evaluation = Evaluations.at(fitted, threshold, settings, selected);
            if (evaluation.isPresent()) {
                Calibration.putEvaluation(metrics, evaluation.get().evaluation());
                histogram = Histograms.of(evaluation.get().scores(), evaluation.get().labels(), threshold,
                        settings.evaluationData());
            } else if (newScorer) {
                metrics.keySet().removeIf(k -> k.startsWith("eval_")); // measured with the old scorer
            } else {
                metrics.remove("eval_f1"); // it was measured at the old threshold
            }
            StoredPipeline updated = r.withCalibration(scorer, plugins, threshold, wanted, metrics,
                    histogram != null ? histogram : fitted.record().histogram(), note);
            store.updateRecord(updated);
            LOG.info("Pipeline '{}': {}", name, note);
            return model.withRecord(updated);
        } catch (IOException | RuntimeException e) {
            message[0] = "the scoring and threshold settings (" + scoring.name() + ", " + wanted + ") could not be "
                    + "applied (" + e.getMessage() + "); the stored calibration (threshold " + r.threshold()
                    + ") serves: train again to apply them";
            LOG.warn("Pipeline '{}': {}", name, message[0]);
            return model;
        }
    }

    private DataSource trainingSource(Settings settings) {
        return registry.find(DataSource.class, settings.trainingData()).map(Plugin::service).orElse(null);
    }
}
