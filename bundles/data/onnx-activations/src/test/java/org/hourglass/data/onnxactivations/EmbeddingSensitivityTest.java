package org.hourglass.data.onnxactivations;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.hourglass.data.paths.DataPaths;
import org.hourglass.spi.DataException;
import org.hourglass.spi.Dataset;
import org.hourglass.testing.Configs;
import org.hourglass.testing.GraphRunner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** gradient=embedding: the sensitivity vector against finite differences, and the rows on the real MiniLM. */
class EmbeddingSensitivityTest {

    static GraphRunner runner;

    @TempDir
    Path dir;

    @BeforeAll
    static void executor() {
        runner = new GraphRunner();
    }

    @AfterAll
    static void close() {
        runner.close();
    }

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

    private OnnxActivationsDataSource source(Map<String, Object> extra) throws Exception {
        Path corpus = Files.writeString(dir.resolve("corpus.txt"),
                String.join("\n", OnnxActivationsDataSourceTest.SENTENCES) + "\n");
        Map<String, Object> c = new HashMap<>(Map.of("hourglass_name", "minilm", "model", MiniLm.jar().toString(),
                "corpus", new String[] {corpus.toString()}, "tensor", "last_hidden_state"));
        c.putAll(extra);
        return new OnnxActivationsDataSource(Configs.of(OnnxActivationsDataSource.Config.class, c),
                runner.executor(), DataPaths.unrestricted());
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
    void onlyTheOutputTheEmbeddingIsPooledFromAndPerTokenRows() throws Exception {
        DataException e = assertThrows(DataException.class, () -> source(Map.of("gradient", "embedding",
                "tensor", OnnxActivationsDataSourceTest.LAYER3)).load());
        assertTrue(e.getMessage().contains("last_hidden_state") && e.getMessage().contains("gradient=embedding"),
                e.getMessage());
        IllegalArgumentException mean = assertThrows(IllegalArgumentException.class,
                () -> source(Map.of("gradient", "embedding", "vectors", "mean")));
        assertTrue(mean.getMessage().contains("vectors=token"), mean.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> source(Map.of("gradient", "loss")));
        assertTrue(bad.getMessage().contains("'gradient'"), bad.getMessage());
    }
}
