package org.hourglass.family.transcoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.hourglass.family.topk.blocks.SaeBlocks;
import org.hourglass.graph.Graph;
import org.hourglass.graph.InferenceModel;
import org.hourglass.graph.Optimizer;
import org.hourglass.graph.Tensor;
import org.hourglass.graph.TrainStep;
import org.hourglass.graph.TrainStepModel;
import org.hourglass.graph.Ops;
import org.hourglass.graph.ShapeOps;
import org.hourglass.training.TrainingConfig;
import org.hourglass.training.TrainingListener;
import org.hourglass.spi.FamilyOutputs;
import org.hourglass.spi.InputSpec;
import org.hourglass.testing.FamilyTraining;
import org.hourglass.testing.Configs;
import org.hourglass.testing.GraphRunner;
import org.hourglass.testing.TestContext;
import org.junit.jupiter.api.Test;

class TranscoderNetworkTest {

    /**
     * Rows [x | y]: x mixes 3 of {@code atoms} input directions with non-negative weights, y mixes the same atoms'
     * output directions with the same weights (a sparse map a transcoder can learn), each plus an offset.
     */
    static float[] pairs(int rows, int d, int atoms, long seed) {
        Random r = new Random(seed);
        double[] in = FamilyTraining.unitAtoms(r, atoms, d);
        double[] out = FamilyTraining.unitAtoms(r, atoms, d);
        float[] v = new float[rows * 2 * d];
        for (int s = 0; s < rows; s++) {
            int base = s * 2 * d;
            Arrays.fill(v, base, base + d, 0.5f);
            Arrays.fill(v, base + d, base + 2 * d, -0.25f);
            for (int t = 0; t < 3; t++) {
                int a = r.nextInt(atoms);
                double c = 0.5 + r.nextDouble();
                for (int j = 0; j < d; j++) {
                    v[base + j] += (float) (c * in[a * d + j]);
                    v[base + d + j] += (float) (c * out[a * d + j]);
                }
            }
        }
        return v;
    }

    @Test
    void parametersTermsAndDiagnostics() {
        TranscoderSettings s = new TranscoderSettings(4, 0, 0.03, 100);
        TestContext train = TestContext.of(InputSpec.of(10), 24, true, 1);
        TestContext infer = TestContext.of(InputSpec.of(10), 24, false, 1);
        FamilyOutputs t = TranscoderNetwork.build(s, train);
        FamilyOutputs i = TranscoderNetwork.build(s, infer);
        List<String> names = infer.graph().params().stream().map(Tensor::name).toList();
        assertEquals(List.of(SaeBlocks.W_ENC, SaeBlocks.B_ENC, SaeBlocks.W_DEC, SaeBlocks.B_PRE, SaeBlocks.IDLE,
                TranscoderNetwork.B_DEC), names);
        assertEquals(names, train.graph().params().stream().map(Tensor::name).toList());
        assertArrayEquals(new long[] {5, 24}, infer.graph().tensor(SaeBlocks.W_ENC).shape().dims(), "d = 10 / 2");
        assertArrayEquals(new long[] {-1, 10}, i.reconstruction().shape().dims());
        assertEquals(Set.of(SaeBlocks.AUX), t.lossTerms().keySet());
        assertEquals(Set.of(SaeBlocks.FIRED, SaeBlocks.SQUARED_ERROR, SaeBlocks.MSE, SaeBlocks.VARIANCE,
                SaeBlocks.COSINE, SaeBlocks.DEAD), t.diagnostics().keySet());
        IllegalArgumentException odd = assertThrows(IllegalArgumentException.class,
                () -> TranscoderNetwork.build(s, TestContext.of(InputSpec.of(7), 24, true, 1)));
        assertTrue(odd.getMessage().contains("even width") && odd.getMessage().contains("7"), odd.getMessage());
    }

    @Test
    void reconstructionPassesTheInputAndPredictsTheTargetFromIt() {
        int d = 6;
        int n = 16;
        int k = 3;
        int rows = 9;
        TestContext ctx = TestContext.of(InputSpec.of(2 * d), n, false, 5);
        FamilyOutputs out = TranscoderNetwork.build(new TranscoderSettings(k, 0, 0, 10), ctx);
        Graph g = ctx.graph();
        double[] wEnc = g.initialValue(g.tensor(SaeBlocks.W_ENC)).toDoubles();
        double[] wDec = g.initialValue(g.tensor(SaeBlocks.W_DEC)).toDoubles();
        float[] v = pairs(rows, d, 4, 3);
        // The target half must not matter: the same inputs with other targets give the same latents.
        float[] other = v.clone();
        for (int s = 0; s < rows; s++) {
            for (int j = d; j < 2 * d; j++) {
                other[s * 2 * d + j] = 100f + j;
            }
        }
        try (GraphRunner runner = new GraphRunner()) {
            var model = InferenceModel.builder(g).output("z", out.latent()).output("r", out.reconstruction()).build();
            Map<String, float[]> got = runner.run(model, Map.of("x", new GraphRunner.Input(v, rows, 2 * d)));
            Map<String, float[]> got2 = runner.run(model, Map.of("x", new GraphRunner.Input(other, rows, 2 * d)));
            assertArrayEquals(got.get("z"), got2.get("z"), "latents come from the input half only");
            float[] z = got.get("z");
            float[] r = got.get("r");
            for (int s = 0; s < rows; s++) {
                double[] pre = new double[n];
                for (int l = 0; l < n; l++) {
                    for (int j = 0; j < d; j++) {
                        pre[l] += v[s * 2 * d + j] * wEnc[j * n + l];
                    }
                }
                double[] sorted = pre.clone();
                Arrays.sort(sorted);
                for (int l = 0; l < n; l++) {
                    assertEquals(pre[l] >= sorted[n - k] ? Math.max(0, pre[l]) : 0, z[s * n + l], 1e-5);
                }
                for (int j = 0; j < d; j++) {
                    assertEquals(v[s * 2 * d + j], r[s * 2 * d + j], 0.0, "input half passed through exactly");
                    double p = 0;
                    for (int l = 0; l < n; l++) {
                        p += z[s * n + l] * wDec[l * d + j];
                    }
                    assertEquals(p, r[s * 2 * d + d + j], 1e-5, "target half is the decoded prediction");
                }
            }
        }
    }

    @Test
    void trainingPredictsTheTargetAndTheLossIsHalfTheTargetError() {
        int d = 16;
        int n = 48;
        int rows = 512;
        float[] v = pairs(rows, d, 12, 8);
        TestContext ctx = TestContext.of(InputSpec.of(2 * d), n, true, 3);
        FamilyOutputs out = TranscoderNetwork.build(new TranscoderSettings(4, 0, 1.0 / 32, 2000), ctx);
        Graph g = ctx.graph();
        Tensor mse = FamilyTraining.mse(out.reconstruction(), ctx.input());
        TrainStep step = TrainStep.builder(g).loss(Ops.add(mse, out.lossTerms().get(SaeBlocks.AUX)))
                .optimizer(Optimizer.adam());
        out.diagnostics().forEach(step::diagnostic);
        step.diagnostic("pipeline_mse", ShapeOps.reshape(mse, 1));
        TrainStepModel model = step.build();
        List<Map<String, double[]>> means = FamilyTraining.epochs(model, v, rows, TrainingConfig.of(15, 64, 0.01, 7))
                .stream().map(TrainingListener.EpochSummary::diagnostics).toList();
        Map<String, Object> first = SaeBlocks.summarize(means.get(0));
        Map<String, Object> last = SaeBlocks.summarize(means.get(means.size() - 1));
        assertTrue((double) last.get("fvu") < 0.3, "most of the target's variance predicted: " + last);
        assertTrue((double) last.get("fvu") < (double) first.get("fvu"), first + " -> " + last);
        assertTrue((double) last.get("cosine_similarity") > 0.9, last.toString());
        assertTrue((double) last.get("l0") > 3 && (double) last.get("l0") <= 4 + 1e-6, last.toString());
        // The pipeline's MSE over 2d values: the input half contributes 0, so it is half the target's MSE.
        for (Map<String, double[]> m : means) {
            assertEquals(m.get(SaeBlocks.MSE)[0] / 2, m.get("pipeline_mse")[0], 1e-5 * m.get(SaeBlocks.MSE)[0]);
        }
    }

    @Test
    void configDefaultsAndBadSettingsAreNamed() {
        TranscoderFamily family = new TranscoderFamily(Configs.of(TranscoderFamily.Config.class,
                Map.of("hourglass_name", "t")));
        assertEquals(TranscoderSettings.defaults(), TranscoderSettings.of(Configs.of(TranscoderFamily.Config.class,
                Map.of("hourglass_name", "t"))));
        IllegalArgumentException latent = assertThrows(IllegalArgumentException.class,
                () -> family.build(TestContext.of(InputSpec.of(8), 16, true, 1)));
        assertTrue(latent.getMessage().contains("k (32)") && latent.getMessage().contains("latent.size (16)"),
                latent.getMessage());
        Object[][] cases = {
            {"k", (Runnable) () -> new TranscoderSettings(0, 0, 0.1, 5)},
            {"aux.k", (Runnable) () -> new TranscoderSettings(2, -1, 0.1, 5)},
            {"aux.coefficient", (Runnable) () -> new TranscoderSettings(2, 0, -1, 5)},
            {"dead.tokens", (Runnable) () -> new TranscoderSettings(2, 0, 0.1, 0)},
        };
        for (Object[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, ((Runnable) c[1])::run);
            assertTrue(e.getMessage().contains((String) c[0]), c[0] + ": " + e.getMessage());
        }
    }
}
