package org.hourglass.data.onnxactivations;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.hourglass.spi.Dataset;
import org.junit.jupiter.api.Test;

/** gradient=embedding: the sensitivity vector against finite differences, and the rows on the real MiniLM. */
class EmbeddingSensitivityTest extends MiniLmSources {

    /** The sentence embedding of {@code tokens} rows: their mean, L2-normalised (double precision). */
    private static double[] embedding(double[] hidden, int tokens, int width) {
        double[] m = new double[width];
        for (int t = 0; t < tokens; t++) {
            for (int j = 0; j < width; j++) {
                m[j] += hidden[t * width + j] / tokens;
            }
        }
        double norm = Math.sqrt(Arrays.stream(m).map(v -> v * v).sum());
        return Arrays.stream(m).map(v -> v / norm).toArray();
    }

    @Test
    void jacobianFromTheVectorMatchesFiniteDifferences() {
        Random r = new Random(7);
        int tokens = 5;
        int width = 8;
        double[] hidden = new double[tokens * width];
        float[] hiddenF = new float[hidden.length];
        for (int i = 0; i < hidden.length; i++) {
            hiddenF[i] = (float) (r.nextGaussian() + 0.3);
            hidden[i] = hiddenF[i];
        }
        float[] g = EmbeddingSensitivity.vector(hiddenF, 0, tokens, width);
        double gg = 0;
        for (float v : g) {
            gg += (double) v * v;
        }
        double gNorm = Math.sqrt(gg);
        for (int trial = 0; trial < 4; trial++) {
            int token = r.nextInt(tokens);
            double[] w = r.doubles(width).map(v -> v - 0.5).toArray();
            double gw = 0;
            for (int j = 0; j < width; j++) {
                gw += g[j] * w[j];
            }
            double eps = 1e-5;
            double[] plus = hidden.clone();
            double[] minus = hidden.clone();
            for (int j = 0; j < width; j++) {
                plus[token * width + j] += eps * w[j];
                minus[token * width + j] -= eps * w[j];
            }
            double[] ep = embedding(plus, tokens, width);
            double[] em = embedding(minus, tokens, width);
            for (int j = 0; j < width; j++) {
                // J w = |g| w - g (g.w) / |g|, whichever token moves
                double analytic = gNorm * w[j] - g[j] * gw / gNorm;
                double numeric = (ep[j] - em[j]) / (2 * eps);
                assertEquals(numeric, analytic, 1e-6 + 1e-4 * Math.abs(numeric), "component " + j);
            }
        }
        assertArrayEquals(new float[width], EmbeddingSensitivity.vector(new float[2 * width], 0, 2, width),
                "a zero mean has no embedding: zeros, not NaN");
    }

    /** A source on the model's output unless {@code extra} names another tensor. */
    @Override
    OnnxActivationsDataSource source(Map<String, Object> extra) throws Exception {
        Map<String, Object> c = new HashMap<>(Map.of("tensor", "last_hidden_state"));
        c.putAll(extra);
        return super.source(c);
    }

    @Test
    void rowsCarryTheDocumentsVectorAfterTheValues() throws Exception {
        Dataset plain = source(Map.of()).load();
        Dataset both = source(Map.of("gradient", "embedding")).load();
        int w = plain.samples().width();
        assertEquals(384, w);
        assertEquals(2 * w, both.samples().width());
        assertEquals(plain.count(), both.count());
        for (int i = 0; i < plain.count(); i++) {
            assertArrayEquals(plain.samples().row(i), Arrays.copyOf(both.samples().row(i), w));
        }
        // "A man is playing a guitar." gives several word pieces: all share one vector, not zero.
        float[] g0 = Arrays.copyOfRange(both.samples().row(0), w, 2 * w);
        float[] g1 = Arrays.copyOfRange(both.samples().row(1), w, 2 * w);
        assertArrayEquals(g0, g1);
        double norm = 0;
        for (float v : g0) {
            norm += v * v;
        }
        assertTrue(norm > 0, "the sensitivity is not zero");
        // A document of the second sentence has another vector.
        float[] last = both.samples().row(both.count() - 1);
        assertTrue(!Arrays.equals(g0, Arrays.copyOfRange(last, w, 2 * w)));
    }

    @Test
    void splicingRowsWithTheVectorKeepsTheEmbeddingAndZerosLoseIt() throws Exception {
        OnnxActivationsDataSource s = source(Map.of("gradient", "embedding"));
        int[] widths = new int[1];
        Splice.Result identity = s.splice(rows -> {
            widths[0] = rows[0].length;
            return rows;
        }, 0);
        assertEquals(768, widths[0], "the autoencoder reads [x | g]");
        assertEquals(1.0, identity.cosineSplice(), 1e-5);
        assertEquals(1.0, identity.preserved(), 1e-4);
        Splice.Result zeros = s.splice(rows -> new float[rows.length][rows[0].length], 0);
        assertEquals(0.0, zeros.preserved(), 1e-6);
    }

    @Test
    void anInnerTensorGetsOneGradientPerProbeAfterItsValues() throws Exception {
        String layer3 = OnnxActivationsDataSourceTest.LAYER3;
        Dataset plain = source(Map.of("tensor", layer3)).load();
        Dataset probed = source(Map.of("gradient", "embedding", "tensor", layer3, "gradient_probes", 3)).load();
        int w = plain.samples().width();
        assertEquals(4 * w, probed.samples().width(), "rows [x | g_1 g_2 g_3]");
        assertArrayEquals(new long[] {4, w}, probed.spec().sampleShape(), "the layout is declared for g-sae");
        assertArrayEquals(new long[] {2 * w}, source(Map.of("gradient", "embedding")).load().spec().sampleShape(),
                "the closed form on the output stays flat");
        assertEquals(plain.count(), probed.count());
        for (int i = 0; i < plain.count(); i++) {
            float[] row = probed.samples().row(i);
            assertArrayEquals(plain.samples().row(i), Arrays.copyOf(row, w));
            for (int k = 1; k <= 3; k++) {
                float[] g = Arrays.copyOfRange(row, k * w, (k + 1) * w);
                assertTrue(norm(g) > 0, "row " + i + " probe " + k + " is not zero");
                if (k > 1) {
                    assertTrue(!Arrays.equals(g, Arrays.copyOfRange(row, (k - 1) * w, k * w)), "probes differ");
                }
            }
        }
        // Through attention every token has its own gradient, unlike the closed form on the output.
        assertTrue(!Arrays.equals(Arrays.copyOfRange(probed.samples().row(0), w, 2 * w),
                Arrays.copyOfRange(probed.samples().row(1), w, 2 * w)));
        // Rows are reproducible (seeded directions): a second source computes the same values.
        Dataset again = source(Map.of("gradient", "embedding", "tensor", layer3, "gradient_probes", 3)).load();
        assertArrayEquals(probed.samples().row(3), again.samples().row(3));

        OnnxActivationsDataSource s = source(Map.of("gradient", "embedding", "tensor", layer3,
                "gradient_probes", 2));
        int[] widths = new int[1];
        Splice.Result identity = s.splice(rows -> {
            widths[0] = rows[0].length;
            return rows;
        }, 0);
        assertEquals(3 * w, widths[0], "the autoencoder reads [x | g_1 g_2]");
        assertEquals(1.0, identity.preserved(), 1e-4);
        assertEquals(0.0, s.splice(rows -> new float[rows.length][rows[0].length], 0).preserved(), 1e-6);
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> source(Map.of("gradient", "embedding", "gradient_probes", 0)));
        assertTrue(none.getMessage().contains("gradient.probes"), none.getMessage());
    }

    private static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }

    @Test
    void perTokenRowsAndKnownValuesOnly() throws Exception {
        IllegalArgumentException mean = assertThrows(IllegalArgumentException.class,
                () -> source(Map.of("gradient", "embedding", "vectors", "mean")));
        assertTrue(mean.getMessage().contains("vectors=token"), mean.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> source(Map.of("gradient", "loss")));
        assertTrue(bad.getMessage().contains("'gradient'"), bad.getMessage());
    }
}
