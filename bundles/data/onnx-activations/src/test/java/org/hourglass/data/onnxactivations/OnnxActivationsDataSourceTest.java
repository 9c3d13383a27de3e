package org.hourglass.data.onnxactivations;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.hourglass.data.npy.NpyReader;
import org.hourglass.data.paths.DataPaths;
import org.hourglass.spi.DataException;
import org.hourglass.spi.Dataset;
import org.junit.jupiter.api.Test;

/** The data source on the real all-MiniLM-L6-v2 and a real executor. */
class OnnxActivationsDataSourceTest extends MiniLmSources {

    static final String LAYER3 = "/encoder/layer.3/output/LayerNorm/Add_1_output_0";
    static final String MLP1 = "/encoder/layer.1/intermediate/intermediate_act_fn/Mul_1_output_0";

    private static int tokens(String s) {
        return WordPieceTokenizerTest.tokenizer == null
                ? WordPieceTokenizer.read("t", MiniLm.tokenizerJson().getBytes()).wordPieces(s).size()
                : WordPieceTokenizerTest.tokenizer.wordPieces(s).size();
    }

    @Test
    void perTokenRowsOfTheDefaultTensorAreCached() throws Exception {
        Path cache = dir.resolve("cache");
        Dataset d = source(Map.of("cache_dir", cache.toString())).load();
        int expected = SENTENCES.stream().mapToInt(OnnxActivationsDataSourceTest::tokens).sum();
        assertEquals(expected, d.count(), "one row per word piece, no [CLS]/[SEP]");
        assertArrayEquals(new long[] {384}, d.spec().sampleShape());
        List<Path> files;
        try (Stream<Path> s = Files.list(cache)) {
            files = s.toList();
        }
        assertEquals(1, files.size(), files.toString());
        // The npy data source reads the cache file back to the same rows.
        assertArrayEquals(d.samples().values(), NpyReader.read(files.get(0), null).samples().values());
        Dataset again = source(Map.of("cache_dir", cache.toString())).load();
        assertTrue(again.description().contains("cached"), again.description());
        assertArrayEquals(d.samples().values(), again.samples().values());
        // Another tensor has another key: a second file, rows of the MLP width.
        Dataset mlp = source(Map.of("cache_dir", cache.toString(), "tensor", MLP1)).load();
        assertArrayEquals(new long[] {1536}, mlp.spec().sampleShape());
        try (Stream<Path> s = Files.list(cache)) {
            assertEquals(2, s.count());
        }
    }

    @Test
    void targetTensorPairsEachTokensInputAndTargetRows() throws Exception {
        String mlpIn = "/encoder/layer.1/attention/output/LayerNorm/Add_1_output_0";
        String mlpOut = "/encoder/layer.1/output/dense/Add_output_0";
        Dataset in = source(Map.of("tensor", mlpIn)).load();
        Dataset out = source(Map.of("tensor", mlpOut)).load();
        Path cache = dir.resolve("cache");
        Dataset pairs = source(Map.of("tensor", mlpIn, "target_tensor", mlpOut, "cache_dir", cache.toString()))
                .load();
        assertArrayEquals(new long[] {768}, pairs.spec().sampleShape(), "rows [input | target], 2 x 384");
        assertEquals(in.count(), pairs.count());
        for (int r = 0; r < pairs.count(); r++) {
            float[] row = pairs.samples().row(r);
            assertArrayEquals(in.samples().row(r), java.util.Arrays.copyOfRange(row, 0, 384), "input of row " + r);
            assertArrayEquals(out.samples().row(r), java.util.Arrays.copyOfRange(row, 384, 768), "target of " + r);
        }
        assertTrue(pairs.description().contains("target " + mlpOut), pairs.description());
        Dataset cached = source(Map.of("tensor", mlpIn, "target_tensor", mlpOut, "cache_dir", cache.toString()))
                .load();
        assertTrue(cached.description().contains("cached"), cached.description());
        assertArrayEquals(pairs.samples().values(), cached.samples().values());
        // Another width (the MLP hidden layer) is refused by name, as are options that change the rows' layout.
        DataException wide = assertThrows(DataException.class,
                () -> source(Map.of("tensor", mlpIn, "target_tensor", MLP1)).load());
        assertTrue(wide.getMessage().contains("target.tensor") && wide.getMessage().contains("1536"),
                wide.getMessage());
        IllegalArgumentException mean = assertThrows(IllegalArgumentException.class,
                () -> source(Map.of("target_tensor", mlpOut, "vectors", "mean")));
        assertTrue(mean.getMessage().contains("target.tensor"), mean.getMessage());
        IllegalArgumentException same = assertThrows(IllegalArgumentException.class,
                () -> source(Map.of("tensor", mlpOut, "target_tensor", mlpOut)));
        assertTrue(same.getMessage().contains("same tensor"), same.getMessage());
    }

    @Test
    void specialTokensAddTwoRowsPerDocument() throws Exception {
        int without = source(Map.of()).load().count();
        assertEquals(without + 2 * SENTENCES.size(), source(Map.of("special_tokens", true)).load().count());
    }

    @Test
    void meanPooledLastLayerIsASentenceEmbedding() throws Exception {
        Dataset d = source(Map.of("tensor", "last_hidden_state", "vectors", "mean")).load();
        assertEquals(SENTENCES.size(), d.count());
        double guitars = cosine(d.samples().row(0), d.samples().row(1));
        double markets = cosine(d.samples().row(2), d.samples().row(3));
        double unrelated = cosine(d.samples().row(0), d.samples().row(2));
        assertTrue(guitars > unrelated + 0.3, "guitar pair " + guitars + " vs unrelated " + unrelated);
        assertTrue(markets > unrelated + 0.3, "market pair " + markets + " vs unrelated " + unrelated);
    }

    @Test
    void paddingInABatchDoesNotChangeADocumentsRows() throws Exception {
        Dataset all = source(Map.of()).load();
        Path one = Files.writeString(dir.resolve("one.txt"), SENTENCES.get(2) + "\n");
        Dataset alone = source(Map.of("corpus", new String[] {one.toString()})).load();
        int before = tokens(SENTENCES.get(0)) + tokens(SENTENCES.get(1));
        float[] a = all.samples().values();
        float[] b = alone.samples().values();
        for (int i = 0; i < b.length; i++) {
            assertEquals(b[i], a[before * 384 + i], 2e-4, "value " + i);
        }
    }

    @Test
    void optionsApplyToRows() throws Exception {
        Dataset all = source(Map.of()).load();
        Dataset first = source(Map.of("shuffle", true, "seed", 3L, "split_part", "first", "split_fraction", 0.5))
                .load();
        assertEquals(Math.round(all.count() * 0.5), first.count());
        assertEquals(7, source(Map.of("limit", 7)).load().count());
        assertNotEquals(all.samples().row(0)[0], first.samples().row(0)[0]);
    }

    @Test
    void paragraphsAreDocuments() throws Exception {
        Path p = Files.writeString(dir.resolve("p.txt"), "First line\nof one paragraph.\n\n\nSecond one.\n");
        Dataset d = source(Map.of("corpus", new String[] {p.toString()}, "vectors", "mean",
                "documents", "paragraphs")).load();
        assertEquals(2, d.count());
    }

    @Test
    void unknownTensorIsNamedWithSimilarNames() throws Exception {
        DataException e = assertThrows(DataException.class,
                () -> source(Map.of("tensor", "/encoder/layer.3/output/LayerNorm/Add_1_output")).load());
        assertTrue(e.getMessage().contains("no tensor '/encoder/layer.3/output/LayerNorm/Add_1_output'"),
                e.getMessage());
        assertTrue(e.getMessage().contains(LAYER3), e.getMessage());
    }

    @Test
    void filesOutsideTheDataDirectoriesAreRefused() throws Exception {
        Path inside = Files.createDirectory(dir.resolve("data"));
        DataPaths restricted = DataPaths.of(k -> k.equals(DataPaths.DIRS) ? inside.toString() : null);
        DataException e = assertThrows(DataException.class, () -> source(Map.of(), restricted).load());
        assertTrue(e.getMessage().contains("outside the data directories"), e.getMessage());
    }

    @Test
    void theDefaultModelIsReadWhateverTheDataDirectories() throws Exception {
        // The runtime restricts data files to its data directories; the default model lives in the local Maven
        // repository, a place the configuration cannot change, so it is exempt (configured files are not).
        Path inside = Files.createDirectory(dir.resolve("data"));
        Path text = Files.writeString(inside.resolve("corpus.txt"), String.join("\n", SENTENCES) + "\n");
        assertTrue(Files.isRegularFile(ModelFiles.defaultModel()), "the build fetched " + ModelFiles.defaultModel());
        DataPaths restricted = DataPaths.of(k -> k.equals(DataPaths.DIRS) ? inside.toString() : null);
        Dataset rows = source(Map.of("model", "", "corpus", new String[] {text.toString()}), restricted).load();
        assertEquals(384, rows.samples().width());
        assertTrue(rows.count() > 0);
    }

    @Test
    void badSettingsAreNamed() {
        for (Map.Entry<String, Object> bad : List.<Map.Entry<String, Object>>of(Map.entry("vectors", "max"),
                Map.entry("max_tokens", 2), Map.entry("documents", "pages"), Map.entry("tensor", " "))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> source(Map.of(bad.getKey(), bad.getValue())), bad.toString());
            assertTrue(e.getMessage().contains(bad.getKey().replace('_', '.')), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> source(Map.of("corpus", new String[0])));
    }

    @Test
    void missingFilesAreNamed() throws Exception {
        DataException e = assertThrows(DataException.class,
                () -> source(Map.of("model", dir.resolve("nope.onnx").toString())).load());
        assertTrue(e.getMessage().contains("nope.onnx"), e.getMessage());
        DataException c = assertThrows(DataException.class,
                () -> source(Map.of("corpus", new String[] {dir.resolve("none.txt").toString()})).load());
        assertTrue(c.getMessage().contains("none.txt"), c.getMessage());
    }

    @Test
    void tappingAnEarlyLayerDropsTheLayersAfterIt() {
        ModelFiles.ModelBytes m = ModelFiles.modelOnly(MiniLm.jar());
        ai.onnx.proto.OnnxMl.ModelProto full = TensorTap.parse(m.where(), m.bytes());
        ai.onnx.proto.OnnxMl.ModelProto tapped = TensorTap.tap(full, List.of(LAYER3));
        assertEquals(List.of(LAYER3), tapped.getGraph().getOutputList().stream().map(v -> v.getName()).toList());
        assertTrue(tapped.getGraph().getNodeList().stream().noneMatch(n -> n.getName().contains("layer.4")
                || n.getName().contains("layer.5")), "no node after block 3");
        assertTrue(tapped.getGraph().getNodeList().stream().anyMatch(n -> n.getName().contains("layer.3")));
        // Blocks 4 and 5 hold about a sixth of the weights each (the embeddings hold the rest of the bulk).
        assertTrue(tapped.getSerializedSize() < 0.85 * full.getSerializedSize(),
                tapped.getSerializedSize() + " of " + full.getSerializedSize() + " bytes");
        ai.onnx.proto.OnnxMl.ModelProto spliced = TensorTap.splice(full, LAYER3, "last_hidden_state");
        assertTrue(spliced.getGraph().getNodeList().stream().noneMatch(n -> n.getOutputList().contains(LAYER3)),
                "the spliced tensor is no longer computed");
        assertTrue(spliced.getGraph().getInputList().stream().anyMatch(v -> v.getName()
                .equals(TensorTap.SPLICE_INPUT)));
    }

    @Test
    void defaultModelIsTheArtifactTheTestsUse() {
        assertEquals(MiniLm.jar().getFileName(), ModelFiles.defaultModel().getFileName());
    }

    @Test
    void tensorListingNamesTheTensorsToTapWithTheirShapes() {
        String all = TensorsCommand.list(runner.executor(), MiniLm.jar(), "");
        assertTrue(all.contains(LAYER3) && all.contains("last_hidden_state"), all.substring(0, 500));
        String layer3 = TensorsCommand.list(runner.executor(), MiniLm.jar(), "layer.3/output/LayerNorm/Add_1");
        assertFalse(layer3.contains("layer.2"), layer3);
        // "Hello world." is [CLS] hello world . [SEP]: 5 tokens.
        assertTrue(layer3.lines().anyMatch(l -> l.startsWith(LAYER3) && l.contains("float") && l.endsWith("[1, 5, 384]")),
                layer3);
        String mlp = TensorsCommand.list(runner.executor(), MiniLm.jar(), "layer.1/intermediate/intermediate_act_fn/Mul_1");
        assertTrue(mlp.lines().anyMatch(l -> l.startsWith(MLP1) && l.endsWith("[1, 5, 1536]")), mlp);
        assertTrue(mlp.contains("1 of 491 tensors"), mlp);
    }

    @Test
    void spliceOfTheRowsThemselvesPreservesTheEmbeddingAndZerosDoNot() throws Exception {
        OnnxActivationsDataSource source = source(Map.of());
        Splice.Result identity = source.splice(rows -> rows, 0);
        int tokens = SENTENCES.stream().mapToInt(OnnxActivationsDataSourceTest::tokens).sum();
        assertEquals(SENTENCES.size(), identity.documents());
        assertEquals(tokens, identity.tokens(), "every non-special token is replaced");
        assertEquals(1.0, identity.cosineSplice(), 1e-5);
        assertEquals(1.0, identity.preserved(), 1e-4);
        assertTrue(identity.cosineZero() < 0.95, "deleting block 3's output changes the embedding: "
                + identity.cosineZero());

        Splice.Result zeros = source.splice(rows -> new float[rows.length][rows[0].length], 2);
        assertEquals(2, zeros.documents());
        assertEquals(zeros.cosineZero(), zeros.cosineSplice(), 1e-6);
        assertEquals(0.0, zeros.preserved(), 1e-5);

        // Half-way between the rows and zero: in between.
        Splice.Result half = source.splice(rows -> {
            float[][] out = new float[rows.length][];
            for (int i = 0; i < rows.length; i++) {
                out[i] = rows[i].clone();
                for (int j = 0; j < out[i].length; j++) {
                    out[i][j] *= 0.5f;
                }
            }
            return out;
        }, 0);
        assertTrue(half.preserved() > 0 && half.preserved() < 1, half.toString());
        assertThrows(DataException.class, () -> source(Map.of("vectors", "mean")).splice(rows -> rows, 0));
    }

    static double cosine(float[] a, float[] b) {
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += a[i] * b[i];
            aa += a[i] * a[i];
            bb += b[i] * b[i];
        }
        return ab / Math.sqrt(aa * bb);
    }
}
