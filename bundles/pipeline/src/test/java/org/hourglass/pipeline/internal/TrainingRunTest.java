package org.hourglass.pipeline.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.hourglass.api.executor.ModelSession;
import org.hourglass.graph.Ops;
import org.hourglass.spi.DataException;
import org.hourglass.spi.DataOptions;
import org.hourglass.spi.DataSource;
import org.hourglass.spi.Dataset;
import org.hourglass.spi.InputSpec;
import org.hourglass.spi.Samples;
import org.hourglass.testing.GraphRunner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingRunTest {

    @TempDir
    Path dir;

    private final GraphRunner runner = new GraphRunner();

    @AfterEach
    void close() {
        runner.close();
    }

    private static final Dataset TRAIN = Fixtures.data(800, 0, 1);
    private static final Dataset EVAL = Fixtures.data(400, 0.25, 2);

    private ServedModel served(TrainingRun run) throws Exception {
        return Fixtures.served(run, runner.executor());
    }

    private TrainingRun run(Settings s, DataSource train, DataSource eval) {
        return new TrainingRun(s, Fixtures.plugins(train, eval), runner.executor(), new ModelStore(s.storeDir()),
                "fingerprint", Map.of("epochs", s.epochs()));
    }

    @Test
    void trainsScoresEvaluatesAndStoresAModelThatServesTheSameScores() throws Exception {
        Settings s = Fixtures.settings(dir, 30, 0, true);
        TrainingRun run = run(s, () -> TRAIN, () -> EVAL);
        try (ServedModel served = served(run)) {
            StoredPipeline rec = served.record();
            assertTrue(rec.metrics().get("final_loss") < run.progress().epochLosses().get(0) * 0.5,
                    "loss falls: " + run.progress().epochLosses());
            assertEquals(30, run.progress().validationLosses().size());
            assertTrue(rec.metrics().get("eval_auroc") > 0.95, "AUROC " + rec.metrics());
            // The reference detectors fitted on the same training part are stored beside the model's figures.
            for (String b : List.of("knn", "iforest")) {
                double auroc = rec.metrics().get("baseline_" + b + "_auroc");
                assertTrue(auroc > 0.5 && auroc <= 1, b + " " + rec.metrics());
                double ap = rec.metrics().get("baseline_" + b + "_average_precision");
                assertTrue(ap > 0 && ap <= 1, b + " " + rec.metrics());
            }
            assertTrue(rec.threshold() > 0);
            assertTrue(Files.exists(served.modelFile()));

            double[] scores = served.score(EVAL.samples().values(), EVAL.count());
            // The stored files alone serve identical scores.
            ModelStore store = new ModelStore(s.storeDir());
            StoredPipeline again = store.read().orElseThrow();
            try (ModelSession session = runner.executor().load("reloaded", store.readModel(again));
                 ServedModel reloaded = new ServedModel(session, runner.executor().environment(), InputSpec.of(8),
                         Normalizer.fromJson(again.normalizer(), 8), Fixtures.ERROR, again, store.modelPath(again))) {
                assertArrayEquals(scores, reloaded.score(EVAL.samples().values(), EVAL.count()), 0);
            }
            float[][] rec8 = served.reconstruct(first(3), 3);
            assertEquals(8, rec8[0].length);
            assertTrue(Math.abs(rec8[0][0] - 50) < 60, "reconstructions come back in input units: " + rec8[0][0]);
        }
    }

    @Test
    void theEtaCountsTheSamplesAStepHoldsWhenTheBatchIsLargerThanTheData() throws Exception {
        Settings f = Fixtures.settings(dir, 60, 0, false);
        // batch.size 100,000 on 640 training samples: one step of 640 per epoch, not of 100,000.
        Settings s = new Settings(f.name(), f.family(), f.loss(), f.masking(), f.scoring(), f.trainingData(),
                f.evaluationData(), f.inputShape(), f.latentSize(), f.epochs(), 100_000, f.learningRate(),
                f.optimizer(), f.weightDecay(), f.seed(), f.normalization(), f.validationFraction(), f.patience(),
                f.thresholdPolicy(), f.contamination(), f.threshold(), f.autoTrain(), f.modelDir());
        TrainingRun run = run(s, () -> TRAIN, () -> EVAL);
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        double[] largestEta = {0};
        Thread watcher = new Thread(() -> {
            while (!done.get()) {
                var p = run.progress();
                if (p != null && Double.isFinite(p.etaSeconds())) {
                    largestEta[0] = Math.max(largestEta[0], p.etaSeconds());
                }
                Thread.onSpinWait();
            }
        });
        watcher.start();
        long start = System.nanoTime();
        try (ServedModel served = served(run)) {
            assertEquals(60, run.progress().epochLosses().size());
        } finally {
            done.set(true);
            watcher.join();
        }
        double took = (System.nanoTime() - start) / 1e9;
        assertTrue(largestEta[0] > 0, "an ETA was published");
        assertTrue(largestEta[0] < 3 * took + 1, "ETA " + largestEta[0] + " s for a run of " + took + " s");
    }

    @Test
    void aDivergingLossRollsBackAndGoesOnWithASmallerStepAndClipping() throws Exception {
        Settings f = Fixtures.settings(dir, 6, 0, false);
        // Plain SGD at a learning rate of 50 makes the loss overflow within the first epoch.
        Settings s = new Settings(f.name(), f.family(), f.loss(), f.masking(), f.scoring(), f.trainingData(),
                f.evaluationData(), f.inputShape(), f.latentSize(), f.epochs(), f.batchSize(), 50.0, "sgd",
                f.weightDecay(), f.seed(), f.normalization(), f.validationFraction(), f.patience(),
                f.thresholdPolicy(), f.contamination(), f.threshold(), f.autoTrain(), f.modelDir());
        TrainingRun run = run(s, () -> TRAIN, () -> EVAL);
        try (ServedModel served = served(run)) {
            java.util.List<String> recoveries = run.progress().recoveries();
            assertTrue(!recoveries.isEmpty() && recoveries.size() <= TrainingRun.MAX_RECOVERIES, recoveries.toString());
            assertTrue(recoveries.get(0).contains("the loss became") && recoveries.get(0).contains("rolled back to step")
                    && recoveries.get(0).contains("learning rate 5.0000") && recoveries.get(0).contains("norm 1.0000"),
                    recoveries.get(0));
            assertEquals(6, run.progress().epochLosses().size(), "every epoch finished");
            run.progress().epochLosses().forEach(l -> assertTrue(Double.isFinite(l), "loss " + l));
            for (double score : served.score(EVAL.samples().values(), EVAL.count())) {
                assertTrue(Double.isFinite(score));
            }
        }
    }

    @Test
    void aLossThatAlwaysDivergesFailsWithTheHistoryOfItsRecoveries() {
        Settings s = Fixtures.settings(dir, 3, 0, false);
        Selection plugins = Fixtures.plugins(() -> TRAIN, null);
        // A reconstruction that is NaN whatever the weights: no step size helps.
        org.hourglass.spi.AutoencoderFamily nan = ctx -> {
            org.hourglass.spi.FamilyOutputs ok = Fixtures.TINY_AE.build(ctx);
            return org.hourglass.spi.FamilyOutputs.of(ok.latent(),
                    Ops.mul(ok.reconstruction(), ctx.graph().scalar(Double.NaN)));
        };
        plugins = plugins.withFamily(new Plugin<>("nan", nan, "test", "1", Map.of()));
        TrainingRun run = new TrainingRun(s, plugins, runner.executor(), new ModelStore(s.storeDir()), "fingerprint",
                Map.of());
        IllegalStateException e = assertThrows(IllegalStateException.class, run::call);
        assertTrue(e.getMessage().contains("still diverging after 3 recoveries")
                && e.getMessage().contains("gradient clipping at norm 0.25000"), e.getMessage());
        assertEquals(TrainingRun.MAX_RECOVERIES, run.progress().recoveries().size());
        assertTrue(Files.notExists(s.storeDir().resolve(ModelStore.RECORD)), "nothing stored");
    }

    private static float[] first(int n) {
        return java.util.Arrays.copyOf(EVAL.samples().values(), n * Fixtures.WIDTH);
    }

    @Test
    void sameSeedSameModel() throws Exception {
        Settings a = Fixtures.settings(dir.resolve("a"), 3, 0, false);
        Settings b = Fixtures.settings(dir.resolve("b"), 3, 0, false);
        try (ServedModel x = served(run(a, () -> TRAIN, null)); ServedModel y = served(run(b, () -> TRAIN, null))) {
            assertArrayEquals(x.score(first(50), 50), y.score(first(50), 50), 0,
                    "CPU training is reproducible bit for bit");
        }
    }

    @Test
    void concurrentCallersShareTheModelAndGetTheSameScores() throws Exception {
        Settings s = Fixtures.settings(dir, 2, 0, false);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (ServedModel served = served(run(s, () -> TRAIN, null))) {
            double[] expected = served.score(first(100), 100);
            java.util.List<Future<double[]>> results = new java.util.ArrayList<>();
            for (int i = 0; i < 16; i++) {
                results.add(pool.submit(() -> served.score(first(100), 100)));
            }
            for (Future<double[]> f : results) {
                assertArrayEquals(expected, f.get(), 0.0);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void resumesFromTheCheckpointOfAShorterRun() throws Exception {
        Settings two = Fixtures.settings(dir, 2, 0, false);
        run(two, () -> TRAIN, null).call();
        Checkpoint cp = new ModelStore(two.storeDir()).readCheckpoint().orElseThrow();
        assertEquals(2, cp.epochsDone());
        TrainingRun four = run(Fixtures.settings(dir, 4, 0, false), () -> TRAIN, null);
        four.call();
        assertEquals(2, four.progress().epochLosses().size(), "only epochs 3 and 4 ran");
        assertEquals(4, new ModelStore(two.storeDir()).readCheckpoint().orElseThrow().epochsDone());
    }

    @Test
    void earlyStoppingStopsWhenValidationStallsAndKeepsTheBestEpoch() throws Exception {
        Settings s = new Settings("stall", "tiny", "mse", "", "error", "train", "", new int[0], 2, 50, 32, 0.05,
                "adam", 0, 7, "minmax", 0.2, 2, "quantile", 0.05, 0, false, dir);
        TrainingRun run = run(s, () -> TRAIN, () -> EVAL);
        run.call();
        int ran = run.progress().epochLosses().size();
        assertTrue(ran < 50, "stopped early after " + ran + " epochs");
    }

    @Test
    void badDataIsNamedAndNothingIsStored() {
        float[] v = TRAIN.samples().values().clone();
        v[13] = Float.NaN;
        Dataset nan = new Dataset(InputSpec.of(8), new Samples(v, TRAIN.count(), 8), null, "nan");
        Settings s = Fixtures.settings(dir, 2, 0, false);
        DataException e = assertThrows(DataException.class, () -> run(s, () -> nan, null).call());
        assertTrue(e.getMessage().contains("sample 1, feature 5 is NaN"), e.getMessage());
        Settings shaped = new Settings("shaped", "tiny", "mse", "", "error", "train", "", new int[] {3, 3}, 2, 2,
                32, 0.01, "adam", 0, 7, "minmax", 0.2, 0, "quantile", 0.05, 0, false, dir);
        e = assertThrows(DataException.class, () -> run(shaped, () -> TRAIN, null).call());
        assertTrue(e.getMessage().contains("input.shape [3, 3] has 9 values"), e.getMessage());
        assertTrue(Files.notExists(dir.resolve("synthetic").resolve(ModelStore.RECORD)));
        // Data sources apply their options; an option needing labels on unlabelled data says so.
        DataSource filtered = () -> new DataOptions(new int[] {1}, false, 0, 0.5, DataOptions.SplitPart.ALL, 0,
                new int[0]).apply(nan);
        assertThrows(DataException.class, () -> run(s, filtered, null).call());
    }

    @Test
    void interruptingTheJobCancelsIt() throws Exception {
        Settings s = Fixtures.settings(dir, 10_000, 0, false);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<StoredPipeline> f = pool.submit(run(s, () -> TRAIN, null));
            Thread.sleep(1500);
            f.cancel(true);
            assertThrows(CancellationException.class, f::get);
        } finally {
            pool.shutdown();
            assertTrue(pool.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS), "job stopped");
        }
    }

    /** A family that reports the mean absolute code per latent dimension and derives a count from it. */
    private static final org.hourglass.spi.AutoencoderFamily REPORTING = new org.hourglass.spi.AutoencoderFamily() {
        @Override
        public org.hourglass.spi.FamilyOutputs build(org.hourglass.spi.FamilyContext ctx) {
            org.hourglass.spi.FamilyOutputs plain = Fixtures.TINY_AE.build(ctx);
            org.hourglass.graph.Graph g = ctx.graph();
            org.hourglass.graph.Tensor meanAbs = Ops.reduceMean(Ops.abs(plain.latent()), false, 0);
            return new org.hourglass.spi.FamilyOutputs(plain.latent(), plain.reconstruction(), Map.of(), Map.of(),
                    Map.of("mean_abs_code", meanAbs));
        }

        @Override
        public Map<String, Object> summarize(Map<String, double[]> means) {
            double[] m = means.get("mean_abs_code");
            return Map.of("dims", m.length, "used", java.util.Arrays.stream(m).filter(v -> v > 1e-3).count());
        }
    };

    @Test
    void familyDiagnosticsAreSummarisedPerEpochAndStored() throws Exception {
        Settings s = Fixtures.settings(dir, 3, 0, false);
        Selection plugins = Fixtures.plugins(() -> TRAIN, null)
                .withFamily(new Plugin<>("tiny", REPORTING, "test", "1", Map.of()));
        TrainingRun run = new TrainingRun(s, plugins, runner.executor(), new ModelStore(s.storeDir()), "fingerprint",
                Map.of("epochs", s.epochs()));
        try (ServedModel served = served(run)) {
            java.util.List<Map<String, Object>> perEpoch = run.progress().epochDiagnostics();
            assertEquals(3, perEpoch.size());
            assertEquals(s.latentSize(), ((Number) perEpoch.get(0).get("dims")).intValue());
            assertTrue(((Number) perEpoch.get(2).get("used")).intValue() > 0, perEpoch.toString());
            StoredPipeline again = new ModelStore(s.storeDir()).read().orElseThrow();
            assertEquals(3, again.diagnostics().size());
            assertEquals(perEpoch.get(2).get("used").toString(), again.diagnostics().get(2).get("used").toString());
        }
    }

    /** Root mean squared difference of two row sets. */
    private static double rmse(float[][] a, float[][] b) {
        double sum = 0;
        int n = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                double d = a[i][j] - b[i][j];
                sum += d * d;
                n++;
            }
        }
        return Math.sqrt(sum / n);
    }

    private static float[][] rows(int n) {
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            out[i] = EVAL.samples().row(i);
        }
        return out;
    }

    /** The training data with {@code metric} as its downstream metric. */
    private static DataSource withDownstream(
            java.util.function.Function<java.util.function.UnaryOperator<float[][]>, Map<String, Double>> metric) {
        return new DataSource() {
            @Override
            public Dataset load() {
                return TRAIN;
            }

            @Override
            public Map<String, Double> downstream(java.util.function.UnaryOperator<float[][]> reconstruct) {
                return metric.apply(reconstruct);
            }
        };
    }

    /** Training data whose downstream metric is the RMSE, in the data's units, of reconstructing 50 samples. */
    private static final DataSource MEASURED = withDownstream(reconstruct -> {
        float[][] x = rows(50);
        return Map.of("downstream_rmse", rmse(x, reconstruct.apply(x)));
    });

    @Test
    void downstreamMetricOfTheTrainingDataIsReportedPerEpochAndStored() throws Exception {
        Settings s = Fixtures.settings(dir, 4, 0, false);
        TrainingRun run = run(s, MEASURED, null);
        try (ServedModel served = served(run)) {
            java.util.List<Map<String, Object>> perEpoch = run.progress().epochDiagnostics();
            assertEquals(4, perEpoch.size(), perEpoch.toString());
            double first = ((Number) perEpoch.get(0).get("downstream_rmse")).doubleValue();
            double last = ((Number) perEpoch.get(3).get("downstream_rmse")).doubleValue();
            assertTrue(last < first, "the model improves: " + perEpoch);
            // The figure is the served model's (the last epoch's parameters), in the data's units: normalisation
            // applied and undone as Pipeline.reconstruct does.
            float[][] x = rows(50);
            assertEquals(rmse(x, served.reconstruct(first(50), 50)), last, 1e-6 * last);
            assertEquals(last, served.record().metrics().get("downstream_rmse"), 0);
            StoredPipeline again = new ModelStore(s.storeDir()).read().orElseThrow();
            assertEquals(last, again.metrics().get("downstream_rmse"), 0);
            assertEquals(String.valueOf(last), again.diagnostics().get(3).get("downstream_rmse").toString());
        }
    }

    @Test
    void aFailingDownstreamMetricIsLeftOutAndTrainingGoesOn() throws Exception {
        DataSource failing = withDownstream(reconstruct -> {
            throw new DataException("the model file went away");
        });
        DataSource badRows = withDownstream(reconstruct -> Map.of("downstream_x",
                (double) reconstruct.apply(new float[][] {new float[3]}).length));
        for (DataSource source : java.util.List.of(failing, badRows)) {
            Settings s = Fixtures.settings(dir.resolve(String.valueOf(System.identityHashCode(source))), 2, 0, false);
            TrainingRun run = run(s, source, null);
            try (ServedModel served = served(run)) {
                assertEquals(2, run.progress().epochLosses().size());
                assertTrue(run.progress().epochDiagnostics().isEmpty(), run.progress().epochDiagnostics().toString());
                assertTrue(served.record().metrics().keySet().stream().noneMatch(k -> k.startsWith("downstream")),
                        served.record().metrics().toString());
            }
        }
    }
}
