package org.hourglass.data.onnxactivations;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.hourglass.spi.DataException;
import org.hourglass.spi.Dataset;
import org.junit.jupiter.api.Test;

/**
 * The per-epoch downstream metric ({@code DataSource.downstream}) and the transcoder splice, on the real
 * all-MiniLM-L6-v2.
 */
class DownstreamMetricTest extends MiniLmSources {

    private static final String MLP_IN = "/encoder/layer.1/attention/output/LayerNorm/Add_1_output_0";
    private static final String MLP_OUT = "/encoder/layer.1/output/dense/Add_output_0";
    private static final int D = 384;

    /** Every value times {@code factor}, from column {@code from} on. */
    private static UnaryOperator<float[][]> scaled(float factor, int from) {
        return rows -> {
            float[][] out = new float[rows.length][];
            for (int i = 0; i < rows.length; i++) {
                out[i] = rows[i].clone();
                for (int j = from; j < out[i].length; j++) {
                    out[i][j] *= factor;
                }
            }
            return out;
        };
    }

    @Test
    void downstreamFiguresAreTheSpliceOfTheFirstDocuments() throws Exception {
        OnnxActivationsDataSource source = source(Map.of("downstream_documents", 3));
        UnaryOperator<float[][]> half = scaled(0.5f, 0);
        Map<String, Double> figures = source.downstream(half);
        Splice.Result spliced = source.splice(half, 3);
        assertEquals(3, spliced.documents());
        assertEquals(List.of("downstream_cosine", "downstream_cosine_zero", "downstream_preserved"),
                List.copyOf(figures.keySet()));
        assertEquals(spliced.cosineSplice(), figures.get("downstream_cosine"), 1e-12);
        assertEquals(spliced.cosineZero(), figures.get("downstream_cosine_zero"), 1e-12);
        assertEquals(spliced.preserved(), figures.get("downstream_preserved"), 1e-12);
        double p = figures.get("downstream_preserved");
        assertTrue(p > 0 && p < 1, "half-scaled rows lie between the rows and zero: " + figures);
        // Over the whole corpus (6 documents) the figure differs: the option's count is the one used.
        assertTrue(Math.abs(source.splice(half, 0).cosineSplice() - figures.get("downstream_cosine")) > 1e-6);

        Map<String, Double> identity = source.downstream(rows -> rows);
        assertEquals(1.0, identity.get("downstream_cosine"), 1e-5);
        assertEquals(1.0, identity.get("downstream_preserved"), 1e-4);
    }

    @Test
    void noDownstreamMetricWhenSwitchedOffOrWithoutTokenPositions() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        UnaryOperator<float[][]> counting = rows -> {
            calls.incrementAndGet();
            return rows;
        };
        assertEquals(Map.of(), source(Map.of("downstream_documents", 0)).downstream(counting));
        assertEquals(Map.of(), source(Map.of("vectors", "mean")).downstream(counting));
        assertEquals(0, calls.get(), "no reconstruction asked for");
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> source(Map.of("downstream_documents", -1)));
        assertTrue(negative.getMessage().contains("downstream.documents"), negative.getMessage());
        // The default measures 32 documents, here the corpus's 6.
        assertEquals(1.0, source(Map.of()).downstream(counting).get("downstream_preserved"), 1e-4);
        assertEquals(1, calls.get(), "one batch of 6 documents");
    }

    @Test
    void transcoderSpliceReplacesTheTargetByThePredictionFromTheSource() throws Exception {
        OnnxActivationsDataSource transcoder = source(Map.of("tensor", MLP_IN, "target_tensor", MLP_OUT,
                "downstream_documents", 4));
        Dataset rows = transcoder.load();
        // The rows handed to the transcoder are the source's own [input | target] rows of those documents.
        float[][][] seen = new float[1][][];
        Splice.Result identity = transcoder.splice(x -> {
            seen[0] = x;
            return x;
        }, 4);
        assertEquals(identity.tokens(), seen[0].length);
        for (int r = 0; r < seen[0].length; r++) {
            assertArrayEquals(rows.samples().row(r), seen[0][r], 1e-4f, "row " + r);
        }
        // Predicting the true target changes nothing.
        assertEquals(1.0, identity.cosineSplice(), 1e-5);
        assertEquals(1.0, identity.preserved(), 1e-4);
        assertTrue(identity.cosineZero() < 0.99, "deleting block 1's MLP output changes the embedding: "
                + identity.cosineZero());

        // A prediction of 0 is zero-ablation of the target, whatever the input half holds.
        Splice.Result zero = transcoder.splice(x -> {
            float[][] out = scaled(0f, D).apply(x);
            for (float[] row : out) {
                Arrays.fill(row, 0, D, 42f);
            }
            return out;
        }, 4);
        assertEquals(zero.cosineZero(), zero.cosineSplice(), 1e-6);
        assertEquals(0.0, zero.preserved(), 1e-5);

        // The target replaced by half of itself: the same as splicing the target tensor's own rows halved.
        Map<String, Double> transcoded = transcoder.downstream(scaled(0.5f, D));
        Splice.Result plain = source(Map.of("tensor", MLP_OUT)).splice(scaled(0.5f, 0), 4);
        assertEquals(plain.cosineSplice(), transcoded.get("downstream_cosine"), 1e-6);
        assertEquals(plain.cosineZero(), transcoded.get("downstream_cosine_zero"), 1e-6);
        assertEquals(plain.preserved(), transcoded.get("downstream_preserved"), 1e-5);
        assertTrue(plain.preserved() > 0 && plain.preserved() < 1, plain.toString());
    }

    @Test
    void transcoderWhoseSourceComesAfterItsTargetIsRefused() throws Exception {
        OnnxActivationsDataSource backwards = source(Map.of("tensor", MLP_OUT, "target_tensor", MLP_IN));
        DataException e = assertThrows(DataException.class, () -> backwards.splice(x -> x, 2));
        assertTrue(e.getMessage().contains("must lie before") && e.getMessage().contains(MLP_IN), e.getMessage());
    }

    @Test
    void modelFilesAreReadOnceUntilTheyChange() throws Exception {
        Path model = Files.write(dir.resolve("m.onnx"), new byte[] {1, 2, 3});
        Files.writeString(dir.resolve("vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n");
        ModelFiles first = ModelFiles.read(model, null, (a, f) -> f);
        assertTrue(first == ModelFiles.read(model, null, (a, f) -> f), "the same files are not read again");
        Files.write(model, new byte[] {4, 5, 6, 7});
        Files.setLastModifiedTime(model, java.nio.file.attribute.FileTime.fromMillis(
                Files.getLastModifiedTime(model).toMillis() + 2000));
        ModelFiles edited = ModelFiles.read(model, null, (a, f) -> f);
        assertArrayEquals(new byte[] {4, 5, 6, 7}, edited.model());
        assertTrue(!edited.modelSha().equals(first.modelSha()));
        // The data path policy still vets every read.
        assertThrows(DataException.class, () -> ModelFiles.read(model, null, (a, f) -> {
            throw new DataException("attribute '" + a + "' outside the data directories");
        }));
    }
}
