package org.hourglass.pipeline.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import org.hourglass.api.executor.ExecutorException;
import org.hourglass.api.executor.OnnxExecutor;
import org.hourglass.api.pipeline.Evaluation;
import org.hourglass.api.pipeline.Pipeline;
import org.hourglass.api.pipeline.PipelineException;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.api.pipeline.PipelineStatus;
import org.hourglass.api.pipeline.ScoreHistogram;
import org.hourglass.api.pipeline.ServingStats;
import org.hourglass.api.pipeline.TrainingProgress;
import org.hourglass.spi.AutoencoderFamily;
import org.hourglass.spi.DataSource;
import org.hourglass.spi.Dataset;
import org.hourglass.spi.InputSpec;
import org.hourglass.spi.MaskingStrategy;
import org.hourglass.spi.ModelOutputs;
import org.hourglass.spi.PluginProperties;
import org.hourglass.spi.ReconstructionLoss;
import org.hourglass.spi.ScoringMethod;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pipeline per factory configuration. It tracks every plug-in service and picks the ones its configuration
 * names, so it can say which one is missing (WAITING) instead of silently not existing. A configuration change
 * re-creates the component; plug-ins coming and going move the state without touching stored models.
 */
@Component(service = Pipeline.class, configurationPid = Pipeline.FACTORY_PID, immediate = true,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = PluginProperties.NAME_HINT)
@Designate(ocd = PipelineConfig.class, factory = true)
public class PipelineComponent implements Pipeline {

    private static final Logger LOG = LoggerFactory.getLogger(PipelineComponent.class);

    private final BundleContext context;
    private final OnnxExecutor executor;
    private final Map<Class<?>, Map<ServiceReference<?>, Object>> registry = new ConcurrentHashMap<>();
    private final ExecutorService jobs;
    /** Readers score with the served model; swapping it takes the write lock so no request sees it closed. */
    private final ReadWriteLock serving = new ReentrantReadWriteLock();
    private final ServingMeter meter = new ServingMeter();
    private final PipelineNames names = PipelineNames.shared();
    private final PipelineNames.Claimant claimant;

    // The configuration: replaced in place by an edit (modified), so the service and its model stay available.
    private volatile String name;
    /** Null when the configuration is invalid: the pipeline then stays FAILED and says why. */
    private volatile Settings settings;
    private volatile ModelStore store;
    private volatile Map<String, Object> configSnapshot;
    /** Whether this pipeline owns its name and model folder (see {@link PipelineNames}). */
    private boolean claimed;

    private PipelineState state = PipelineState.WAITING;
    private String message = "starting";
    private ServedModel served;
    private Map<Role, Plugin> selected = Map.of();
    private TrainingRun run;
    private Future<?> job;
    private boolean active = true;
    /** Set when a plug-in or the configuration changed during training: the cancelled job is followed by a fresh start. */
    private boolean replugged;

    /**
     * Takes the configuration as raw properties instead of a {@link PipelineConfig} proxy: Declarative Services
     * would convert bad numbers before this runs and the pipeline would not exist at all; here it is FAILED and
     * says which attribute is wrong.
     */
    @Activate
    public PipelineComponent(Map<String, Object> properties, BundleContext context,
                             @Reference OnnxExecutor executor) {
        this.context = context;
        this.executor = executor;
        this.claimant = new PipelineNames.Claimant(String.valueOf(properties.get(Constants.SERVICE_PID)),
                this::claimAgain);
        this.jobs = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "hourglass-train-" + name);
            t.setDaemon(true);
            return t;
        });
        synchronized (this) {
            configure(properties);
        }
    }

    /** A configuration edit: applied in place, so the current model serves until a new one replaces it. */
    @Modified
    synchronized void modified(Map<String, Object> properties) {
        configure(properties);
    }

    private void configure(Map<String, Object> properties) {
        ConfigValues values = new ConfigValues(properties);
        Settings parsed;
        try {
            parsed = Settings.of(values, context::getProperty);
        } catch (IllegalArgumentException e) {
            stopJob();
            unserve();
            releaseName();
            settings = null;
            configSnapshot = values.snapshot(Settings.ATTRIBUTES);
            name = String.valueOf(configSnapshot.get("hourglass.name"));
            // Registered anyway, so the console and REST can show what is wrong instead of nothing.
            fail("invalid configuration: " + e.getMessage());
            return;
        }
        Settings before = settings;
        boolean sameStore = claimed && before != null && before.name().equals(parsed.name())
                && before.storeDir().equals(parsed.storeDir());
        settings = parsed;
        name = parsed.name();
        configSnapshot = values.snapshot(Settings.ATTRIBUTES);
        if (sameStore) {
            if (job != null) {
                replugged = true;
                job.cancel(true); // finished() starts again with the new settings; the current model keeps serving
                return;
            }
            selected = Map.of(); // re-evaluate with the new settings even where the plug-ins are the same
            refresh();
            return;
        }
        stopJob();
        unserve();
        store = new ModelStore(parsed.storeDir());
        claimed = false;
        claimAndStart();
    }

    /** Claims the name and model folder; refused, the pipeline is FAILED until the owner lets go. */
    private void claimAndStart() {
        Optional<String> taken = names.claim(claimant, name, settings.storeDir());
        if (taken.isPresent()) {
            fail(taken.get());
            return;
        }
        claimed = true;
        // Older than this JVM: left by a process that was killed in the middle of a write.
        java.time.Instant started = java.time.Instant.ofEpochMilli(
                java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime());
        List<String> stale = store.removeLeftovers(started);
        if (!stale.isEmpty()) {
            LOG.info("Pipeline '{}': removed {} left by an interrupted write in {}", name, stale, store.dir());
        }
        state = PipelineState.WAITING;
        selected = Map.of();
        refresh();
    }

    /** Told by {@link PipelineNames} that a name this pipeline was refused may be free now. */
    private synchronized void claimAgain() {
        if (active && settings != null && !claimed) {
            claimAndStart();
        }
    }

    private void releaseName() {
        claimed = false;
        names.release(claimant);
    }

    /** Cancels a running job and forgets it: what it still finishes is closed, not served. */
    private void stopJob() {
        if (job != null) {
            job.cancel(true);
            job = null;
            run = null;
        }
        replugged = false;
    }

    // ------------------------------------------------------------------------------ plug-in tracking

    @Reference(service = AutoencoderFamily.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindFamily(ServiceReference<AutoencoderFamily> ref, AutoencoderFamily s) {
        bound(AutoencoderFamily.class, ref, s);
    }

    void unbindFamily(ServiceReference<AutoencoderFamily> ref) {
        unbound(AutoencoderFamily.class, ref);
    }

    @Reference(service = ReconstructionLoss.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindLoss(ServiceReference<ReconstructionLoss> ref, ReconstructionLoss s) {
        bound(ReconstructionLoss.class, ref, s);
    }

    void unbindLoss(ServiceReference<ReconstructionLoss> ref) {
        unbound(ReconstructionLoss.class, ref);
    }

    @Reference(service = MaskingStrategy.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindMasking(ServiceReference<MaskingStrategy> ref, MaskingStrategy s) {
        bound(MaskingStrategy.class, ref, s);
    }

    void unbindMasking(ServiceReference<MaskingStrategy> ref) {
        unbound(MaskingStrategy.class, ref);
    }

    @Reference(service = ScoringMethod.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindScoring(ServiceReference<ScoringMethod> ref, ScoringMethod s) {
        bound(ScoringMethod.class, ref, s);
    }

    void unbindScoring(ServiceReference<ScoringMethod> ref) {
        unbound(ScoringMethod.class, ref);
    }

    @Reference(service = DataSource.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void bindData(ServiceReference<DataSource> ref, DataSource s) {
        bound(DataSource.class, ref, s);
    }

    void unbindData(ServiceReference<DataSource> ref) {
        unbound(DataSource.class, ref);
    }

    private void bound(Class<?> type, ServiceReference<?> ref, Object service) {
        registry.computeIfAbsent(type, k -> new ConcurrentHashMap<>()).put(ref, service);
        refresh();
    }

    private void unbound(Class<?> type, ServiceReference<?> ref) {
        registry.getOrDefault(type, Map.of()).remove(ref);
        refresh();
    }

    /** The highest-ranked service of the role's type with the configured name. */
    private Optional<Plugin> find(Role role) {
        String name = role.nameIn(settings);
        return registry.getOrDefault(role.type, Map.of()).entrySet().stream()
                .filter(e -> name.equals(e.getKey().getProperty(PluginProperties.NAME)))
                .max(Map.Entry.comparingByKey(ServiceReference::compareTo))
                .map(e -> Plugin.of(e.getKey(), e.getValue()));
    }

    /** Re-evaluates the state after a plug-in came or went (and once at activation). */
    private synchronized void refresh() {
        if (!active || settings == null || !claimed) {
            return;
        }
        Map<Role, Plugin> now = new EnumMap<>(Role.class);
        List<String> missing = new ArrayList<>();
        for (Role role : Role.values()) {
            if (role.nameIn(settings).isEmpty()) {
                continue;
            }
            Optional<Plugin> p = find(role);
            if (p.isPresent()) {
                now.put(role, p.get());
            } else {
                missing.add(role.label + " '" + role.nameIn(settings) + "'");
            }
        }
        if (sameServices(now, selected) && state != PipelineState.WAITING) {
            selected = now;
            return;
        }
        selected = now;
        if (!missing.isEmpty()) {
            if (job != null) {
                job.cancel(true);
            }
            unserve();
            String why = "waiting for " + String.join(", ", missing);
            if (state != PipelineState.WAITING || !why.equals(message)) {
                LOG.info("Pipeline '{}' is {}", name, why);
            }
            state = PipelineState.WAITING;
            message = why;
            return;
        }
        if (state == PipelineState.TRAINING) {
            replugged = true;
            job.cancel(true); // a plug-in it trains with was replaced; finished() re-evaluates
            return;
        }
        loadStored();
    }

    private static boolean sameServices(Map<Role, Plugin> a, Map<Role, Plugin> b) {
        if (!a.keySet().equals(b.keySet())) {
            return false;
        }
        for (Role r : a.keySet()) {
            if (a.get(r).service() != b.get(r).service() || !a.get(r).properties().equals(b.get(r).properties())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Serves the stored model when it matches the configuration (calibrated again when the scoring method or the
     * threshold settings changed); else READY, and trains when configured to. A stale model keeps serving until a new one replaces it.
     */
    private void loadStored() {
        String fingerprint = fingerprint(selected);
        Optional<StoredPipeline> stored;
        try {
            stored = store.read();
        } catch (ModelStore.StoreException e) {
            unserve();
            fail("stored model unusable: " + e.getMessage() + " (train again to replace it)");
            return;
        }
        if (stored.isPresent() && stored.get().fingerprint().equals(fingerprint)) {
            try {
                StoredPipeline p = noteVersionChanges(stored.get());
                ServedModel model = reusable(p) ? served.withRecord(p) : open(p);
                message = "";
                serve(calibrated(model));
                state = PipelineState.TRAINED;
                LOG.info("Pipeline '{}' serves its stored model {} (trained {}; metrics {})", name,
                        served.modelFile().toAbsolutePath(), stored.get().trainedAt(), served.record().metrics());
            } catch (ModelStore.StoreException | ExecutorException | IllegalArgumentException e) {
                unserve();
                fail("stored model unusable: " + e.getMessage() + " (train again to replace it)");
            }
            return;
        }
        if (served != null && !bound(ScoringMethod.class, served.scoring())) {
            unserve(); // its scoring method is gone: it cannot answer any more
        }
        state = PipelineState.READY;
        message = (stored.isPresent() ? "stored model is stale: " + staleness(stored.get()) : "not trained yet")
                + (served != null ? "; the previous model serves until a new one is trained" : "");
        LOG.info("Pipeline '{}' is ready: {}", name, message);
        if (settings.autoTrain()) {
            startTraining();
        }
    }

    /** The served model is this stored one with the same scoring service: no need to load it again. */
    private boolean reusable(StoredPipeline p) {
        return served != null && p.modelSha256().equals(served.record().modelSha256())
                && served.scoring() == selected.get(Role.SCORING).service();
    }

    private boolean bound(Class<?> type, Object service) {
        return registry.getOrDefault(type, Map.of()).containsValue(service);
    }

    /**
     * The model calibrated for the current settings. The scoring method and the threshold do not shape the weights,
     * so changing them keeps the model: when the scoring plug-in (its name or configuration) differs from the one
     * the record was fitted with, the scorer is fitted again on the outputs of the training part (the same samples as
     * in training); when the threshold settings differ, or the scorer was fitted again, so is the threshold, on the
     * training part's scores. The record is updated, with the evaluation figures and score histogram of the new
     * calibration and a note, so what is shown is what is used. Where that cannot be done the stored calibration
     * keeps serving and the status says so.
     */
    private ServedModel calibrated(ServedModel model) {
        StoredPipeline r = model.record();
        Plugin scoring = selected.get(Role.SCORING);
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
                Dataset train = trainingPart(model);
                ScoringMethod method = (ScoringMethod) scoring.service();
                ModelOutputs out = model.outputs(train.samples().values(), train.labels(), train.count(),
                        java.util.Set.copyOf(method.requiredOutputs()));
                if (newScorer) {
                    scorer = method.fit(out);
                }
                trainScores = method.score(out, scorer);
            }
            double threshold = settings.thresholdFor(trainScores);
            Map<String, Map<String, Object>> plugins = new LinkedHashMap<>(r.plugins() == null ? Map.of() : r.plugins());
            plugins.put("scoring", scoring.describe());
            String note = java.time.Instant.now() + ": " + (newScorer ? "scorer '" + scoring.name() + "' fitted, " : "")
                    + "threshold re-fitted for " + wanted + (had == null || had.equals(wanted) ? "" : " (was " + had
                    + ")") + ": " + r.threshold() + " -> " + threshold + " (the model was kept)";
            ServedModel fitted = model.withRecord(r.withCalibration(scorer, plugins, threshold, wanted, r.metrics(),
                    r.histogram(), note));
            Map<String, Double> metrics = new LinkedHashMap<>(r.metrics() == null ? Map.of() : r.metrics());
            metrics.put("threshold", threshold);
            ScoreHistogram histogram = newScorer && trainScores != null
                    ? Histograms.of(trainScores, null, threshold, settings.trainingData()) : null;
            Optional<EvaluationScores> evaluation = evaluationAt(fitted, threshold);
            if (evaluation.isPresent()) {
                Evaluation e = evaluation.get().evaluation();
                metrics.put("eval_auroc", e.auroc());
                metrics.put("eval_average_precision", e.averagePrecision());
                metrics.put("eval_f1", e.f1());
                metrics.put("eval_count", (double) e.count());
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
        } catch (java.io.IOException | RuntimeException e) {
            message = "the scoring and threshold settings (" + scoring.name() + ", " + wanted + ") could not be "
                    + "applied (" + e.getMessage() + "); the stored calibration (threshold " + r.threshold()
                    + ") serves: train again to apply them";
            LOG.warn("Pipeline '{}': {}", name, message);
            return model;
        }
    }

    /**
     * The part of the training data the model was trained on: loaded again and split as in training (the seed and
     * the validation fraction the record was trained with), so calibration and baselines see the same samples.
     */
    private Dataset trainingPart(ServedModel model) {
        Plugin source = find(Role.TRAINING_DATA).orElseThrow(() -> new IllegalStateException("training data '"
                + settings.trainingData() + "' is not available"));
        Dataset all = ((DataSource) source.service()).load();
        int width = model.spec().features();
        if (all.samples().width() != width) {
            throw new IllegalStateException("training data '" + settings.trainingData() + "' has "
                    + all.samples().width() + " values per sample now; the model was trained on " + width);
        }
        Map<String, Object> config = model.record().config();
        Object fraction = config == null ? null : config.get("validation.fraction");
        return TrainingRun.split(all, fraction instanceof Number f ? f.doubleValue() : settings.validationFraction(),
                settings)[0];
    }

    /** Scores of the evaluation data, their labels and the figures at a threshold. */
    private record EvaluationScores(Evaluation evaluation, double[] scores, int[] labels) {
    }

    /** The evaluation data's figures at this threshold, when evaluation data is configured and available. */
    private Optional<EvaluationScores> evaluationAt(ServedModel model, double threshold) {
        Plugin source = settings.evaluationData().isEmpty() ? null : selected.get(Role.EVALUATION_DATA);
        if (source == null) {
            return Optional.empty();
        }
        Dataset d = ((DataSource) source.service()).load();
        if (!d.hasLabels() || d.samples().width() != model.spec().features()) {
            return Optional.empty();
        }
        double[] scores = model.score(d.samples().values(), d.count());
        return Optional.of(new EvaluationScores(Metrics.evaluate(scores, d.labels(), threshold), scores, d.labels()));
    }

    /**
     * A plug-in bundle replaced by another version with the same configuration keeps the model; the record says
     * so, so a model's provenance stays true.
     */
    private StoredPipeline noteVersionChanges(StoredPipeline p) {
        Map<String, Map<String, Object>> now = new LinkedHashMap<>();
        List<String> changes = new ArrayList<>();
        selected.forEach((role, plugin) -> {
            String key = role.name().toLowerCase(java.util.Locale.ROOT);
            now.put(key, plugin.describe());
            Map<String, Object> then = p.plugins() == null ? null : p.plugins().get(key);
            if (then != null && !plugin.version().equals(then.get("version"))) {
                changes.add(role.label + " '" + plugin.name() + "' " + then.get("bundle") + " " + then.get("version")
                        + " -> " + plugin.bundle() + " " + plugin.version());
            }
        });
        if (changes.isEmpty()) {
            return p;
        }
        StoredPipeline updated = p.withPlugins(now, java.time.Instant.now() + ": " + String.join("; ", changes)
                + " (same configuration: the model was kept)");
        try {
            store.updateRecord(updated);
            LOG.info("Pipeline '{}': {}", name, updated.notes().get(updated.notes().size() - 1));
        } catch (java.io.IOException e) {
            LOG.warn("Pipeline '{}': could not note plug-in version changes in {}: {}", name,
                    store.recordPath(), e.getMessage());
        }
        return updated;
    }

    private ServedModel open(StoredPipeline p) throws ModelStore.StoreException {
        byte[] bytes = store.readModel(p);
        InputSpec spec = InputSpec.of(p.inputShape());
        Normalizer normalizer = Normalizer.fromJson(p.normalizer(), spec.features());
        var session = executor.load("pipeline/" + name, bytes);
        return new ServedModel(session, executor.environment(), spec, normalizer,
                (ScoringMethod) selected.get(Role.SCORING).service(), p, store.modelPath(p));
    }

    private String fingerprint(Map<Role, Plugin> plugins) {
        Map<String, Object> f = new LinkedHashMap<>(settings.modelDefinition());
        plugins.forEach((role, p) -> {
            if (role != Role.SCORING && role != Role.EVALUATION_DATA) { // they do not shape the weights
                f.put(role.name(), p.name() + p.properties());
            }
        });
        return ModelStore.sha256(ModelStore.json(f).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Which configuration values the stored model was trained with differ from now. */
    private String staleness(StoredPipeline p) {
        List<String> changes = new ArrayList<>();
        Map<String, Object> now = settings.modelDefinition();
        for (Map.Entry<String, Object> e : now.entrySet()) {
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

    private void fail(String why) {
        state = PipelineState.FAILED;
        message = why;
        LOG.error("Pipeline '{}' failed: {}", name, why);
    }

    // ------------------------------------------------------------------------------ training

    @Override
    public synchronized void train() {
        // Not claimed: another configuration owns the name and its model folder; training would write into it.
        if (state == PipelineState.WAITING || settings == null || !claimed) {
            throw new PipelineException("pipeline '" + name + "' cannot train: " + message);
        }
        if (state == PipelineState.TRAINING) {
            throw new PipelineException("pipeline '" + name + "' is already training");
        }
        startTraining();
    }

    private void startTraining() {
        TrainingRun r = new TrainingRun(settings, Map.copyOf(selected), executor, store, fingerprint(selected),
                configSnapshot);
        run = r;
        state = PipelineState.TRAINING;
        message = "";
        job = jobs.submit(() -> {
            ServedModel result = null;
            Throwable error = null;
            try {
                result = r.call();
            } catch (Throwable t) {
                error = t;
            }
            // An interrupt can surface as any exception (e.g. ClosedByInterruptException while checkpointing).
            boolean cancelled = Thread.interrupted() || error instanceof CancellationException;
            finished(r, result, error, cancelled);
        });
    }

    private synchronized void finished(TrainingRun r, ServedModel result, Throwable error, boolean cancelled) {
        r.markDone();
        try {
            if (r != run || !active) {
                if (result != null) {
                    result.close();
                }
                return;
            }
            job = null;
            if (result != null) {
                serve(result);
                state = PipelineState.TRAINED;
                message = "";
            } else if (cancelled) {
                LOG.info("Pipeline '{}': training cancelled (the checkpoint of the last finished epoch is kept)",
                        name);
                if (state == PipelineState.WAITING) {
                    return; // a plug-in went away; refresh() already said which
                }
                state = served != null ? PipelineState.TRAINED : PipelineState.READY;
                message = "training cancelled" + (served != null ? "; the previous model still serves" : "");
                if (replugged) {
                    replugged = false;
                    selected = Map.of();
                    refresh(); // train again with the plug-ins that replaced the old ones
                }
            } else {
                String why = error.getMessage() == null ? error.toString() : error.getMessage();
                fail("training failed: " + why + (served != null ? " (the previous model still serves)" : ""));
                LOG.debug("Training failure of pipeline '{}'", name, error);
            }
        } finally {
            notifyAll();
        }
    }

    @Override
    public synchronized boolean cancel() {
        if (job == null) {
            return false;
        }
        return job.cancel(true);
    }

    @Override
    public PipelineState awaitTraining(long timeoutMillis) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            TrainingRun r;
            synchronized (this) {
                if (state != PipelineState.TRAINING) {
                    return state;
                }
                r = run;
            }
            long left = end - System.nanoTime();
            if (left <= 0) {
                return PipelineState.TRAINING;
            }
            synchronized (this) {
                if (run == r && state == PipelineState.TRAINING) {
                    wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 200)));
                }
            }
        }
    }

    // ------------------------------------------------------------------------------ serving

    private void serve(ServedModel model) {
        serving.writeLock().lock();
        try {
            ServedModel old = served;
            served = model;
            if (old != null && old != model && !old.sharesSession(model)) {
                old.close();
            }
        } finally {
            serving.writeLock().unlock();
        }
        notifyAll();
    }

    private void unserve() {
        serving.writeLock().lock();
        try {
            if (served != null) {
                served.close();
                served = null;
            }
        } finally {
            serving.writeLock().unlock();
        }
    }

    private <T> T withModel(Function<ServedModel, T> use) {
        serving.readLock().lock();
        try {
            if (served != null) {
                return use.apply(served);
            }
        } finally {
            serving.readLock().unlock();
        }
        // Built outside the read lock: status() takes the monitor, which a swap holds while taking the write lock.
        PipelineStatus st = status();
        throw new PipelineException("pipeline '" + name + "' has no trained model (state " + st.state()
                + (st.message().isEmpty() ? "" : ": " + st.message()) + ")");
    }

    /** Runs a serving call and counts it (answered or refused) with its latency. */
    private <T> T metered(int count, java.util.function.Supplier<T> call) {
        long start = System.nanoTime();
        boolean failed = true;
        try {
            T result = call.get();
            failed = false;
            return result;
        } finally {
            meter.record(start, count, failed);
        }
    }

    private static int count(float[][] samples) {
        return samples == null ? 0 : samples.length;
    }

    @Override
    public ServingStats servingStats() {
        return meter.snapshot();
    }

    @Override
    public double[] score(float[][] samples) {
        return metered(count(samples), () -> withModel(m -> m.score(samples)));
    }

    @Override
    public boolean[] label(float[][] samples) {
        return metered(count(samples), () -> withModel(m -> {
            double[] s = m.score(samples);
            boolean[] out = new boolean[s.length];
            for (int i = 0; i < s.length; i++) {
                out[i] = s[i] > m.threshold();
            }
            return out;
        }));
    }

    @Override
    public double threshold() {
        return withModel(ServedModel::threshold);
    }

    @Override
    public float[][] encode(float[][] samples) {
        return metered(count(samples), () -> withModel(m -> m.encode(samples)));
    }

    @Override
    public float[][] reconstruct(float[][] samples) {
        return metered(count(samples), () -> withModel(m -> m.reconstruct(samples)));
    }

    @Override
    public float[][] output(String name, float[][] samples) {
        return metered(count(samples), () -> withModel(m -> m.output(name, samples)));
    }

    @Override
    public Evaluation evaluate(float[][] samples, int[] labels) {
        if (labels == null || samples == null || labels.length != samples.length) {
            throw new PipelineException("evaluate needs one label per sample; got " + (labels == null ? 0 : labels.length)
                    + " labels for " + (samples == null ? 0 : samples.length) + " samples");
        }
        Scored scored = withModel(m -> {
            try {
                float[] raw = m.validate(samples);
                return new Scored(Metrics.evaluate(m.score(raw, samples.length), labels, m.threshold()), m, raw);
            } catch (IllegalArgumentException e) {
                throw new PipelineException(e.getMessage(), e);
            }
        });
        return withBaselines(scored, labels);
    }

    /** An evaluation of the served model with the model and the raw samples, for the baselines. */
    private record Scored(Evaluation evaluation, ServedModel model, float[] raw) {
    }

    /**
     * The evaluation with the reference detectors' figures (Baselines), fitted again on the model's training part:
     * the training data loaded and split as in training, normalised with the model's normaliser. This runs after the
     * serving lock is released (a model swap need not wait for the search) on objects that do not change. When the
     * training data cannot be used the evaluation comes without them and the log says why.
     */
    private Evaluation withBaselines(Scored scored, int[] labels) {
        ServedModel m = scored.model();
        int count = scored.evaluation().count();
        try {
            long started = System.nanoTime();
            int width = m.spec().features();
            Dataset train = trainingPart(m);
            Normalizer normalizer = m.normalizer();
            Evaluation e = scored.evaluation().withBaselines(Baselines.fit(normalizer.apply(train.samples().values()),
                    train.count(), width, settings.seed()).evaluate(executor, "pipeline/" + name + "/baseline-knn",
                    normalizer.apply(scored.raw()), count, labels));
            LOG.debug("Pipeline '{}': baselines of {} samples in {} s", name, count,
                    (System.nanoTime() - started) / 1e9);
            return e;
        } catch (RuntimeException e) {
            LOG.warn("Pipeline '{}': the evaluation's baselines were left out: {}", name, e.getMessage());
            return scored.evaluation();
        }
    }

    @Override
    public Evaluation evaluate() {
        if (settings == null) {
            throw new PipelineException("pipeline '" + name + "': " + status().message());
        }
        if (settings.evaluationData().isEmpty()) {
            throw new PipelineException("pipeline '" + name + "' has no evaluation.data configured");
        }
        Plugin source = find(Role.EVALUATION_DATA).orElseThrow(() -> new PipelineException(
                "evaluation data '" + settings.evaluationData() + "' is not available"));
        Dataset d = ((DataSource) source.service()).load();
        if (!d.hasLabels()) {
            throw new PipelineException("evaluation data '" + settings.evaluationData() + "' has no labels");
        }
        Scored scored = withModel(m -> {
            if (d.samples().width() != m.spec().features()) {
                throw new PipelineException("evaluation data has " + d.samples().width() + " values per sample; the "
                        + "model expects " + m.spec().features());
            }
            return new Scored(Metrics.evaluate(m.score(d.samples().values(), d.count()), d.labels(), m.threshold()),
                    m, d.samples().values());
        });
        return withBaselines(scored, d.labels());
    }

    @Override
    public Path modelFile() {
        return withModel(ServedModel::modelFile);
    }

    @Override
    public Path recordFile() {
        return withModel(m -> store.recordPath());
    }

    @Override
    public Optional<ScoreHistogram> scoreHistogram() {
        serving.readLock().lock();
        try {
            return served == null ? Optional.empty() : Optional.ofNullable(served.record().histogram());
        } finally {
            serving.readLock().unlock();
        }
    }

    @Override
    public Map<String, Object> configuration() {
        return java.util.Collections.unmodifiableMap(configSnapshot);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public synchronized PipelineStatus status() {
        Map<String, Double> metrics = served == null ? Map.of() : served.record().metrics();
        TrainingProgress p = run == null ? null : run.progress();
        return new PipelineStatus(name, state, message, p, metrics);
    }

    @Deactivate
    void deactivate() {
        Future<?> running;
        synchronized (this) {
            active = false;
            running = job;
            if (running != null) {
                running.cancel(true);
            }
        }
        if (running != null) {
            try {
                running.get(60, TimeUnit.SECONDS);
            } catch (CancellationException | ExecutionException | TimeoutException e) {
                // cancelled or failed: either way the job is over or will stop at its next step
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        jobs.shutdownNow();
        try {
            jobs.awaitTermination(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (this) {
            unserve();
            releaseName();
            message = "this pipeline instance was stopped (its bundle stopped or its configuration changed); "
                    + "look the Pipeline service up again";
        }
    }

    @Override
    public String toString() {
        return "Pipeline[" + name + ", " + state + "]";
    }
}
