package org.hourglass.pipeline.internal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import org.hourglass.api.executor.ModelSession;
import org.hourglass.api.executor.OnnxExecutor;
import org.hourglass.graph.HostTensor;
import org.hourglass.graph.Optimizer;
import org.hourglass.training.DivergenceException;
import org.hourglass.training.LearningRate;
import org.hourglass.training.Trainer;
import org.hourglass.training.TrainingConfig;
import org.hourglass.training.TrainingData;
import org.hourglass.training.TrainingListener;
import org.hourglass.training.TrainingResult;
import org.hourglass.spi.AutoencoderFamily;
import org.hourglass.spi.DataException;
import org.hourglass.spi.DataSource;
import org.hourglass.spi.MaskingStrategy;
import org.hourglass.spi.Samples;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The epochs of a training job: resumes from a matching checkpoint, trains epoch by epoch (checkpointing after
 * each), measures the validation loss and the training data's downstream metric, stops early when validation
 * stalls, and recovers from a diverging loss. Returns the parameters to keep (the best epoch's with early stopping,
 * else the last). Interrupting the thread cancels between runs of steps.
 */
final class EpochLoop {

    private static final Logger LOG = LoggerFactory.getLogger(EpochLoop.class);
    private static final long LOG_EVERY_NANOS = 5_000_000_000L;

    /** The parameters kept and the training data's downstream figures of them. */
    record Result(Map<String, HostTensor> weights, Map<String, Double> downstream) {
    }

    private final Settings s;
    private final Composer composer;
    private final Optimizer optimizer;
    private final AutoencoderFamily family;
    private final MaskingStrategy masking;
    private final DataSource trainingSource;
    private final OnnxExecutor executor;
    private final ModelStore store;
    private final String fingerprint;
    private final RunProgress progress;
    private long lastLog;
    /** The trainer of the run; replaced by one with gradient clipping when the loss diverges. */
    private Trainer trainer;
    /** Learning rate and clipping norm in use: lowered by each recovery. */
    private double rate;
    private double clip;
    private float[] trainCondition;
    private Samples valCondition;

    EpochLoop(Settings s, Composer composer, Optimizer optimizer, Selection plugins, OnnxExecutor executor,
              ModelStore store, String fingerprint, RunProgress progress) {
        this.s = s;
        this.composer = composer;
        this.optimizer = optimizer;
        this.family = plugins.family().service();
        this.masking = plugins.masking() == null ? null : plugins.masking().service();
        this.trainingSource = plugins.trainingData().service();
        this.executor = executor;
        this.store = store;
        this.fingerprint = fingerprint;
        this.progress = progress;
        this.rate = s.learningRate();
        this.clip = s.clipNorm();
    }

    Result run(DataPreparation data) throws IOException {
        // Built first: the family declares its condition input while it builds the train step.
        trainer = newTrainer(s.clipNorm());
        try {
            // A conditional family's one-hot condition is fed next to the samples (FamilyContext.condition).
            Condition condition = composer.condition();
            if (condition != null) {
                int width = data.spec().features();
                trainCondition = condition.oneHot(data.trainPart().samples().values(), width,
                        data.trainPart().labels(), data.trainPart().count());
                valCondition = new Samples(condition.oneHot(data.valPart().samples().values(), width,
                        data.valPart().labels(), data.valPart().count()), data.valPart().count(), condition.classes());
            }
            return epochs(data);
        } finally {
            trainer.close();
        }
    }

    private Trainer newTrainer(double clipNorm) {
        Trainer t = new Trainer(executor, composer.trainStep(optimizer, clipNorm), "pipeline/" + s.name() + "/train");
        t.setStepsPerRun(TrainingRun.STEPS_PER_RUN);
        return t;
    }

    /**
     * One epoch of training. When the loss becomes NaN or infinite the trainer goes back to {@code good} (the state
     * after the last finished epoch) and the epoch runs again with a tenth of the learning rate and gradient clipping
     * (at norm 1, or half the norm already in use), at most {@value TrainingRun#MAX_RECOVERIES} times in a job; then
     * the job fails with what was tried.
     */
    private TrainingResult fitEpoch(TrainingData data, int epoch, Map<String, HostTensor> good, long goodStep,
                                    TrainingListener listener) {
        List<String> recoveries = progress.recoveries;
        while (true) {
            try {
                return trainer.fit(data, new TrainingConfig(1, s.batchSize(), LearningRate.constant(rate),
                        s.seed() + epoch, true, false), listener);
            } catch (DivergenceException e) {
                if (recoveries.size() >= TrainingRun.MAX_RECOVERIES) {
                    throw new IllegalStateException(e.getMessage() + "; still diverging after " + recoveries.size()
                            + " recoveries: " + String.join("; ", recoveries), e);
                }
                rate /= 10;
                clip = clip > 0 ? clip / 2 : 1.0;
                trainer.close();
                trainer = newTrainer(clip);
                trainer.setState(good);
                trainer.setStep(goodStep);
                String what = "the loss became " + e.loss() + " at step " + e.step() + " (epoch " + (epoch + 1)
                        + "): rolled back to step " + goodStep + ", learning rate " + TrainingRun.fmt(rate)
                        + ", gradient clipping at norm " + TrainingRun.fmt(clip);
                recoveries.add(what);
                LOG.warn("Pipeline '{}': {} (recovery {} of at most {})", s.name(), what, recoveries.size(),
                        TrainingRun.MAX_RECOVERIES);
                var p = progress.get();
                progress.publish(p.epoch(), goodStep, p.loss(), p.steps(), p.samplesPerSecond());
            }
        }
    }

    private Result epochs(DataPreparation data) throws IOException {
        float[] train = data.train();
        int n = data.trainPart().count();
        int nVal = data.valPart().count();
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
        progress.plan(s.epochs(), (double) n / stepsPerEpoch);
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
                masking.fill(visible, n, data.spec(), new SplittableRandom(s.seed() * 31 + epoch));
                columns.put(Composer.VISIBLE, visible);
            }
            if (trainCondition != null) {
                columns.put(composer.condition().inputName(), trainCondition);
            }
            int shown = epoch + 1;
            List<TrainingListener.EpochSummary> summaries = new ArrayList<>(1);
            TrainingResult r = fitEpoch(TrainingData.of(columns, n), epoch, good, goodStep,
                    TrainingListener.of(p -> onStep(p, shown, stepsPerEpoch, totalSteps), summaries::add));
            double epochLoss = r.finalLoss();
            if (!Double.isFinite(epochLoss)) {
                throw new IllegalStateException("training diverged: the loss of epoch " + shown + " is " + epochLoss
                        + "; lower learning.rate or check the data's scale");
            }
            progress.epochLosses.add(epochLoss);
            Map<String, Object> summary = new LinkedHashMap<>();
            if (!summaries.isEmpty() && !summaries.get(summaries.size() - 1).diagnostics().isEmpty()) {
                summary.putAll(family.summarize(summaries.get(summaries.size() - 1).diagnostics()));
            }
            lastDownstream = downstream(trainer.params(), data, shown);
            summary.putAll(lastDownstream);
            if (!summary.isEmpty()) {
                progress.epochDiagnostics.add(Collections.unmodifiableMap(summary));
                LOG.info("Pipeline '{}': epoch {} diagnostics {}", s.name(), shown, summary);
            }
            double monitored = epochLoss;
            if (nVal > 0) {
                monitored = validationLoss(trainer.params(), data);
                progress.validationLosses.add(monitored);
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
            double samplesPerSecond = progress.get().samplesPerSecond();
            LOG.info("Pipeline '{}': epoch {}/{} loss {}{} ({} samples/s)", s.name(), shown, s.epochs(),
                    TrainingRun.fmt(epochLoss), nVal > 0 ? ", validation " + TrainingRun.fmt(monitored) : "",
                    Math.round(samplesPerSecond));
            progress.publish(shown, trainer.step(), epochLoss, totalSteps, samplesPerSecond);
            if (s.patience() > 0 && sinceBest >= s.patience()) {
                LOG.info("Pipeline '{}': early stop after epoch {}: no improvement for {} epochs", s.name(), shown,
                        sinceBest);
                break;
            }
        }
        return best != null ? new Result(best, bestDownstream) : new Result(trainer.params(), lastDownstream);
    }

    /**
     * The training data's downstream metric ({@link DataSource#downstream}) of the epoch's parameters, the rows
     * mapped as {@code Pipeline.reconstruct} maps them: normalised, reconstructed, the normalisation undone. The
     * inference session is built only when the source asks for a reconstruction. A failure of the metric is a
     * warning, not a failed training: the metric reports on the model and takes no part in fitting it, so the
     * epoch goes on without the figures.
     */
    private Map<String, Double> downstream(Map<String, HostTensor> params, DataPreparation data, int epoch) {
        Inference[] model = new Inference[1];
        long started = System.nanoTime();
        try {
            Map<String, Double> figures = trainingSource.downstream(rows -> {
                if (model[0] == null) {
                    model[0] = new Inference(executor.load("pipeline/" + s.name() + "/downstream",
                            composer.inference(params, Map.of())), executor.environment(), data.spec(),
                            data.normalizer());
                }
                return reconstruct(model[0], rows);
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
            if (model[0] != null) {
                model[0].close();
            }
        }
    }

    /** Rows in the data's units to their reconstructions in the same units (as ServedModel.reconstruct). */
    private static float[][] reconstruct(Inference model, float[][] rows) {
        int width = model.spec().features();
        float[] raw = new float[rows.length * width];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] == null || rows[i].length != width) {
                throw new DataException("the downstream metric gave row " + i + " of "
                        + (rows[i] == null ? 0 : rows[i].length) + " values to reconstruct; the model takes " + width);
            }
            System.arraycopy(rows[i], 0, raw, i * width, width);
        }
        Samples r = model.reconstruct(raw, rows.length);
        float[][] out = new float[rows.length][];
        for (int i = 0; i < out.length; i++) {
            out[i] = r.row(i);
        }
        return out;
    }

    private double validationLoss(Map<String, HostTensor> params, DataPreparation data) {
        int nVal = data.valPart().count();
        try (ModelSession session = executor.load("pipeline/" + s.name() + "/validation",
                composer.inference(params, Map.of()))) {
            float[] losses = ModelRunner.run(session, executor.environment(), data.spec(), data.val(), nVal,
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
        progress.publish(epoch, p.globalStep(), p.loss(), totalSteps, p.samplesPerSecond());
        long now = System.nanoTime();
        if (now - lastLog > LOG_EVERY_NANOS) {
            lastLog = now;
            LOG.info("Pipeline '{}': epoch {}/{} step {}/{} loss {} ({} samples/s, ETA {} s)", s.name(), epoch,
                    s.epochs(), p.stepInEpoch(), stepsPerEpoch, TrainingRun.fmt(p.loss()),
                    Math.round(p.samplesPerSecond()), Math.round(progress.get().etaSeconds()));
        }
    }
}
