package org.hourglass.family.batchtopk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hourglass.family.topk.blocks.SaeBlocks;
import org.hourglass.graph.Graph;
import org.hourglass.graph.HostTensor;
import org.hourglass.graph.InferenceModel;
import org.hourglass.graph.Tensor;
import org.hourglass.graph.TrainStepModel;
import org.hourglass.training.Trainer;
import org.hourglass.training.TrainingConfig;
import org.hourglass.training.TrainingData;
import org.hourglass.training.TrainingListener;
import org.hourglass.spi.FamilyOutputs;
import org.hourglass.spi.InputSpec;
import org.hourglass.testing.FamilyTraining;
import org.hourglass.testing.Configs;
import org.hourglass.testing.GraphRunner;
import org.hourglass.testing.TestContext;
import org.junit.jupiter.api.Test;

class BatchTopkNetworkTest {

    /** {@code (x - b_pre) W_enc + b_enc} in plain Java. */
    private static double[] pre(float[] x, int rows, int d, int n, Map<String, double[]> p) {
        double[] wEnc = p.get(SaeBlocks.W_ENC);
        double[] bEnc = p.get(SaeBlocks.B_ENC);
        double[] bPre = p.get(SaeBlocks.B_PRE);
        double[] pre = new double[rows * n];
        for (int s = 0; s < rows; s++) {
            for (int l = 0; l < n; l++) {
                double v = bEnc[l];
                for (int j = 0; j < d; j++) {
                    v += (x[s * d + j] - bPre[j]) * wEnc[j * n + l];
                }
                pre[s * n + l] = v;
            }
        }
        return pre;
    }

    private static Map<String, double[]> initial(Graph g) {
        return Map.of(SaeBlocks.W_ENC, g.initialValue(g.tensor(SaeBlocks.W_ENC)).toDoubles(),
                SaeBlocks.B_ENC, g.initialValue(g.tensor(SaeBlocks.B_ENC)).toDoubles(),
                SaeBlocks.B_PRE, g.initialValue(g.tensor(SaeBlocks.B_PRE)).toDoubles());
    }

    private static Map<String, double[]> doubles(Map<String, HostTensor> p) {
        return Map.of(SaeBlocks.W_ENC, p.get(SaeBlocks.W_ENC).toDoubles(),
                SaeBlocks.B_ENC, p.get(SaeBlocks.B_ENC).toDoubles(),
                SaeBlocks.B_PRE, p.get(SaeBlocks.B_PRE).toDoubles());
    }

    private static List<String> paramNames(TestContext ctx) {
        return ctx.graph().params().stream().map(Tensor::name).toList();
    }

    @Test
    void parametersBuffersTermsAndDiagnostics() {
        BatchTopkSettings s = new BatchTopkSettings(4, 0.9, 0, 0.03, 100);
        TestContext train = TestContext.of(InputSpec.of(2, 5), 24, true, 1);
        TestContext infer = TestContext.of(InputSpec.of(2, 5), 24, false, 1);
        FamilyOutputs t = BatchTopkNetwork.build(s, train);
        FamilyOutputs i = BatchTopkNetwork.build(s, infer);
        assertEquals(List.of(SaeBlocks.W_ENC, SaeBlocks.B_ENC, SaeBlocks.W_DEC, SaeBlocks.B_PRE, SaeBlocks.IDLE,
                BatchTopkNetwork.THRESHOLD), paramNames(infer));
        assertEquals(paramNames(infer), paramNames(train), "parameters must carry over by name");
        assertTrue(infer.graph().isBuffer(infer.graph().tensor(BatchTopkNetwork.THRESHOLD)));
        assertArrayEquals(new long[] {-1, 2, 5}, i.reconstruction().shape().dims());
        assertEquals(Set.of(SaeBlocks.AUX), t.lossTerms().keySet());
        assertEquals(Set.of(SaeBlocks.FIRED, SaeBlocks.SQUARED_ERROR, SaeBlocks.MSE, SaeBlocks.VARIANCE,
                SaeBlocks.COSINE, SaeBlocks.DEAD, BatchTopkNetwork.THRESHOLD_DIAGNOSTIC), t.diagnostics().keySet());
        assertTrue(i.lossTerms().isEmpty() && i.diagnostics().isEmpty());
    }

    @Test
    void trainingKeepsExactlyKTimesBOfTheWholeBatch() {
        int d = 8;
        int n = 32;
        int k = 4;
        int rows = 16;
        float[] x = FamilyTraining.sparseMixtures(rows, d, 6, 2);
        TestContext ctx = TestContext.of(InputSpec.of(d), n, true, 5);
        FamilyOutputs out = BatchTopkNetwork.build(new BatchTopkSettings(k, 0.9, 0, 0, 10), ctx);
        double[] pre = pre(x, rows, d, n, initial(ctx.graph()));
        double[] sorted = pre.clone();
        Arrays.sort(sorted);
        double kth = sorted[sorted.length - k * rows];
        assertTrue(kth > 0, "the case keeps only positive values: " + kth);
        try (GraphRunner runner = new GraphRunner()) {
            float[] z = runner.run(InferenceModel.builder(ctx.graph()).output("z", out.latent()).build(),
                    Map.of("x", new GraphRunner.Input(x, rows, d))).get("z");
            int nonzero = 0;
            int[] perRow = new int[rows];
            for (int e = 0; e < z.length; e++) {
                assertEquals(pre[e] >= kth ? pre[e] : 0, z[e], 1e-5, "entry " + e);
                nonzero += z[e] != 0 ? 1 : 0;
                perRow[e / n] += z[e] != 0 ? 1 : 0;
            }
            assertEquals(k * rows, nonzero, "k·B active latents in the batch");
            assertTrue(Arrays.stream(perRow).anyMatch(c -> c != k), "samples share the budget unevenly: "
                    + Arrays.toString(perRow));
            // Half the batch: the count follows the batch size at run time.
            float[] half = Arrays.copyOf(x, rows / 2 * d);
            float[] zHalf = runner.run(InferenceModel.builder(ctx.graph()).output("z", out.latent()).build(),
                    Map.of("x", new GraphRunner.Input(half, rows / 2, d))).get("z");
            int halfNonzero = 0;
            for (float v : zHalf) {
                halfNonzero += v != 0 ? 1 : 0;
            }
            assertEquals(k * rows / 2, halfNonzero);
        }
    }

    /** Full-batch steps with a negligible learning rate (Adam moves about 1e-12 per step): after step 1 (b_pre set to the mean) the selection is fixed. */
    private static Map<String, HostTensor> frozenSteps(float[] x, int rows, int d, int n, int k, int steps) {
        TestContext ctx = TestContext.of(InputSpec.of(d), n, true, 3);
        TrainStepModel model = FamilyTraining.trainStep(ctx, BatchTopkNetwork.build(new BatchTopkSettings(k, 0.5, 0, 0, 1000),
                ctx));
        try (GraphRunner runner = new GraphRunner();
             Trainer trainer = new Trainer(runner.executor(), model, "batchtopk-frozen")) {
            trainer.fit(TrainingData.of("x", x, rows), TrainingConfig.of(steps, rows, 1e-12, 7),
                    TrainingListener.none());
            return trainer.params();
        }
    }

    @Test
    void thresholdConvergesToTheSmallestKeptActivationAndInferenceUsesIt() {
        int d = 8;
        int n = 32;
        int k = 3;
        int rows = 40;
        float[] x = FamilyTraining.sparseMixtures(rows, d, 6, 9);
        Map<String, HostTensor> p = frozenSteps(x, rows, d, n, k, 30);
        double[] pre = pre(x, rows, d, n, doubles(p));
        double[] sorted = pre.clone();
        Arrays.sort(sorted);
        double kth = sorted[sorted.length - k * rows];
        double smallestKept = Double.POSITIVE_INFINITY;
        for (double v : pre) {
            if (v >= kth && v > 0) {
                smallestKept = Math.min(smallestKept, v);
            }
        }
        double theta = p.get(BatchTopkNetwork.THRESHOLD).toDoubles()[0];
        assertEquals(smallestKept, theta, 1e-4, "running average of a constant smallest kept value");

        // The inference model applies z = pre · (pre > θ) with the learnt θ, per sample.
        TestContext infer = TestContext.of(InputSpec.of(d), n, false, 3);
        FamilyOutputs out = BatchTopkNetwork.build(new BatchTopkSettings(k, 0.5, 0, 0, 1000), infer);
        float[] x2 = FamilyTraining.sparseMixtures(rows, d, 6, 10);
        double[] pre2 = pre(x2, rows, d, n, doubles(p));
        try (GraphRunner runner = new GraphRunner()) {
            float[] z = runner.run(InferenceModel.builder(infer.graph()).output("z", out.latent()).weights(p)
                    .build(), Map.of("x", new GraphRunner.Input(x2, rows, d))).get("z");
            int cutPositive = 0;
            for (int e = 0; e < z.length; e++) {
                if (Math.abs(pre2[e] - theta) < 1e-4) {
                    continue;
                }
                assertEquals(pre2[e] > theta ? pre2[e] : 0, z[e], 1e-4, "entry " + e);
                cutPositive += pre2[e] > 0 && pre2[e] < theta ? 1 : 0;
            }
            assertTrue(cutPositive > 0, "positive pre-activations below θ are cut (not a ReLU)");
        }
    }

    @Test
    void trainingExplainsTheVarianceAtKActiveLatentsOnAverage() {
        int d = 16;
        int n = 48;
        float[] x = FamilyTraining.sparseMixtures(512, d, 12, 8);
        TestContext ctx = TestContext.of(InputSpec.of(d), n, true, 3);
        TrainStepModel model = FamilyTraining.trainStep(ctx, BatchTopkNetwork.build(new BatchTopkSettings(4, 0.9, 0, 1.0 / 32,
                2000), ctx));
        List<Map<String, Object>> epochs = FamilyTraining.epochs(model, x, 512, TrainingConfig.of(15, 64, 0.01, 7))
                .stream().map(e -> BatchTopkNetwork.summarize(e.diagnostics())).toList();
        Map<String, Object> first = epochs.get(0);
        Map<String, Object> last = epochs.get(epochs.size() - 1);
        assertTrue((double) last.get("l0") > 3 && (double) last.get("l0") <= 4 + 1e-6, last.toString());
        assertTrue((double) last.get("fvu") < 0.25, "most variance explained: " + last);
        assertTrue((double) last.get("fvu") < (double) first.get("fvu"), first + " -> " + last);
        assertTrue((double) last.get("cosine_similarity") > 0.9, last.toString());
        assertTrue((double) last.get("threshold") > 0, last.toString());
    }

    @Test
    void configDefaultsAndBadSettingsAreNamed() {
        BatchTopkFamily family = new BatchTopkFamily(Configs.of(BatchTopkFamily.Config.class,
                Map.of("hourglass_name", "b")));
        assertEquals(BatchTopkSettings.defaults(), BatchTopkSettings.of(Configs.of(BatchTopkFamily.Config.class,
                Map.of("hourglass_name", "b"))));
        IllegalArgumentException latent = assertThrows(IllegalArgumentException.class,
                () -> family.build(TestContext.of(InputSpec.of(8), 16, true, 1)));
        assertTrue(latent.getMessage().contains("k (32)") && latent.getMessage().contains("latent.size (16)"),
                latent.getMessage());
        Object[][] cases = {
            {"k", (Runnable) () -> new BatchTopkSettings(0, 0.9, 0, 0.1, 5)},
            {"threshold.momentum", (Runnable) () -> new BatchTopkSettings(2, 1.0, 0, 0.1, 5)},
            {"aux.k", (Runnable) () -> new BatchTopkSettings(2, 0.9, -1, 0.1, 5)},
            {"aux.coefficient", (Runnable) () -> new BatchTopkSettings(2, 0.9, 0, Double.NaN, 5)},
            {"dead.tokens", (Runnable) () -> new BatchTopkSettings(2, 0.9, 0, 0.1, 0)},
        };
        for (Object[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, ((Runnable) c[1])::run);
            assertTrue(e.getMessage().contains((String) c[0]), c[0] + ": " + e.getMessage());
        }
        Map<String, Object> s = BatchTopkNetwork.summarize(Map.of(SaeBlocks.FIRED, new double[] {0.5, 0.25},
                BatchTopkNetwork.THRESHOLD_DIAGNOSTIC, new double[] {0.7}));
        assertEquals(0.75, (double) s.get("l0"), 1e-12);
        assertEquals(0.7, (double) s.get("threshold"), 1e-12);
    }
}
