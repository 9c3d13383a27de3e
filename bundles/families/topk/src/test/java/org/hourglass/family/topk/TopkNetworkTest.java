package org.hourglass.family.topk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
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

class TopkNetworkTest {

    private static List<String> paramNames(TestContext ctx) {
        return ctx.graph().params().stream().map(Tensor::name).toList();
    }

    @Test
    void shapesParametersTermsAndDiagnostics() {
        TopkSettings s = new TopkSettings(4, 0, 0.03, 100);
        TestContext train = TestContext.of(InputSpec.of(2, 5), 24, true, 1);
        TestContext infer = TestContext.of(InputSpec.of(2, 5), 24, false, 1);
        FamilyOutputs t = TopkNetwork.build(s, train);
        FamilyOutputs i = TopkNetwork.build(s, infer);
        assertEquals(List.of(TopkNetwork.W_ENC, TopkNetwork.B_ENC, TopkNetwork.W_DEC, TopkNetwork.B_PRE,
                TopkNetwork.IDLE), paramNames(infer));
        assertEquals(paramNames(infer), paramNames(train), "parameters must carry over by name");
        assertTrue(infer.graph().isBuffer(infer.graph().tensor(TopkNetwork.IDLE)));
        assertArrayEquals(new long[] {10, 24}, infer.graph().tensor(TopkNetwork.W_ENC).shape().dims());
        assertArrayEquals(new long[] {24, 10}, infer.graph().tensor(TopkNetwork.W_DEC).shape().dims());
        assertArrayEquals(new long[] {-1, 2, 5}, i.reconstruction().shape().dims());
        assertArrayEquals(new long[] {-1, 24}, i.latent().shape().dims());
        assertEquals(Set.of(TopkNetwork.AUX), t.lossTerms().keySet());
        assertTrue(i.lossTerms().isEmpty() && i.diagnostics().isEmpty());
        assertEquals(Set.of(TopkNetwork.FIRED, TopkNetwork.SQUARED_ERROR, TopkNetwork.MSE, TopkNetwork.VARIANCE,
                TopkNetwork.COSINE, TopkNetwork.DEAD), t.diagnostics().keySet());
        assertArrayEquals(new long[] {24}, t.diagnostics().get(TopkNetwork.FIRED).shape().dims());
        // Decoder rows start at unit norm and the encoder is their transpose.
        double[] dec = infer.graph().initialValue(infer.graph().tensor(TopkNetwork.W_DEC)).toDoubles();
        double[] enc = infer.graph().initialValue(infer.graph().tensor(TopkNetwork.W_ENC)).toDoubles();
        for (int l = 0; l < 24; l++) {
            double norm = 0;
            for (int j = 0; j < 10; j++) {
                norm += dec[l * 10 + j] * dec[l * 10 + j];
                assertEquals(dec[l * 10 + j], enc[j * 24 + l], 1e-7);
            }
            assertEquals(1.0, norm, 1e-5);
        }
        // Without AuxK there is no loss term.
        TestContext noAux = TestContext.of(InputSpec.of(10), 24, true, 1);
        assertTrue(TopkNetwork.build(new TopkSettings(4, 0, 0, 100), noAux).lossTerms().isEmpty());
    }

    @Test
    void codeKeepsTheKLargestPositivePreActivations() {
        int d = 6;
        int n = 16;
        int k = 3;
        TestContext ctx = TestContext.of(InputSpec.of(d), n, false, 5);
        FamilyOutputs out = TopkNetwork.build(new TopkSettings(k, 0, 0, 10), ctx);
        Graph g = ctx.graph();
        double[] wEnc = g.initialValue(g.tensor(TopkNetwork.W_ENC)).toDoubles();
        double[] wDec = g.initialValue(g.tensor(TopkNetwork.W_DEC)).toDoubles();
        float[] x = FamilyTraining.sparseMixtures(9, d, 4, 3);
        try (GraphRunner runner = new GraphRunner()) {
            Map<String, float[]> got = runner.run(InferenceModel.builder(g).output("z", out.latent())
                    .output("r", out.reconstruction()).build(), Map.of("x", new GraphRunner.Input(x, 9, d)));
            float[] z = got.get("z");
            for (int s = 0; s < 9; s++) {
                double[] pre = new double[n];
                for (int l = 0; l < n; l++) {
                    for (int j = 0; j < d; j++) {
                        pre[l] += x[s * d + j] * wEnc[j * n + l];
                    }
                }
                double[] sorted = pre.clone();
                java.util.Arrays.sort(sorted);
                double kth = sorted[n - k];
                int nonzero = 0;
                for (int l = 0; l < n; l++) {
                    double expected = pre[l] >= kth ? Math.max(0, pre[l]) : 0;
                    assertEquals(expected, z[s * n + l], 1e-5, "sample " + s + " latent " + l);
                    nonzero += z[s * n + l] != 0 ? 1 : 0;
                }
                assertTrue(nonzero <= k);
                for (int j = 0; j < d; j++) {
                    double r = 0;
                    for (int l = 0; l < n; l++) {
                        r += z[s * n + l] * wDec[l * d + j];
                    }
                    assertEquals(r, got.get("r")[s * d + j], 1e-5);
                }
            }
        }
    }

    @Test
    void oneStepStartsBPreAtTheBatchMeanRenormalisesTheDecoderAndCountsIdleSamples() {
        int d = 8;
        int n = 32;
        int rows = 20;
        float[] x = FamilyTraining.sparseMixtures(rows, d, 6, 4);
        TestContext ctx = TestContext.of(InputSpec.of(d), n, true, 11);
        TrainStepModel model = FamilyTraining.trainStep(ctx, TopkNetwork.build(new TopkSettings(2, 0, 0.03, 1000), ctx));
        try (GraphRunner runner = new GraphRunner();
             Trainer trainer = new Trainer(runner.executor(), model, "topk-step")) {
            trainer.fit(TrainingData.of("x", x, rows), TrainingConfig.of(1, rows, 0.01, 5), TrainingListener.none());
            Map<String, HostTensor> p = trainer.params();
            double[] bPre = p.get(TopkNetwork.B_PRE).toDoubles();
            for (int j = 0; j < d; j++) {
                double mean = 0;
                for (int s = 0; s < rows; s++) {
                    mean += x[s * d + j];
                }
                assertEquals(mean / rows, bPre[j], 1e-5, "b_pre[" + j + "] is the batch mean");
            }
            double[] dec = p.get(TopkNetwork.W_DEC).toDoubles();
            for (int l = 0; l < n; l++) {
                double norm = 0;
                for (int j = 0; j < d; j++) {
                    norm += dec[l * d + j] * dec[l * d + j];
                }
                assertEquals(1.0, Math.sqrt(norm), 1e-5, "decoder row " + l + " after the update");
            }
            double[] idle = p.get(TopkNetwork.IDLE).toDoubles();
            int fired = 0;
            for (double v : idle) {
                assertTrue(v == 0 || v == rows, "idle counts are 0 (fired) or the batch's samples: " + v);
                fired += v == 0 ? 1 : 0;
            }
            assertTrue(fired >= 2 && fired < n, "some latents fired, some did not: " + fired);
        }
    }

    /** Trains and returns the per-epoch summaries. */
    private static List<Map<String, Object>> train(TopkSettings s, float[] x, int rows, int d, int n, int epochs) {
        TestContext ctx = TestContext.of(InputSpec.of(d), n, true, 3);
        TrainStepModel model = FamilyTraining.trainStep(ctx, TopkNetwork.build(s, ctx));
        return FamilyTraining.epochs(model, x, rows, TrainingConfig.of(epochs, 64, 0.01, 7)).stream()
                .map(e -> TopkNetwork.summarize(e.diagnostics())).toList();
    }

    @Test
    void trainingExplainsTheVarianceWithKActiveLatents() {
        int d = 16;
        int n = 48;
        float[] x = FamilyTraining.sparseMixtures(512, d, 12, 8);
        List<Map<String, Object>> epochs = train(new TopkSettings(4, 0, 1.0 / 32, 2000), x, 512, d, n, 15);
        Map<String, Object> first = epochs.get(0);
        Map<String, Object> last = epochs.get(epochs.size() - 1);
        double l0 = (double) last.get("l0");
        assertTrue(l0 > 3 && l0 <= 4 + 1e-6, "L0 is at most k: " + last);
        assertTrue((double) last.get("fvu") < 0.2, "most variance explained: " + last);
        assertTrue((double) last.get("fvu") < (double) first.get("fvu"), first + " -> " + last);
        assertEquals(1 - (double) last.get("fvu"), (double) last.get("explained_variance"), 1e-12);
        assertTrue((double) last.get("cosine_similarity") > 0.9, last.toString());
        assertTrue((double) last.get("mse") > 0, last.toString());
    }

    /** Two full-batch steps; returns the trained state. */
    private static Map<String, HostTensor> twoSteps(TopkSettings s, float[] x, int rows, int d, int n) {
        TestContext ctx = TestContext.of(InputSpec.of(d), n, true, 3);
        TrainStepModel model = FamilyTraining.trainStep(ctx, TopkNetwork.build(s, ctx));
        try (GraphRunner runner = new GraphRunner();
             Trainer trainer = new Trainer(runner.executor(), model, "topk-aux")) {
            trainer.fit(TrainingData.of("x", x, rows), TrainingConfig.of(2, rows, 0.01, 7), TrainingListener.none());
            return trainer.params();
        }
    }

    @Test
    void auxKTrainsOnlyDeadLatentsThatTheMainLossCannotReach() {
        int d = 16;
        int n = 64;
        int rows = 128;
        float[] x = FamilyTraining.sparseMixtures(rows, d, 12, 8);
        // dead.tokens = one batch: after the first step every latent that did not fire is dead.
        Map<String, HostTensor> without = twoSteps(new TopkSettings(2, 0, 0, rows), x, rows, d, n);
        Map<String, HostTensor> with = twoSteps(new TopkSettings(2, 8, 1.0, rows), x, rows, d, n);
        TestContext ctx = TestContext.of(InputSpec.of(d), n, true, 3);
        TopkNetwork.build(new TopkSettings(2, 0, 0, rows), ctx);
        double[] initial = ctx.graph().initialValue(ctx.graph().tensor(TopkNetwork.W_ENC)).toDoubles();
        double[] idleWithout = without.get(TopkNetwork.IDLE).toDoubles();
        double[] idleWith = with.get(TopkNetwork.IDLE).toDoubles();
        double[] encWithout = without.get(TopkNetwork.W_ENC).toDoubles();
        double[] encWith = with.get(TopkNetwork.W_ENC).toDoubles();
        int silent = 0;
        int trainedByAux = 0;
        for (int l = 0; l < n; l++) {
            if (idleWithout[l] != 2.0 * rows || idleWith[l] != 2.0 * rows) {
                continue;
            }
            silent++;
            boolean movedWith = false;
            for (int j = 0; j < d; j++) {
                assertEquals(initial[j * n + l], encWithout[j * n + l], 0.0,
                        "without AuxK a latent that never fired gets no gradient");
                movedWith |= encWith[j * n + l] != initial[j * n + l];
            }
            trainedByAux += movedWith ? 1 : 0;
        }
        assertTrue(silent > 8, "the case should leave latents silent in both steps: " + silent);
        assertTrue(trainedByAux >= silent / 2, "AuxK trains the silent latents that are among the top aux.k "
                + "with positive pre-activations for some sample: " + trainedByAux + " of " + silent);
    }

    @Test
    void summaryOfKnownMeans() {
        Map<String, Object> s = TopkNetwork.summarize(Map.of(TopkNetwork.FIRED, new double[] {0.5, 0, 0.25, 1},
                TopkNetwork.SQUARED_ERROR, new double[] {2}, TopkNetwork.VARIANCE, new double[] {8},
                TopkNetwork.MSE, new double[] {0.5}, TopkNetwork.COSINE, new double[] {0.75},
                TopkNetwork.DEAD, new double[] {3}));
        assertEquals(1.75, (double) s.get("l0"), 1e-12);
        assertEquals(1, s.get("unfired_latents"));
        assertEquals(0.25, (double) s.get("fvu"), 1e-12);
        assertEquals(0.75, (double) s.get("explained_variance"), 1e-12);
        assertEquals(0.5, (double) s.get("mse"), 1e-12);
        assertEquals(0.75, (double) s.get("cosine_similarity"), 1e-12);
        assertEquals(3.0, (double) s.get("dead_latents"), 1e-12);
    }

    @Test
    void configDefaultsAndBadSettingsAreNamed() {
        TopkFamily family = new TopkFamily(Configs.of(TopkFamily.Config.class, Map.of("hourglass_name", "t")));
        assertEquals(TopkSettings.defaults(), TopkSettings.of(Configs.of(TopkFamily.Config.class,
                Map.of("hourglass_name", "t"))));
        IllegalArgumentException latent = assertThrows(IllegalArgumentException.class,
                () -> family.build(TestContext.of(InputSpec.of(8), 16, true, 1)));
        assertTrue(latent.getMessage().contains("k (32)") && latent.getMessage().contains("latent.size (16)"),
                latent.getMessage());
        assertEquals(4, TopkSettings.defaults().auxK(8, 100), "half the input width");
        assertEquals(10, new TopkSettings(2, 64, 0.1, 5).auxK(8, 10), "at most the latents");
        assertThrows(IllegalArgumentException.class, () -> new TopkFamily(Configs.of(TopkFamily.Config.class,
                Map.of("hourglass_name", " "))));
        Object[][] cases = {
            {"k", (Runnable) () -> new TopkSettings(0, 0, 0.1, 5)},
            {"aux.k", (Runnable) () -> new TopkSettings(2, -1, 0.1, 5)},
            {"aux.coefficient", (Runnable) () -> new TopkSettings(2, 0, Double.NaN, 5)},
            {"dead.tokens", (Runnable) () -> new TopkSettings(2, 0, 0.1, 0)},
        };
        for (Object[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, ((Runnable) c[1])::run);
            assertTrue(e.getMessage().contains((String) c[0]), c[0] + ": " + e.getMessage());
        }
        assertFalse(family.summarize(Map.of()).containsKey("l0"));
    }
}
