package org.hourglass.family.gsae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Random;
import org.hourglass.family.topk.blocks.SaeBlocks;
import org.hourglass.graph.Graph;
import org.hourglass.graph.InferenceModel;
import org.hourglass.spi.FamilyOutputs;
import org.hourglass.spi.InputSpec;
import org.hourglass.testing.GraphRunner;
import org.hourglass.testing.TestContext;
import org.junit.jupiter.api.Test;

class GsaeNetworkTest {

    private static final int D = 6;
    private static final int N = 16;
    private static final int K = 3;
    private static final int ROWS = 12;

    /** Rows [x | g] with g of norm about 0.3 (so β s is of order 10 for β = 50). */
    private static float[] rows(long seed) {
        Random r = new Random(seed);
        float[] v = new float[ROWS * 2 * D];
        for (int i = 0; i < ROWS; i++) {
            for (int j = 0; j < D; j++) {
                v[i * 2 * D + j] = (float) r.nextGaussian();
                v[i * 2 * D + D + j] = (float) (0.12 * r.nextGaussian());
            }
        }
        return v;
    }

    /** The sensitivity s of a latent for a row, as the reference computes it. */
    private interface Sensitivity {
        double of(int row, int latent);
    }

    /**
     * The host's reference choice: per row, the K largest ReLU(pre) (1 + β s) keep their ReLU(pre), the others are
     * 0; pre from the row's x, its first D values (rows start every {@code width} values).
     */
    private static float[] referenceCode(float[] rows, int width, double[] wEnc, double beta, Sensitivity s) {
        float[] z = new float[ROWS * N];
        for (int i = 0; i < ROWS; i++) {
            double[] relu = new double[N];
            double[] score = new double[N];
            for (int l = 0; l < N; l++) {
                double pre = 0;
                for (int j = 0; j < D; j++) {
                    pre += rows[i * width + j] * wEnc[j * N + l];
                }
                relu[l] = Math.max(0, pre);
                score[l] = relu[l] * (1 + beta * s.of(i, l));
            }
            double[] sorted = score.clone();
            java.util.Arrays.sort(sorted);
            double kth = sorted[N - K];
            for (int l = 0; l < N; l++) {
                z[i * N + l] = score[l] >= kth ? (float) relu[l] : 0f;
            }
        }
        return z;
    }

    /** The reference choice on rows [x | g] with s = sqrt(|g|²|w|² − (g·w)²). */
    private static float[] expectedCode(float[] rows, double[] wEnc, double[] wDec, double beta) {
        return referenceCode(rows, 2 * D, wEnc, beta, (i, l) -> {
            double gw = 0;
            double gg = 0;
            double ww = 0;
            for (int j = 0; j < D; j++) {
                double g = rows[i * 2 * D + D + j];
                gw += g * wDec[l * D + j];
                gg += g * g;
                ww += wDec[l * D + j] * wDec[l * D + j];
            }
            return Math.sqrt(Math.max(0, gg * ww - gw * gw));
        });
    }

    private static Map<String, float[]> run(double beta, float[] x) {
        TestContext ctx = TestContext.of(InputSpec.of(2 * D), N, false, 5);
        FamilyOutputs out = GsaeNetwork.build(new GsaeSettings(K, beta, 0, 0, 10), ctx);
        Graph g = ctx.graph();
        try (GraphRunner runner = new GraphRunner()) {
            Map<String, float[]> got = new java.util.HashMap<>(runner.run(InferenceModel.builder(g)
                    .output("z", out.latent()).output("r", out.reconstruction()).build(),
                    Map.of("x", new GraphRunner.Input(x, ROWS, 2 * D))));
            got.put("w_enc", toFloats(g.initialValue(g.tensor(SaeBlocks.W_ENC)).toDoubles()));
            got.put("w_dec", toFloats(g.initialValue(g.tensor(SaeBlocks.W_DEC)).toDoubles()));
            return got;
        }
    }

    private static float[] toFloats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }

    @Test
    void selectionFollowsTheSensitivityWeightedScoreAndReconstructsXOnly() {
        float[] x = rows(11);
        Map<String, float[]> plain = run(0, x);
        Map<String, float[]> aware = run(50, x);
        double[] wEnc = toDoubles(aware.get("w_enc"));
        double[] wDec = toDoubles(aware.get("w_dec"));
        assertArrayEquals(expectedCode(x, wEnc, wDec, 0), plain.get("z"), 1e-5f, "beta 0 is plain TopK");
        assertArrayEquals(expectedCode(x, wEnc, wDec, 50), aware.get("z"), 1e-5f);
        int differing = 0;
        for (int i = 0; i < ROWS * N; i++) {
            differing += (plain.get("z")[i] > 0) != (aware.get("z")[i] > 0) ? 1 : 0;
        }
        assertTrue(differing > 0, "the sensitivity changes some choices");
        // The second half of the reconstruction is the input's g itself: no loss on it.
        float[] r = aware.get("r");
        for (int i = 0; i < ROWS; i++) {
            for (int j = 0; j < D; j++) {
                assertEquals(x[i * 2 * D + D + j], r[i * 2 * D + D + j], 0f);
            }
        }
    }

    private static final int R = 3;

    /** Rows [x | g_1 .. g_R]. */
    private static float[] probeRows(long seed) {
        Random r = new Random(seed);
        float[] v = new float[ROWS * (1 + R) * D];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((i % ((1 + R) * D) < D ? 1 : 0.12) * r.nextGaussian());
        }
        return v;
    }

    /** The reference choice on rows [x | g_1 .. g_R] with s_i = sqrt(mean_k (g_k . w_i)^2). */
    private static float[] expectedProbeCode(float[] rows, double[] wEnc, double[] wDec, double beta) {
        int w = (1 + R) * D;
        return referenceCode(rows, w, wEnc, beta, (i, l) -> {
            double sq = 0;
            for (int k = 1; k <= R; k++) {
                double gw = 0;
                for (int j = 0; j < D; j++) {
                    gw += rows[i * w + k * D + j] * wDec[l * D + j];
                }
                sq += gw * gw / R;
            }
            return Math.sqrt(sq);
        });
    }

    @Test
    void probeRowsChooseByTheEstimatedSensitivityAndPassTheProbesThrough() {
        float[] x = probeRows(13);
        int w = (1 + R) * D;
        for (InputSpec spec : new InputSpec[] {InputSpec.of(1 + R, D), InputSpec.of(w)}) {
            // The declared shape [1 + R, D] gives the layout; flat rows need gradient.probes.
            int configured = spec.sampleShape().length == 2 ? -1 : R;
            Map<String, float[]> plain = new java.util.HashMap<>();
            Map<String, float[]> aware = new java.util.HashMap<>();
            for (double beta : new double[] {0, 50}) {
                TestContext ctx = TestContext.of(spec, N, false, 5);
                FamilyOutputs out = GsaeNetwork.build(new GsaeSettings(K, beta, 0, 0, 10, configured), ctx);
                Graph g = ctx.graph();
                try (GraphRunner runner = new GraphRunner()) {
                    Map<String, float[]> got = beta == 0 ? plain : aware;
                    got.putAll(runner.run(InferenceModel.builder(g).output("z", out.latent())
                            .output("r", out.reconstruction()).build(), Map.of("x", spec.sampleShape().length == 2
                            ? new GraphRunner.Input(x, ROWS, 1 + R, D) : new GraphRunner.Input(x, ROWS, w))));
                    got.put("w_enc", toFloats(g.initialValue(g.tensor(SaeBlocks.W_ENC)).toDoubles()));
                    got.put("w_dec", toFloats(g.initialValue(g.tensor(SaeBlocks.W_DEC)).toDoubles()));
                }
            }
            double[] wEnc = toDoubles(aware.get("w_enc"));
            double[] wDec = toDoubles(aware.get("w_dec"));
            assertArrayEquals(expectedProbeCode(x, wEnc, wDec, 0), plain.get("z"), 1e-5f, spec + ": beta 0");
            assertArrayEquals(expectedProbeCode(x, wEnc, wDec, 50), aware.get("z"), 1e-5f, spec.toString());
            int differing = 0;
            for (int i = 0; i < ROWS * N; i++) {
                differing += (plain.get("z")[i] > 0) != (aware.get("z")[i] > 0) ? 1 : 0;
            }
            assertTrue(differing > 0, "the probes change some choices");
            float[] r = aware.get("r");
            assertEquals(x.length, r.length);
            for (int i = 0; i < ROWS; i++) {
                for (int j = D; j < w; j++) {
                    assertEquals(x[i * w + j], r[i * w + j], 0f, "the probes come back unchanged");
                }
            }
        }
    }

    @Test
    void aProbeCountTheDataContradictsIsRefused() {
        TestContext declared = TestContext.of(InputSpec.of(1 + R, D), N, true, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GsaeNetwork.build(new GsaeSettings(K, 1, 0, 0, 10, 2), declared));
        assertTrue(e.getMessage().contains("gradient.probes=2") && e.getMessage().contains("g_3"), e.getMessage());
        TestContext flat = TestContext.of(InputSpec.of(4 * D + 1), N, true, 1);
        IllegalArgumentException w = assertThrows(IllegalArgumentException.class,
                () -> GsaeNetwork.build(new GsaeSettings(K, 1, 0, 0, 10, R), flat));
        assertTrue(w.getMessage().contains("not a multiple of 4"), w.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new GsaeSettings(K, 1, 0, 0, 10, -2))
                .getMessage().contains("gradient.probes"));
    }

    @Test
    void badWidthAndSettingsAreRefusedNamingTheProblem() {
        TestContext odd = TestContext.of(InputSpec.of(7), N, true, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GsaeNetwork.build(new GsaeSettings(K, 1, 0, 0, 10), odd));
        assertTrue(e.getMessage().contains("gradient=embedding") && e.getMessage().contains("7"), e.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new GsaeSettings(K, -1, 0, 0, 10))
                .getMessage().contains("beta"));
        TestContext few = TestContext.of(InputSpec.of(2 * D), 2, true, 1);
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> GsaeNetwork.build(new GsaeSettings(K, 1, 0, 0, 10), few)).getMessage().contains("latent.size"));
    }

    @Test
    void trainingGraphHasTheTopkMetricsAndSwapped() {
        TestContext train = TestContext.of(InputSpec.of(2 * D), N, true, 1);
        FamilyOutputs t = GsaeNetwork.build(new GsaeSettings(K, 1, 0, 0.03, 10), train);
        assertTrue(t.diagnostics().keySet().containsAll(java.util.Set.of(SaeBlocks.FIRED, SaeBlocks.SQUARED_ERROR,
                SaeBlocks.VARIANCE, SaeBlocks.DEAD, GsaeNetwork.SWAPPED)), t.diagnostics().keySet().toString());
        assertEquals(java.util.Set.of(SaeBlocks.AUX), t.lossTerms().keySet());
        assertArrayEquals(new long[] {D, N}, train.graph().tensor(SaeBlocks.W_ENC).shape().dims());
        Map<String, Object> summary = GsaeNetwork.summarize(Map.of(GsaeNetwork.SWAPPED, new double[] {1.5},
                SaeBlocks.FIRED, new double[] {0.5, 0.25, 0}));
        assertEquals(1.5, summary.get("swapped_latents"));
        assertEquals(0.75, (double) summary.get("l0"), 1e-12);
    }
}
