package org.hourglass.family.vq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.hourglass.graph.Graph;
import org.hourglass.graph.Layers.Activation;
import org.hourglass.graph.HostTensor;
import org.hourglass.graph.InferenceModel;
import org.hourglass.graph.Shape;
import org.hourglass.graph.Tensor;
import org.hourglass.graph.TrainStepModel;
import org.hourglass.graph.Layers;
import org.hourglass.training.Trainer;
import org.hourglass.training.TrainingConfig;
import org.hourglass.training.TrainingData;
import org.hourglass.training.TrainingListener;
import org.hourglass.training.TrainingResult;
import org.hourglass.spi.FamilyOutputs;
import org.hourglass.spi.InputSpec;
import org.hourglass.testing.FamilyTraining;
import org.hourglass.testing.Configs;
import org.hourglass.testing.GraphRunner;
import org.hourglass.testing.TestContext;
import org.junit.jupiter.api.Test;

class VqNetworkTest {

    private static final InputSpec IMAGE = InputSpec.of(4, 5);

    private static VqSettings settings(long[] hidden, int k, int codeDim, boolean ema, int deadSteps) {
        return new VqSettings(hidden, Activation.RELU, Activation.SIGMOID, k, codeDim, 1.0, 0.25, ema, 0.9, deadSteps);
    }

    private static List<String> paramNames(TestContext ctx) {
        return ctx.graph().params().stream().map(Tensor::name).toList();
    }

    /** Smooth patterns in [0.1, 0.9]: {@code n} samples of {@code f} features. */
    private static float[] patterns(int n, int f, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * f];
        for (int s = 0; s < n; s++) {
            double a = r.nextDouble();
            double b = r.nextDouble();
            for (int i = 0; i < f; i++) {
                x[s * f + i] = (float) (0.5 + 0.4 * Math.sin(a * 6 + i * b));
            }
        }
        return x;
    }

    @Test
    void shapesParametersTermsAndDiagnostics() {
        VqSettings s = settings(new long[] {16}, 8, 2, false, 0);
        TestContext train = TestContext.of(IMAGE, 6, true, 1);
        TestContext infer = TestContext.of(IMAGE, 6, false, 1);
        FamilyOutputs t = VqNetwork.build(s, train);
        FamilyOutputs i = VqNetwork.build(s, infer);
        assertArrayEquals(new long[] {-1, 4, 5}, i.reconstruction().shape().dims());
        assertArrayEquals(new long[] {-1, 6}, i.latent().shape().dims());
        assertEquals(List.of("encoder/fc1/weight", "encoder/fc1/bias", "encoder/fc2/weight", "encoder/fc2/bias",
                "quantizer/codebook", "decoder/fc1/weight", "decoder/fc1/bias", "decoder/fc2/weight",
                "decoder/fc2/bias"), paramNames(infer));
        assertEquals(paramNames(infer), paramNames(train), "parameters must carry over by name");
        assertArrayEquals(new long[] {8, 2}, infer.graph().tensor("quantizer/codebook").shape().dims());
        assertEquals(Set.of(VqNetwork.CODEBOOK, VqNetwork.COMMITMENT), t.lossTerms().keySet());
        assertTrue(i.lossTerms().isEmpty());
        assertArrayEquals(new long[] {8}, t.diagnostics().get(VqNetwork.USAGE).shape().dims());
        assertTrue(i.diagnostics().isEmpty());
        assertTrue(train.graph().randomInputs().isEmpty(), "no restarts, no random input");

        // EMA: the codebook is a buffer, no codebook term; restarts add the idle counter and a random input
        VqSettings emaRestart = settings(new long[] {16}, 8, 2, true, 5);
        TestContext train2 = TestContext.of(IMAGE, 6, true, 1);
        TestContext infer2 = TestContext.of(IMAGE, 6, false, 1);
        FamilyOutputs t2 = VqNetwork.build(emaRestart, train2);
        VqNetwork.build(emaRestart, infer2);
        assertEquals(Set.of(VqNetwork.COMMITMENT), t2.lossTerms().keySet());
        for (String b : List.of(VqNetwork.CODEBOOK_PARAM, VqNetwork.EMA_COUNT, VqNetwork.IDLE)) {
            assertTrue(train2.graph().isBuffer(train2.graph().tensor(b)), b + " is a buffer");
            assertTrue(infer2.graph().isBuffer(infer2.graph().tensor(b)), b + " is in the inference graph too");
        }
        assertEquals(List.of(VqNetwork.RESTART_INPUT),
                train2.graph().randomInputs().keySet().stream().map(Tensor::name).toList());
        assertTrue(infer2.graph().randomInputs().isEmpty());
    }

    @Test
    void picksTheNearestCodeVector() {
        Graph g = Graph.create(1);
        Tensor rows = g.input("rows", Shape.batchOf(2));
        Tensor codebook = g.constant("cb", HostTensor.ofFloats(new float[] {0, 0, 1, 1, -2, 0, 5, 5}, 4, 2));
        VqNetwork.Assignment a = VqNetwork.quantize(g, rows, codebook);
        try (GraphRunner runner = new GraphRunner()) {
            Map<String, float[]> got = runner.run(InferenceModel.builder(g).output("q", a.quantized())
                    .output("onehot", a.onehot()).build(), Map.of("rows", new GraphRunner.Input(
                            new float[] {0.4f, 0.6f, -1.2f, 0.1f, 4.1f, 3.9f, 0.1f, -0.2f}, 4, 2)));
            assertArrayEquals(new float[] {1, 1, -2, 0, 5, 5, 0, 0}, got.get("q"), 0f);
            assertArrayEquals(new float[] {0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0}, got.get("onehot"), 0f);
        }
    }

    @Test
    void inferenceCodesAreCodebookVectors() {
        VqSettings s = settings(new long[] {16}, 5, 3, false, 0);
        TestContext ctx = TestContext.of(IMAGE, 6, false, 7);
        FamilyOutputs out = VqNetwork.build(s, ctx);
        float[] cb = ctx.graph().initialValue(ctx.graph().tensor("quantizer/codebook")).floats();
        try (GraphRunner runner = new GraphRunner()) {
            float[] latent = runner.run(InferenceModel.builder(ctx.graph()).output("latent", out.latent()).build(),
                    Map.of("x", new GraphRunner.Input(patterns(7, 20, 3), 7, 4, 5))).get("latent");
            assertEquals(7 * 6, latent.length);
            for (int v = 0; v < latent.length / 3; v++) {
                boolean found = false;
                for (int k = 0; k < 5 && !found; k++) {
                    found = latent[3 * v] == cb[3 * k] && latent[3 * v + 1] == cb[3 * k + 1]
                            && latent[3 * v + 2] == cb[3 * k + 2];
                }
                assertTrue(found, "code vector " + v + " is not a row of the codebook");
            }
        }
    }

    @Test
    void trainingReducesTheLossMovesEncoderAndCodebookAndReportsUsage() {
        VqSettings s = settings(new long[] {32}, 16, 2, false, 0);
        TestContext ctx = TestContext.of(InputSpec.of(16), 8, true, 3);
        FamilyOutputs out = VqNetwork.build(s, ctx);
        TrainStepModel model = FamilyTraining.trainStep(ctx, out);
        Map<String, HostTensor> initial = ctx.graph().initialValues();
        List<double[]> usage = new ArrayList<>();
        TrainingListener listener = TrainingListener.onEpochs(e -> usage.add(e.diagnostics().get(VqNetwork.USAGE)));
        try (GraphRunner runner = new GraphRunner();
             Trainer trainer = new Trainer(runner.executor(), model, "vq-test")) {
            TrainingResult result = trainer.fit(TrainingData.of("x", patterns(128, 16, 9), 128),
                    TrainingConfig.of(25, 32, 0.01, 7), listener);
            List<Double> losses = result.epochLosses();
            assertTrue(losses.get(losses.size() - 1) < 0.5 * losses.get(0), "losses " + losses);
            Map<String, HostTensor> trained = trainer.params();
            // the straight-through estimator carries the reconstruction's gradient past the quantiser
            assertFalse(java.util.Arrays.equals(initial.get("encoder/fc1/weight").toDoubles(),
                    trained.get("encoder/fc1/weight").toDoubles()));
            assertFalse(java.util.Arrays.equals(initial.get("quantizer/codebook").toDoubles(),
                    trained.get("quantizer/codebook").toDoubles()), "the codebook learns");
        }
        assertEquals(25, usage.size());
        for (double[] u : usage) {
            assertEquals(16, u.length);
            assertEquals(1.0, java.util.Arrays.stream(u).sum(), 1e-4, "each code vector goes to exactly one code");
        }
        Map<String, Object> summary = VqNetwork.summarize(Map.of(VqNetwork.USAGE, usage.get(usage.size() - 1)));
        double perplexity = (double) summary.get("perplexity");
        int used = (int) summary.get("codes_used");
        assertTrue(perplexity >= 1 && perplexity <= used + 1e-9, summary.toString());
        assertEquals(16, used + (int) summary.get("dead_codes"));
    }

    @Test
    void summaryOfKnownUsage() {
        Map<String, Object> even = VqNetwork.summarize(Map.of(VqNetwork.USAGE, new double[] {0.25, 0, 0.25, 0.25, 0, 0.25}));
        assertEquals(4.0, (double) even.get("perplexity"), 1e-12);
        assertEquals(4, even.get("codes_used"));
        assertEquals(2, even.get("dead_codes"));
        Map<String, Object> skewed = VqNetwork.summarize(Map.of(VqNetwork.USAGE, new double[] {0.5, 0.5, 0, 0}));
        assertEquals(2.0, (double) skewed.get("perplexity"), 1e-12);
        double p = 0.9;
        Map<String, Object> one = VqNetwork.summarize(Map.of(VqNetwork.USAGE, new double[] {p, 1 - p}));
        assertEquals(Math.exp(-p * Math.log(p) - (1 - p) * Math.log(1 - p)), (double) one.get("perplexity"), 1e-12);
    }

    /** z = x W for an encoder without hidden layers (bias starts at 0). */
    private static double[] encode(float[] x, int n, int f, double[] w, int d) {
        double[] z = new double[n * d];
        for (int s = 0; s < n; s++) {
            for (int j = 0; j < d; j++) {
                double acc = 0;
                for (int i = 0; i < f; i++) {
                    acc += x[s * f + i] * w[i * d + j];
                }
                z[s * d + j] = acc;
            }
        }
        return z;
    }

    private static int nearest(double[] rows, int r, double[] cb, int k, int c) {
        int best = -1;
        double bestD = Double.POSITIVE_INFINITY;
        for (int j = 0; j < k; j++) {
            double dist = 0;
            for (int i = 0; i < c; i++) {
                double diff = rows[r * c + i] - cb[j * c + i];
                dist += diff * diff;
            }
            if (dist < bestD) {
                bestD = dist;
                best = j;
            }
        }
        return best;
    }

    /** One training step on one batch; returns the trained state. */
    private static Map<String, HostTensor> oneStep(VqSettings s, int features, int latent, float[] x, int n) {
        TestContext ctx = TestContext.of(InputSpec.of(features), latent, true, 11);
        TrainStepModel model = FamilyTraining.trainStep(ctx, VqNetwork.build(s, ctx));
        try (GraphRunner runner = new GraphRunner();
             Trainer trainer = new Trainer(runner.executor(), model, "vq-step")) {
            trainer.fit(TrainingData.of("x", x, n), TrainingConfig.of(1, n, 0.01, 5), TrainingListener.none());
            return trainer.params();
        }
    }

    @Test
    void emaCodebookFollowsTheMovingAverageOfItsAssignedVectors() {
        int n = 16;
        int f = 6;
        int d = 4;
        int c = 2;
        int k = 12;
        VqSettings s = settings(new long[0], k, c, true, 0);
        float[] x = patterns(n, f, 21);
        TestContext ctx = TestContext.of(InputSpec.of(f), d, true, 11);
        VqNetwork.build(s, ctx);
        double[] w = ctx.graph().initialValue(ctx.graph().tensor("encoder/fc1/weight")).toDoubles();
        double[] cb = ctx.graph().initialValue(ctx.graph().tensor(VqNetwork.CODEBOOK_PARAM)).toDoubles();

        Map<String, HostTensor> after = oneStep(s, f, d, x, n);

        double[] rows = encode(x, n, f, w, d);
        int r = n * d / c;
        double[] count = new double[k];
        double[] sums = new double[k * c];
        for (int i = 0; i < r; i++) {
            int j = nearest(rows, i, cb, k, c);
            count[j]++;
            for (int e = 0; e < c; e++) {
                sums[j * c + e] += rows[i * c + e];
            }
        }
        double gamma = s.emaDecay();
        double[] expectedCount = new double[k];
        double[] expected = new double[k * c];
        int used = 0;
        for (int j = 0; j < k; j++) {
            expectedCount[j] = gamma + (1 - gamma) * count[j];
            used += count[j] > 0 ? 1 : 0;
            for (int e = 0; e < c; e++) {
                expected[j * c + e] = (gamma * cb[j * c + e] + (1 - gamma) * sums[j * c + e]) / expectedCount[j];
            }
        }
        assertTrue(used >= 2 && used < k, "the case should use some codes and leave others: " + used);
        assertArrayEquals(expectedCount, after.get(VqNetwork.EMA_COUNT).toDoubles(), 1e-5);
        assertArrayEquals(expected, after.get(VqNetwork.CODEBOOK_PARAM).toDoubles(), 1e-5);
    }

    @Test
    void deadCodesRestartAtEncoderOutputsOfTheBatch() {
        int n = 16;
        int f = 6;
        int d = 4;
        int c = 2;
        int k = 12;
        float[] x = patterns(n, f, 21);
        for (boolean ema : new boolean[] {false, true}) {
            VqSettings s = settings(new long[0], k, c, ema, 1);
            TestContext ctx = TestContext.of(InputSpec.of(f), d, true, 11);
            VqNetwork.build(s, ctx);
            double[] w = ctx.graph().initialValue(ctx.graph().tensor("encoder/fc1/weight")).toDoubles();
            double[] cb = ctx.graph().initialValue(ctx.graph().tensor(VqNetwork.CODEBOOK_PARAM)).toDoubles();

            Map<String, HostTensor> after = oneStep(s, f, d, x, n);

            double[] rows = encode(x, n, f, w, d);
            int r = n * d / c;
            boolean[] assigned = new boolean[k];
            for (int i = 0; i < r; i++) {
                assigned[nearest(rows, i, cb, k, c)] = true;
            }
            double[] next = after.get(VqNetwork.CODEBOOK_PARAM).toDoubles();
            int restarted = 0;
            for (int j = 0; j < k; j++) {
                if (assigned[j]) {
                    continue;
                }
                restarted++;
                boolean found = false;
                for (int i = 0; i < r && !found; i++) {
                    found = Math.abs(next[j * c] - rows[i * c]) < 1e-5 && Math.abs(next[j * c + 1] - rows[i * c + 1]) < 1e-5;
                }
                assertTrue(found, "ema=" + ema + ": unused code " + j + " was not restarted at a batch vector");
            }
            assertTrue(restarted > 0, "the case should leave codes unused");
            assertArrayEquals(new double[k], after.get(VqNetwork.IDLE).toDoubles(), 0.0, "idle counts reset");
            if (ema) {
                double[] countAfter = after.get(VqNetwork.EMA_COUNT).toDoubles();
                for (int j = 0; j < k; j++) {
                    if (!assigned[j]) {
                        assertEquals(1.0, countAfter[j], 0.0, "a restarted code's count starts at 1");
                    }
                }
            }
        }
        // with a longer patience nothing restarts after one step: idle counts 1 for the unused codes
        VqSettings patient = settings(new long[0], k, c, true, 3);
        double[] idle = oneStep(patient, f, d, x, n).get(VqNetwork.IDLE).toDoubles();
        assertTrue(java.util.Arrays.stream(idle).anyMatch(v -> v == 1.0), java.util.Arrays.toString(idle));
        assertTrue(java.util.Arrays.stream(idle).allMatch(v -> v == 0.0 || v == 1.0), java.util.Arrays.toString(idle));
    }

    @Test
    void configDefaultsAndBadSettingsAreNamed() {
        VqFamily family = new VqFamily(Configs.of(VqFamily.Config.class, Map.of("hourglass_name", "v")));
        TestContext ctx = TestContext.of(IMAGE, 8, true, 1);
        FamilyOutputs out = family.build(ctx);
        assertArrayEquals(new long[] {64, 4}, ctx.graph().tensor("quantizer/codebook").shape().dims());
        assertEquals(Set.of(VqNetwork.CODEBOOK, VqNetwork.COMMITMENT), out.lossTerms().keySet());
        VqSettings fromConfig = VqSettings.of(Configs.of(VqFamily.Config.class, Map.of("hourglass_name", "v")));
        VqSettings defaults = VqSettings.defaults();
        assertArrayEquals(defaults.hiddenSizes(), fromConfig.hiddenSizes());
        assertEquals(List.of(defaults.activation(), defaults.outputActivation(), defaults.codebookSize(),
                defaults.codeDim(), defaults.codebookRange(), defaults.beta(), defaults.ema(), defaults.emaDecay(),
                defaults.deadCodeSteps()), List.of(fromConfig.activation(), fromConfig.outputActivation(),
                fromConfig.codebookSize(), fromConfig.codeDim(), fromConfig.codebookRange(), fromConfig.beta(),
                fromConfig.ema(), fromConfig.emaDecay(), fromConfig.deadCodeSteps()));
        assertEquals(0.25, defaults.beta());

        IllegalArgumentException latent = assertThrows(IllegalArgumentException.class,
                () -> family.build(TestContext.of(IMAGE, 6, true, 1)));
        assertTrue(latent.getMessage().contains("latent.size") && latent.getMessage().contains("code.dim"),
                latent.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new VqFamily(Configs.of(VqFamily.Config.class,
                Map.of("hourglass_name", " "))));
        Object[][] cases = {
            {"hidden.sizes", (Runnable) () -> settings(new long[] {0}, 4, 2, false, 0)},
            {"codebook.size", (Runnable) () -> settings(new long[] {4}, 1, 2, false, 0)},
            {"code.dim", (Runnable) () -> settings(new long[] {4}, 4, 0, false, 0)},
            {"dead.code.steps", (Runnable) () -> settings(new long[] {4}, 4, 2, false, -1)},
            {"codebook.range", (Runnable) () -> new VqSettings(new long[] {4}, Activation.RELU, Activation.NONE, 4, 2,
                    0, 0.25, false, 0.99, 0)},
            {"beta", (Runnable) () -> new VqSettings(new long[] {4}, Activation.RELU, Activation.NONE, 4, 2, 1,
                    Double.NaN, false, 0.99, 0)},
            {"ema.decay", (Runnable) () -> new VqSettings(new long[] {4}, Activation.RELU, Activation.NONE, 4, 2, 1,
                    0.25, true, 1.0, 0)},
            {"activation", (Runnable) () -> VqSettings.of(Configs.of(VqFamily.Config.class,
                    Map.of("hourglass_name", "v", "activation", "swish")))},
        };
        for (Object[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, ((Runnable) c[1])::run);
            assertTrue(e.getMessage().contains((String) c[0]), c[0] + ": " + e.getMessage());
        }
    }
}
