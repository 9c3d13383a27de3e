package org.hourglass.family.featurechoice;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hourglass.family.topk.blocks.SaeBlocks;
import org.hourglass.family.topk.blocks.ThresholdSae;
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

class FeatureChoiceNetworkTest {

    private static FeatureChoiceSettings settings(int k, double aux, long dead, double decay) {
        return new FeatureChoiceSettings(k, 0, new ThresholdSae.Common(0, aux, dead, decay));
    }

    /** {@code x W_enc} with the initial encoder (b_pre and b_enc start at 0). */
    private static double[] pre(float[] x, int rows, int d, int n, double[] wEnc) {
        double[] pre = new double[rows * n];
        for (int s = 0; s < rows; s++) {
            for (int l = 0; l < n; l++) {
                for (int j = 0; j < d; j++) {
                    pre[s * n + l] += x[s * d + j] * wEnc[j * n + l];
                }
            }
        }
        return pre;
    }

    @Test
    void shapesParametersBuffersAndDiagnostics() {
        TestContext train = TestContext.of(InputSpec.of(2, 5), 24, true, 1);
        TestContext infer = TestContext.of(InputSpec.of(2, 5), 24, false, 1);
        FamilyOutputs t = FeatureChoiceNetwork.build(settings(4, 0.03, 100, 0.9), train);
        FamilyOutputs i = FeatureChoiceNetwork.build(settings(4, 0.03, 100, 0.9), infer);
        List<String> names = infer.graph().params().stream().map(Tensor::name).toList();
        assertEquals(List.of(SaeBlocks.W_ENC, SaeBlocks.B_ENC, SaeBlocks.W_DEC, SaeBlocks.B_PRE, SaeBlocks.IDLE,
                ThresholdSae.THRESHOLD), names);
        assertEquals(names, train.graph().params().stream().map(Tensor::name).toList());
        assertTrue(infer.graph().isBuffer(infer.graph().tensor(ThresholdSae.THRESHOLD)));
        assertArrayEquals(new long[] {24}, infer.graph().tensor(ThresholdSae.THRESHOLD).shape().dims());
        assertArrayEquals(new long[] {-1, 2, 5}, i.reconstruction().shape().dims());
        assertArrayEquals(new long[] {-1, 24}, i.latent().shape().dims());
        assertEquals(Set.of(SaeBlocks.AUX), t.lossTerms().keySet());
        assertEquals(Set.of(SaeBlocks.FIRED, SaeBlocks.SQUARED_ERROR, SaeBlocks.MSE, SaeBlocks.VARIANCE,
                SaeBlocks.COSINE, SaeBlocks.DEAD, ThresholdSae.THRESHOLD_MEAN), t.diagnostics().keySet());
        assertTrue(i.lossTerms().isEmpty() && i.diagnostics().isEmpty());
    }

    /** Each latent's m-th largest value over the rows of {@code pre [rows, n]}. */
    private static double[] mth(double[] pre, int rows, int n, int m) {
        double[] t = new double[n];
        for (int l = 0; l < n; l++) {
            double[] col = new double[rows];
            for (int s = 0; s < rows; s++) {
                col[s] = pre[s * n + l];
            }
            Arrays.sort(col);
            t[l] = col[rows - Math.min(m, rows)];
        }
        return t;
    }

    @Test
    void eachLatentKeepsAtMostMTokensOfTheBatch() {
        int d = 6;
        int n = 16;
        TestContext ctx = TestContext.of(InputSpec.of(d), n, true, 5);
        // m = floor(k*B/n) with k = 4: 2 of 8 tokens, 3 of 12; m = 5 configured: 5 of 12, all 3 of a 3-row batch.
        FamilyOutputs byK = FeatureChoiceNetwork.build(settings(4, 0, 10, 0.9), ctx);
        TestContext ctx5 = TestContext.of(InputSpec.of(d), n, true, 5);
        FamilyOutputs fixed = FeatureChoiceNetwork.build(new FeatureChoiceSettings(4, 5,
                new ThresholdSae.Common(0, 0, 10, 0.9)), ctx5);
        double[] wEnc = ctx.graph().initialValue(ctx.graph().tensor(SaeBlocks.W_ENC)).toDoubles();
        Object[][] cases = {{ctx, byK, 8, 2}, {ctx, byK, 12, 3}, {ctx5, fixed, 12, 5}, {ctx5, fixed, 3, 3}};
        try (GraphRunner runner = new GraphRunner()) {
            for (Object[] c : cases) {
                Graph g = ((TestContext) c[0]).graph();
                int rows = (int) c[2];
                int m = (int) c[3];
                float[] x = FamilyTraining.sparseMixtures(rows, d, 5, rows);
                float[] z = runner.run(InferenceModel.builder(g).output("z", ((FamilyOutputs) c[1]).latent())
                        .build(), Map.of("x", new GraphRunner.Input(x, rows, d))).get("z");
                double[] pre = pre(x, rows, d, n, wEnc);
                double[] t = mth(pre, rows, n, m);
                int[] perLatent = new int[n];
                int[] perRow = new int[rows];
                int positive = 0;
                for (int e = 0; e < pre.length; e++) {
                    double expected = pre[e] >= t[e % n] ? Math.max(0, pre[e]) : 0;
                    assertEquals(expected, z[e], 1e-5, "entry " + e + " of a batch of " + rows);
                    perLatent[e % n] += z[e] != 0 ? 1 : 0;
                    perRow[e / n] += z[e] != 0 ? 1 : 0;
                }
                for (int l = 0; l < n; l++) {
                    int pos = 0;
                    for (int s = 0; s < rows; s++) {
                        pos += pre[s * n + l] > 0 ? 1 : 0;
                    }
                    positive += pos >= m ? 1 : 0;
                    assertEquals(Math.min(m, pos), perLatent[l], "latent " + l + " keeps its m largest positive "
                            + "values, batch of " + rows);
                }
                assertTrue(positive >= 3, "several latents have m positive values in the case: " + positive);
                if (m < rows) {
                    assertTrue(Arrays.stream(perRow).min().orElseThrow() != Arrays.stream(perRow).max()
                            .orElseThrow(), "tokens get different numbers of latents: " + Arrays.toString(perRow));
                }
            }
        }
    }

    @Test
    void firstStepLearnsTheSmallestKeptValueAndInferenceUsesItAsAJumpReluThreshold() {
        int d = 6;
        int n = 16;
        int k = 2;
        int rows = 12;
        float[] x = FamilyTraining.sparseMixtures(rows, d, 5, 2);
        TestContext ctx = TestContext.of(InputSpec.of(d), n, true, 5);
        TrainStepModel model = FamilyTraining.trainStep(ctx, FeatureChoiceNetwork.build(settings(k, 0, 1000, 0.5), ctx));
        double[] wEnc0 = ctx.graph().initialValue(ctx.graph().tensor(SaeBlocks.W_ENC)).toDoubles();
        double[] first = mth(pre(x, rows, d, n, wEnc0), rows, n, k * rows / n);
        Map<String, HostTensor> trained;
        try (GraphRunner runner = new GraphRunner();
             Trainer trainer = new Trainer(runner.executor(), model, "fc-step")) {
            trainer.fit(TrainingData.of("x", x, rows), TrainingConfig.of(1, rows, 0.01, 5), TrainingListener.none());
            trained = trainer.params();
        }
        double[] learned = trained.get(ThresholdSae.THRESHOLD).toDoubles();
        for (int l = 0; l < n; l++) {
            assertEquals(Math.max(0, first[l]), learned[l], 1e-5, "after step 1 latent " + l + "'s threshold is "
                    + "its m-th value (its positive part)");
        }

        // Inference: a single sample keeps exactly the entries at least the threshold (here set to a chosen value).
        TestContext inf = TestContext.of(InputSpec.of(d), n, false, 5);
        FamilyOutputs out = FeatureChoiceNetwork.build(settings(k, 0, 1000, 0.5), inf);
        float[] theta = new float[n];
        for (int l = 0; l < n; l++) {
            theta[l] = 0.1f * (l % 5);
        }
        Map<String, HostTensor> weights = new HashMap<>(trained);
        weights.put(ThresholdSae.THRESHOLD, HostTensor.ofFloats(theta, n));
        double[] wEnc = trained.get(SaeBlocks.W_ENC).toDoubles();
        double[] bEnc = trained.get(SaeBlocks.B_ENC).toDoubles();
        double[] bPre = trained.get(SaeBlocks.B_PRE).toDoubles();
        try (GraphRunner runner = new GraphRunner()) {
            float[] one = Arrays.copyOf(x, d);
            float[] z = runner.run(InferenceModel.builder(inf.graph()).output("z", out.latent()).weights(weights)
                    .build(), Map.of("x", new GraphRunner.Input(one, 1, d))).get("z");
            int kept = 0;
            for (int l = 0; l < n; l++) {
                double p = bEnc[l];
                for (int j = 0; j < d; j++) {
                    p += (one[j] - bPre[j]) * wEnc[j * n + l];
                }
                assertEquals(p >= theta[l] && p > 0 ? p : 0, z[l], 1e-5, "latent " + l);
                kept += z[l] != 0 ? 1 : 0;
            }
            assertTrue(kept > 0 && kept < n, "some but not all latents pass: " + kept);
        }
    }

    /** Trains and returns the per-epoch summaries. */
    static List<Map<String, Object>> train(FeatureChoiceSettings s, float[] x, int rows, int d, int n, int epochs) {
        TestContext ctx = TestContext.of(InputSpec.of(d), n, true, 3);
        TrainStepModel model = FamilyTraining.trainStep(ctx, FeatureChoiceNetwork.build(s, ctx));
        return FamilyTraining.epochs(model, x, rows, TrainingConfig.of(epochs, 64, 0.01, 7)).stream()
                .map(e -> ThresholdSae.summarize(e.diagnostics())).toList();
    }

    @Test
    void trainingExplainsTheVarianceAtMeanL0K() {
        int d = 16;
        int n = 48;
        List<Map<String, Object>> epochs = train(settings(4, 1.0 / 32, 2000, 0.9), FamilyTraining.sparseMixtures(512, d, 12, 8), 512,
                d, n, 12);
        Map<String, Object> first = epochs.get(0);
        Map<String, Object> last = epochs.get(epochs.size() - 1);
        // m = floor(4*64/48) = 5 tokens per latent of each batch of 64: mean L0 at most 48*5/64 = 3.75.
        assertTrue((double) last.get("l0") > 3 && (double) last.get("l0") <= 3.75 + 1e-6, "mean L0: " + last);
        assertTrue((double) last.get("fvu") < 0.25, "most variance explained: " + last);
        assertTrue((double) last.get("fvu") < (double) first.get("fvu"), first + " -> " + last);
        assertTrue((double) last.get("cosine_similarity") > 0.9, last.toString());
        assertTrue((double) last.get("threshold") > 0, last.toString());
    }

    @Test
    void summaryAddsTheThreshold() {
        Map<String, Object> s = ThresholdSae.summarize(Map.of(SaeBlocks.FIRED, new double[] {0.5, 0, 0.25},
                SaeBlocks.SQUARED_ERROR, new double[] {2}, SaeBlocks.VARIANCE, new double[] {8},
                ThresholdSae.THRESHOLD_MEAN, new double[] {0.125}));
        assertEquals(0.75, (double) s.get("l0"), 1e-12);
        assertEquals(0.25, (double) s.get("fvu"), 1e-12);
        assertEquals(0.125, (double) s.get("threshold"), 1e-12);
    }

    @Test
    void configDefaultsAndBadSettingsAreNamed() {
        FeatureChoiceFamily family = new FeatureChoiceFamily(Configs.of(FeatureChoiceFamily.Config.class,
                Map.of("hourglass_name", "m")));
        IllegalArgumentException latent = assertThrows(IllegalArgumentException.class,
                () -> family.build(TestContext.of(InputSpec.of(8), 16, true, 1)));
        assertTrue(latent.getMessage().contains("k (32)") && latent.getMessage().contains("latent.size (16)"),
                latent.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new FeatureChoiceFamily(Configs.of(
                FeatureChoiceFamily.Config.class, Map.of("hourglass_name", " "))));
        Object[][] cases = {
            {"k", (Runnable) () -> settings(0, 0.1, 5, 0.9)},
            {"aux.k", (Runnable) () -> new ThresholdSae.Common(-1, 0.1, 5, 0.9)},
            {"aux.coefficient", (Runnable) () -> settings(2, Double.NaN, 5, 0.9)},
            {"dead.tokens", (Runnable) () -> settings(2, 0.1, 0, 0.9)},
            {"threshold.decay", (Runnable) () -> settings(2, 0.1, 5, 1.0)},
            {"m must", (Runnable) () -> new FeatureChoiceSettings(2, -1, new ThresholdSae.Common(0, 0.1, 5, 0.9))},
        };
        for (Object[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, ((Runnable) c[1])::run);
            assertTrue(e.getMessage().contains((String) c[0]), c[0] + ": " + e.getMessage());
        }
        assertEquals(4, new ThresholdSae.Common(0, 0.1, 5, 0.9).auxK(8, 100), "half the input width");
    }
}
