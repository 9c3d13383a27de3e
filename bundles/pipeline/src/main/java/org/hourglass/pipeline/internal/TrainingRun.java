package org.hourglass.pipeline.internal;

import ai.onnx.proto.OnnxMl;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import org.hourglass.api.executor.ModelSession;
import org.hourglass.api.executor.OnnxExecutor;
import org.hourglass.api.pipeline.Evaluation;
import org.hourglass.api.pipeline.ScoreHistogram;
import org.hourglass.api.pipeline.TrainingProgress;
import org.hourglass.graph.HostTensor;
import org.hourglass.graph.Optimizer;
import org.hourglass.graph.TrainStepModel;
import org.hourglass.graph.training.DivergenceException;
import org.hourglass.graph.training.LearningRate;
import org.hourglass.graph.training.Trainer;
import org.hourglass.graph.training.TrainingConfig;
import org.hourglass.graph.training.TrainingData;
import org.hourglass.graph.training.TrainingListener;
import org.hourglass.graph.training.TrainingResult;
import org.hourglass.spi.AutoencoderFamily;
import org.hourglass.spi.DataException;
import org.hourglass.spi.DataSource;
import org.hourglass.spi.Dataset;
import org.hourglass.spi.InputSpec;
import org.hourglass.spi.MaskingStrategy;
import org.hourglass.spi.ModelOutputs;
import org.hourglass.spi.ReconstructionLoss;
import org.hourglass.spi.Samples;
import org.hourglass.spi.ScoringMethod;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One training job: load and normalise the data, train epoch by epoch (checkpointing after each, resuming from a
 * matching checkpoint), fit the scorer, set the threshold, evaluate, and store the result. Runs on a background
 * thread; interrupting it cancels between steps.
 */
final class TrainingRun implements Callable<ServedModel> {

    private static final Logger LOG = LoggerFactory.getLogger(TrainingRun.class);
    /**
     * Up to this many steps run as one run of the train step's ONNX Loop form: the same results, about 5% faster
     * for the dense AE on the CPU (less per-run work), and the state stays on the device between the steps of a
     * run on a GPU. Progress arrives and cancellation is checked once per run.
     */
    static final int STEPS_PER_RUN = 8;
    private static final long LOG_EVERY_NANOS = 5_000_000_000L;

    /** The settings as configured; {@link #s} is the same with every auto setting chosen for the data. */
    private final Settings configured;
    private Settings s;
    private final Map<Role, Plugin> plugins;
    private final OnnxExecutor executor;
    private final ModelStore store;
    private final String fingerprint;
    private final Map<String, Object> configSnapshot;

    private volatile TrainingProgress progress;
    private final List<Double> epochLosses = Collections.synchronizedList(new ArrayList<>());
    private final List<Double> validationLosses = Collections.synchronizedList(new ArrayList<>());
    private final List<Map<String, Object>> epochDiagnostics = Collections.synchronizedList(new ArrayList<>());
    /** The training data's downstream figures of the parameters the run keeps (best or last epoch). */
    private Map<String, Double> keptDownstream = Map.of();
    private long lastLog;
    /** Recoveries from a diverging loss in one job, at most. */
    static final int MAX_RECOVERIES = 3;
    /** The trainer of the run; replaced by one with gradient clipping when the loss diverges. */
    private Trainer trainer;
    /** Learning rate and clipping norm in use: lowered by each recovery. */
    private double rate;
    private double clip;
    private final List<String> recoveries = Collections.synchronizedList(new ArrayList<>());
    /** Average samples in one step of an epoch (the last batch may be short; a batch larger than the data is n). */
    private double samplesPerStep = 1;
    private float[] trainCondition;
    private Samples valCondition;

    TrainingRun(Settings settings, Map<Role, Plugin> plugins, OnnxExecutor executor, ModelStore store,
                String fingerprint, Map<String, Object> configSnapshot) {
        this.configured = settings;
        this.s = settings;
        this.plugins = plugins;
        this.executor = executor;
        this.store = store;
        this.fingerprint = fingerprint;
        this.configSnapshot = configSnapshot;
        this.rate = settings.learningRate();
        this.clip = settings.clipNorm();
        this.progress = new TrainingProgress(0, settings.epochs(), 0, 0, Double.NaN, List.of(), List.of(), 0,
                Double.NaN, false);
    }

    TrainingProgress progress() {
        return progress;
    }

    /** Marks the progress finished (whatever the outcome). */
    void markDone() {
        TrainingProgress p = progress;
        progress = new TrainingProgress(p.epoch(), p.epochs(), p.step(), p.steps(), p.loss(), epochLosses,
                validationLosses, p.samplesPerSecond(), 0, true, epochDiagnostics, recoveries);
    }

    @Override
    public ServedModel call() throws Exception {
        long started = System.nanoTime();
        Dataset all = load(Role.TRAINING_DATA);
        InputSpec spec = inputSpec(all);
        int width = spec.features();
        Dataset[] parts = split(all, s.validationFraction(), s);
        Dataset trainPart = parts[0];
        Dataset valPart = parts[1];
        s = configured.resolvedFor(spec, trainPart.count());
        String chosen = configured.autoChoices(s);
        if (!chosen.isEmpty()) {
            LOG.info("Pipeline '{}': chosen for {} samples of {}: {}", s.name(), trainPart.count(), spec, chosen);
        }
        Normalizer normalizer = Normalizer.fit(s.normalization(), trainPart.samples().values(), width);
        float[] train = normalizer.apply(trainPart.samples().values());
        float[] val = normalizer.apply(valPart.samples().values());
        int n = trainPart.count();
        LOG.info("Pipeline '{}': training {} on {} samples of {} ({} for validation), {} epochs, batch {}",
                s.name(), s.family(), n, spec, valPart.count(), s.epochs(), s.batchSize());

        DataSource trainingSource = (DataSource) service(Role.TRAINING_DATA);
        Composer composer = new Composer((AutoencoderFamily) service(Role.FAMILY),
                (ReconstructionLoss) service(Role.LOSS), (MaskingStrategy) optionalService(Role.MASKING), spec, s,
                column -> trainingSource.featureIndex(column).orElseThrow(() -> new IllegalArgumentException(
                        "condition source 'column:" + column + "': the training data '" + s.trainingData()
                                + "' has no column names; use feature:<index> or label")));
        Optimizer optimizer = s.newOptimizer(plugins.get(Role.FAMILY).properties());
        Map<String, HostTensor> weights;
        // Built first: the family declares its condition input while it builds the train step.
        trainer = newTrainer(composer, optimizer, s.clipNorm());
        try {
            // A conditional family's one-hot condition is fed next to the samples (FamilyContext.condition).
            Condition condition = composer.condition();
            if (condition != null) {
                trainCondition = condition.oneHot(trainPart.samples().values(), width, trainPart.labels(), n);
                valCondition = new Samples(condition.oneHot(valPart.samples().values(), width, valPart.labels(),
                        valPart.count()), valPart.count(), condition.classes());
            }
            weights = trainEpochs(composer, optimizer, spec, normalizer, train, n, val, valPart.count());
        } finally {
            trainer.close();
        }

        OnnxMl.ModelProto proto = composer.inference(weights, provenance(spec, normalizer, optimizer));
        ModelSession session = executor.load("pipeline/" + s.name(), proto);
        try {
            ScoringMethod scoring = (ScoringMethod) service(Role.SCORING);
            ServedModel draft = new ServedModel(session, executor.environment(), spec, normalizer, scoring,
                    record(spec, normalizer, Map.of(), Double.NaN, Map.of(), null), null);
            ModelOutputs reference = draft.outputs(trainPart.samples().values(), trainPart.labels(), n,
                    Set.copyOf(scoring.requiredOutputs()));
            Map<String, Object> scorerState = scoring.fit(reference);
            double[] trainScores = scoring.score(reference, scorerState);
            double threshold = s.thresholdFor(trainScores);

            Map<String, Double> metrics = new LinkedHashMap<>();
            metrics.put("final_loss", epochLosses.isEmpty() ? Double.NaN : epochLosses.get(epochLosses.size() - 1));
            if (!validationLosses.isEmpty()) {
                metrics.put("validation_loss", Collections.min(validationLosses));
            }
            metrics.put("epochs", (double) epochLosses.size());
            metrics.put("threshold", threshold);
            metrics.put("train_seconds", (System.nanoTime() - started) / 1e9);
            metrics.put("samples_per_second", progress.samplesPerSecond());
            metrics.putAll(keptDownstream);
            ServedModel scored = new ServedModel(session, executor.environment(), spec, normalizer, scoring,
                    record(spec, normalizer, scorerState, threshold, metrics, null), null);
            ScoreHistogram histogram = Histograms.of(trainScores, null, threshold, s.trainingData());
            var evaluated = evaluate(scored, spec, normalizer, train, n);
            if (evaluated.isPresent()) {
                Evaluation e = evaluated.get().evaluation();
                metrics.put("eval_auroc", e.auroc());
                metrics.put("eval_average_precision", e.averagePrecision());
                metrics.put("eval_f1", e.f1());
                metrics.put("eval_count", (double) e.count());
                Baselines.putMetrics(metrics, e.baselines());
                histogram = Histograms.of(evaluated.get().scores(), evaluated.get().labels(), threshold,
                        s.evaluationData());
            }

            OnnxMl.ModelProto.Builder withMetrics = proto.toBuilder();
            withMetrics.addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder()
                    .setKey("hourglass.metrics").setValue(ModelStore.json(metrics)));
            StoredPipeline stored = store.commit(withMetrics.build().toByteArray(),
                    record(spec, normalizer, scorerState, threshold, metrics, histogram));
            LOG.info("Pipeline '{}' trained in {} s: loss {}, threshold {}{}; model {}", s.name(),
                    String.format("%.1f", metrics.get("train_seconds")), fmt(metrics.get("final_loss")), fmt(threshold),
                    metrics.containsKey("eval_auroc") ? ", AUROC " + fmt(metrics.get("eval_auroc")) + " on '"
                            + s.evaluationData() + "'" : "", store.modelPath(stored).toAbsolutePath());
            return new ServedModel(session, executor.environment(), spec, normalizer, scoring, stored,
                    store.modelPath(stored));
        } catch (Exception | Error e) {
            session.close();
            throw e;
        }
    }

    private Trainer newTrainer(Composer composer, Optimizer optimizer, double clip) {
        Trainer t = new Trainer(executor, composer.trainStep(optimizer, clip), "pipeline/" + s.name() + "/train");
        t.setStepsPerRun(STEPS_PER_RUN);
        return t;
    }

    /**
     * One epoch of training. When the loss becomes NaN or infinite the trainer goes back to {@code good} (the state
     * after the last finished epoch) and the epoch runs again with a tenth of the learning rate and gradient clipping
     * (at norm 1, or half the norm already in use), at most {@value #MAX_RECOVERIES} times in a job; then the job
     * fails with what was tried.
     */
    private TrainingResult fitEpoch(Composer composer, Optimizer optimizer, TrainingData data, int epoch,
                                    Map<String, HostTensor> good, long goodStep, TrainingListener listener) {
        while (true) {
            try {
                return trainer.fit(data, new TrainingConfig(1, s.batchSize(), LearningRate.constant(rate),
                        s.seed() + epoch, true, false), listener);
            } catch (DivergenceException e) {
                if (recoveries.size() >= MAX_RECOVERIES) {
                    throw new IllegalStateException(e.getMessage() + "; still diverging after " + recoveries.size()
                            + " recoveries: " + String.join("; ", recoveries), e);
                }
                rate /= 10;
                clip = clip > 0 ? clip / 2 : 1.0;
                trainer.close();
                trainer = newTrainer(composer, optimizer, clip);
                trainer.setState(good);
                trainer.setStep(goodStep);
                String what = "the loss became " + e.loss() + " at step " + e.step() + " (epoch " + (epoch + 1)
                        + "): rolled back to step " + goodStep + ", learning rate " + fmt(rate)
                        + ", gradient clipping at norm " + fmt(clip);
                recoveries.add(what);
                LOG.warn("Pipeline '{}': {} (recovery {} of at most {})", s.name(), what, recoveries.size(),
                        MAX_RECOVERIES);
                TrainingProgress p = progress;
                publish(p.epoch(), goodStep, p.loss(), p.steps(), p.samplesPerSecond());
            }
        }
    }

    private Map<String, HostTensor> trainEpochs(Composer composer, Optimizer optimizer, InputSpec spec,
                                                Normalizer normalizer, float[] train, int n, float[] val, int nVal)
            throws IOException {
        int start = 0;
        double bestLoss = Double.POSITIVE_INFINITY;
        int sinceBest = 0;
        Map<String, HostTensor> best = null;
        try {
            var cp = store.readCheckpoint();
            if (cp.isPresent() && cp.get().fingerprint().equals(fingerprint) && cp.get().epochsDone() < s.epochs()) {
                trainer.setState(cp.get().state());
                trainer.setStep(cp.get().step());
                start = cp.get().epochsDone();
                bestLoss = cp.get().bestLoss();
                sinceBest = cp.get().epochsSinceBest();
                LOG.info("Pipeline '{}': resuming from the checkpoint after epoch {}", s.name(), start);
            }
        } catch (ModelStore.StoreException e) {
            LOG.warn("Pipeline '{}': ignoring checkpoint: {}", s.name(), e.getMessage());
        }
        int stepsPerEpoch = (n + s.batchSize() - 1) / s.batchSize();
        long totalSteps = (long) stepsPerEpoch * s.epochs();
        // A batch larger than the data is one step of n samples, not of batch.size: the ETA counts what a step holds.
        samplesPerStep = (double) n / stepsPerEpoch;
        MaskingStrategy masking = (MaskingStrategy) optionalService(Role.MASKING);
        DataSource trainingSource = (DataSource) service(Role.TRAINING_DATA);
        Map<String, Double> lastDownstream = Map.of();
        Map<String, Double> bestDownstream = Map.of();
        Map<String, HostTensor> good = trainer.state();
        long goodStep = trainer.step();
        for (int epoch = start; epoch < s.epochs(); epoch++) {
            if (Thread.currentThread().isInterrupted()) {
                throw new CancellationException("cancelled before epoch " + (epoch + 1));
            }
            Map<String, float[]> columns = new LinkedHashMap<>();
            columns.put(Composer.INPUT, train);
            if (masking != null) {
                float[] visible = new float[train.length];
                masking.fill(visible, n, spec, new SplittableRandom(s.seed() * 31 + epoch));
                columns.put(Composer.VISIBLE, visible);
            }
            if (trainCondition != null) {
                columns.put(composer.condition().inputName(), trainCondition);
            }
            int shown = epoch + 1;
            List<TrainingListener.EpochSummary> summaries = new ArrayList<>(1);
            TrainingResult r = fitEpoch(composer, optimizer, TrainingData.of(columns, n), epoch, good, goodStep,
                    TrainingListener.of(p -> onStep(p, shown, stepsPerEpoch, totalSteps), summaries::add));
            double epochLoss = r.finalLoss();
            if (!Double.isFinite(epochLoss)) {
                throw new IllegalStateException("training diverged: the loss of epoch " + shown + " is " + epochLoss
                        + "; lower learning.rate or check the data's scale");
            }
            epochLosses.add(epochLoss);
            Map<String, Object> summary = new LinkedHashMap<>();
            if (!summaries.isEmpty() && !summaries.get(summaries.size() - 1).diagnostics().isEmpty()) {
                summary.putAll(((AutoencoderFamily) service(Role.FAMILY))
                        .summarize(summaries.get(summaries.size() - 1).diagnostics()));
            }
            lastDownstream = downstream(trainingSource, composer, trainer.params(), spec, normalizer, shown);
            summary.putAll(lastDownstream);
            if (!summary.isEmpty()) {
                epochDiagnostics.add(Collections.unmodifiableMap(summary));
                LOG.info("Pipeline '{}': epoch {} diagnostics {}", s.name(), shown, summary);
            }
            double monitored = epochLoss;
            if (nVal > 0) {
                monitored = validationLoss(composer, trainer.params(), spec, val, nVal);
                validationLosses.add(monitored);
            }
            if (monitored < bestLoss) {
                bestLoss = monitored;
                sinceBest = 0;
                best = s.patience() > 0 ? trainer.params() : null;
                bestDownstream = lastDownstream;
            } else {
                sinceBest++;
            }
            good = trainer.state();
            goodStep = trainer.step();
            store.writeCheckpoint(new Checkpoint(fingerprint, shown, goodStep, good, bestLoss, sinceBest));
            LOG.info("Pipeline '{}': epoch {}/{} loss {}{} ({} samples/s)", s.name(), shown, s.epochs(),
                    fmt(epochLoss), nVal > 0 ? ", validation " + fmt(monitored) : "",
                    Math.round(progress.samplesPerSecond()));
            publish(shown, trainer.step(), epochLoss, totalSteps, progress.samplesPerSecond());
            if (s.patience() > 0 && sinceBest >= s.patience()) {
                LOG.info("Pipeline '{}': early stop after epoch {}: no improvement for {} epochs", s.name(), shown,
                        sinceBest);
                break;
            }
        }
        keptDownstream = best != null ? bestDownstream : lastDownstream;
        return best != null ? best : trainer.params();
    }

    /**
     * The training data's downstream metric ({@link DataSource#downstream}) of the epoch's parameters, the rows
     * mapped as {@code Pipeline.reconstruct} maps them: normalised, reconstructed, the normalisation undone. The
     * inference session is built only when the source asks for a reconstruction. A failure of the metric is a
     * warning, not a failed training: the metric reports on the model and takes no part in fitting it, so the
     * epoch goes on without the figures.
     */
    private Map<String, Double> downstream(DataSource source, Composer composer, Map<String, HostTensor> params,
                                           InputSpec spec, Normalizer normalizer, int epoch) {
        ModelSession[] session = new ModelSession[1];
        long started = System.nanoTime();
        try {
            Map<String, Double> figures = source.downstream(rows -> {
                if (session[0] == null) {
                    session[0] = executor.load("pipeline/" + s.name() + "/downstream",
                            composer.inference(params, Map.of()));
                }
                return reconstruct(session[0], composer, spec, normalizer, rows);
            });
            if (figures == null || figures.isEmpty()) {
                return Map.of();
            }
            LOG.info("Pipeline '{}': epoch {} downstream metric of '{}' in {} s: {}", s.name(), epoch,
                    s.trainingData(), String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - started)
                            / 1e9), figures);
            return new LinkedHashMap<>(figures);
        } catch (CancellationException e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.warn("Pipeline '{}': epoch {}: the downstream metric of training data '{}' failed, training goes on "
                    + "without it: {}", s.name(), epoch, s.trainingData(), String.valueOf(e.getMessage()));
            LOG.debug("Pipeline '{}': the downstream metric's failure", s.name(), e);
            return Map.of();
        } finally {
            if (session[0] != null) {
                session[0].close();
            }
        }
    }

    /** Rows in the data's units to their reconstructions in the same units (as ServedModel.reconstruct). */
    private float[][] reconstruct(ModelSession session, Composer composer, InputSpec spec, Normalizer normalizer,
                                  float[][] rows) {
        int width = spec.features();
        float[] raw = new float[rows.length * width];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] == null || rows[i].length != width) {
                throw new DataException("the downstream metric gave row " + i + " of "
                        + (rows[i] == null ? 0 : rows[i].length) + " values to reconstruct; the model takes " + width);
            }
            System.arraycopy(rows[i], 0, raw, i * width, width);
        }
        Condition condition = composer.condition();
        Samples r = ModelRunner.run(session, executor.environment(), spec, normalizer.apply(raw), rows.length,
                Set.of(ModelOutputs.RECONSTRUCTION), condition == null ? null : condition.inputName(),
                condition == null ? null : new Samples(condition.oneHot(raw, width, null, rows.length),
                        rows.length, condition.classes())).get(ModelOutputs.RECONSTRUCTION);
        float[] values = normalizer.invert(r.values());
        float[][] out = new float[rows.length][];
        for (int i = 0; i < out.length; i++) {
            out[i] = java.util.Arrays.copyOfRange(values, i * r.width(), (i + 1) * r.width());
        }
        return out;
    }

    private double validationLoss(Composer composer, Map<String, HostTensor> params, InputSpec spec, float[] val,
                                  int nVal) {
        try (ModelSession session = executor.load("pipeline/" + s.name() + "/validation",
                composer.inference(params, Map.of()))) {
            float[] losses = ModelRunner.run(session, executor.environment(), spec, val, nVal,
                    Set.of(Composer.SAMPLE_LOSS), valCondition == null ? null : composer.condition().inputName(),
                    valCondition).get(Composer.SAMPLE_LOSS).values();
            double sum = 0;
            for (float l : losses) {
                sum += l;
            }
            return sum / nVal;
        }
    }

    private void onStep(TrainingListener.Progress p, int epoch, int stepsPerEpoch, long totalSteps) {
        publish(epoch, p.globalStep(), p.loss(), totalSteps, p.samplesPerSecond());
        long now = System.nanoTime();
        if (now - lastLog > LOG_EVERY_NANOS) {
            lastLog = now;
            TrainingProgress t = progress;
            LOG.info("Pipeline '{}': epoch {}/{} step {}/{} loss {} ({} samples/s, ETA {} s)", s.name(), epoch,
                    s.epochs(), p.stepInEpoch(), stepsPerEpoch, fmt(p.loss()), Math.round(p.samplesPerSecond()),
                    Math.round(t.etaSeconds()));
        }
    }

    private void publish(int epoch, long step, double loss, long totalSteps, double samplesPerSecond) {
        double stepsPerSecond = samplesPerSecond / samplesPerStep;
        double eta = stepsPerSecond > 0 ? Math.max(0, totalSteps - step) / stepsPerSecond : Double.NaN;
        progress = new TrainingProgress(epoch, s.epochs(), step, totalSteps, loss, epochLosses, validationLosses,
                samplesPerSecond, eta, false, epochDiagnostics, recoveries);
    }

    /** Scores of the evaluation data, their labels and the metrics. */
    private record Evaluated(Evaluation evaluation, double[] scores, int[] labels) {
    }

    /**
     * @param train the normalised training part ({@code n} samples) the reference detectors are fitted on; their
     *              figures come with the evaluation (a failure of theirs is a warning and leaves them out)
     */
    private java.util.Optional<Evaluated> evaluate(ServedModel model, InputSpec spec, Normalizer normalizer,
                                                   float[] train, int n) {
        if (s.evaluationData().isEmpty()) {
            return java.util.Optional.empty();
        }
        try {
            Dataset eval = load(Role.EVALUATION_DATA);
            if (!eval.spec().equals(spec) && eval.spec().features() != spec.features()) {
                throw new DataException("evaluation data has samples of " + eval.spec() + ", the model " + spec);
            }
            if (!eval.hasLabels()) {
                throw new DataException("evaluation data '" + s.evaluationData() + "' has no labels");
            }
            double[] scores = model.score(eval.samples().values(), eval.count());
            Evaluation e = Metrics.evaluate(scores, eval.labels(), model.threshold());
            try {
                long started = System.nanoTime();
                e = e.withBaselines(Baselines.fit(train, n, spec.features(), s.seed()).evaluate(executor,
                        "pipeline/" + s.name() + "/baseline-knn", normalizer.apply(eval.samples().values()),
                        eval.count(), eval.labels()));
                LOG.info("Pipeline '{}': baselines on '{}' in {} s: {}", s.name(), s.evaluationData(),
                        String.format(java.util.Locale.ROOT, "%.1f", (System.nanoTime() - started) / 1e9),
                        e.baselines().stream().map(b -> b.name() + " AUROC " + fmt(b.auroc()) + " (" + b.description()
                                + ")").collect(java.util.stream.Collectors.joining(", ")));
            } catch (RuntimeException failed) {
                LOG.warn("Pipeline '{}': the baselines on '{}' were left out: {}", s.name(), s.evaluationData(),
                        failed.getMessage());
            }
            return java.util.Optional.of(new Evaluated(e, scores, eval.labels()));
        } catch (RuntimeException e) {
            LOG.warn("Pipeline '{}': evaluation on '{}' skipped: {}", s.name(), s.evaluationData(), e.getMessage());
            return java.util.Optional.empty();
        }
    }

    private Dataset load(Role role) {
        DataSource source = (DataSource) service(role);
        Dataset d = source.load();
        if (d.count() == 0) {
            throw new DataException(role.label + " '" + role.nameIn(s) + "' has no samples");
        }
        float[] v = d.samples().values();
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw new DataException(role.label + " '" + role.nameIn(s) + "': sample " + (i / d.samples().width())
                        + ", feature " + (i % d.samples().width()) + " is " + v[i]);
            }
        }
        return d;
    }

    private InputSpec inputSpec(Dataset data) {
        if (s.inputShape().length == 0) {
            return data.spec();
        }
        InputSpec configured = InputSpec.of(java.util.Arrays.stream(s.inputShape()).asLongStream().toArray());
        if (configured.features() != data.spec().features()) {
            throw new DataException("input.shape " + configured + " has " + configured.features() + " values per "
                    + "sample, but training data '" + s.trainingData() + "' has " + data.spec().features() + " ("
                    + data.spec() + ")");
        }
        return configured;
    }

    /** @param optimizer the one the job trained with (with optimizer=auto, the family's recommendation) */
    private Map<String, String> provenance(InputSpec spec, Normalizer normalizer, Optimizer optimizer) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("hourglass.pipeline", s.name());
        for (Map.Entry<Role, Plugin> e : plugins.entrySet()) {
            Plugin p = e.getValue();
            m.put("hourglass." + e.getKey().name().toLowerCase(java.util.Locale.ROOT), p.name() + " (" + p.bundle()
                    + " " + p.version() + ")");
        }
        m.put("hourglass.input.shape", spec.toString());
        m.put("hourglass.input.normalization", "the model expects normalised input: (x - offset) * scale; see "
                + "hourglass.normalizer");
        m.put("hourglass.normalizer", ModelStore.json(normalizer.toJson()));
        m.put("hourglass.config", ModelStore.json(configSnapshot));
        m.put("hourglass.optimizer", optimizer.toString());
        String chosen = configured.autoChoices(s);
        if (!chosen.isEmpty()) {
            m.put("hourglass.auto", chosen);
        }
        m.put("hourglass.trained.at", Instant.now().toString());
        return m;
    }

    private StoredPipeline record(InputSpec spec, Normalizer normalizer, Map<String, Object> scorer, double threshold,
                                  Map<String, Double> metrics, ScoreHistogram histogram) {
        Map<String, Map<String, Object>> described = new LinkedHashMap<>();
        plugins.forEach((role, p) -> described.put(role.name().toLowerCase(java.util.Locale.ROOT), p.describe()));
        return new StoredPipeline(StoredPipeline.FORMAT, s.name(), fingerprint, configured.modelDefinition(), configSnapshot,
                described, spec.sampleShape(), normalizer.toJson(), scorer, threshold, metrics, histogram, List.of(),
                Instant.now().toString(), null, null, List.copyOf(epochDiagnostics));
    }

    private Object service(Role role) {
        Plugin p = plugins.get(role);
        if (p == null) {
            throw new IllegalStateException(role.label + " '" + role.nameIn(s) + "' is not available");
        }
        return p.service();
    }

    private Object optionalService(Role role) {
        Plugin p = plugins.get(role);
        return p == null ? null : p.service();
    }

    /**
     * The training and the validation part of the data: a seeded permutation decides which samples validate,
     * independent of the data's order, so the same settings give the same parts again (a threshold re-fitted
     * later scores the same training part).
     */
    static Dataset[] split(Dataset all, double validationFraction, Settings s) {
        int validation = (int) Math.round(all.count() * validationFraction);
        if (all.count() - validation < 1) {
            throw new DataException("training data '" + s.trainingData() + "' has " + all.count()
                    + " samples: too few to hold out a validation fraction of " + validationFraction);
        }
        int[] order = permutation(all.count(), s.seed());
        return new Dataset[] {
            all.select(java.util.Arrays.copyOfRange(order, validation, order.length), "training"),
            all.select(java.util.Arrays.copyOfRange(order, 0, validation), "validation")};
    }

    static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    private static String fmt(double v) {
        return String.format(java.util.Locale.ROOT, "%.5g", v);
    }
}
