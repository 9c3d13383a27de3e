package org.hourglass.data.onnxactivations;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.hourglass.data.npy.NpyReader;
import org.hourglass.spi.DataException;
import org.hourglass.spi.Dataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Corpus cutting and the .npy cache files, without a model. */
class CorpusAndCacheTest {

    @TempDir
    Path dir;

    @Test
    void linesAndParagraphs() throws Exception {
        Path f = Files.writeString(dir.resolve("c.txt"), "  One line.\r\nTwo\nlines.\n\n \nThird.");
        assertEquals(List.of("One line.", "Two", "lines.", "Third."),
                Corpus.read(List.of(f), Corpus.Split.LINES).documents());
        assertEquals(List.of("One line. Two lines.", "Third."),
                Corpus.read(List.of(f), Corpus.Split.PARAGRAPHS).documents());
    }

    @Test
    void corpusKeyFollowsContentAndSplit() throws Exception {
        Path f = Files.writeString(dir.resolve("c.txt"), "a\nb\n");
        String lines = Corpus.read(List.of(f), Corpus.Split.LINES).sha();
        assertEquals(lines, Corpus.read(List.of(f), Corpus.Split.LINES).sha());
        assertNotEquals(lines, Corpus.read(List.of(f), Corpus.Split.PARAGRAPHS).sha());
        Files.writeString(f, "a\nc\n");
        assertNotEquals(lines, Corpus.read(List.of(f), Corpus.Split.LINES).sha());
    }

    @Test
    void badCorpusFilesAreNamed() throws Exception {
        Path latin1 = Files.write(dir.resolve("latin1.txt"), new byte[] {'c', 'a', 'f', (byte) 0xE9, '\n'});
        DataException e = assertThrows(DataException.class, () -> Corpus.read(List.of(latin1), Corpus.Split.LINES));
        assertTrue(e.getMessage().contains("latin1.txt") && e.getMessage().contains("UTF-8"), e.getMessage());
        Path blank = Files.writeString(dir.resolve("blank.txt"), "\n  \n");
        DataException b = assertThrows(DataException.class, () -> Corpus.read(List.of(blank), Corpus.Split.LINES));
        assertTrue(b.getMessage().contains("no text"), b.getMessage());
        IllegalArgumentException s = assertThrows(IllegalArgumentException.class, () -> Corpus.Split.parse("pages"));
        assertTrue(s.getMessage().contains("documents"), s.getMessage());
    }

    @Test
    void cacheFilesAreNpyFilesAndBrokenOnesCountAsAbsent() throws Exception {
        Path f = dir.resolve("sub/acts.npy");
        float[] values = {1, -2.5f, 3, 4e-3f, 5, 6};
        NpyCache.write(f, values, 3, 2);
        NpyCache.Matrix m = NpyCache.read(f);
        assertEquals(3, m.rows());
        assertEquals(2, m.width());
        assertArrayEquals(values, m.values());
        Dataset d = NpyReader.read(f, null);
        assertArrayEquals(new long[] {2}, d.spec().sampleShape());
        assertArrayEquals(values, d.samples().values());
        assertEquals(0, (Files.size(f) - values.length * 4) % 64, "header padded to 64 bytes");
        try (var s = Files.list(f.getParent())) {
            assertEquals(1, s.count(), "no temporary file left");
        }

        byte[] bytes = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(bytes, bytes.length - 4));
        assertNull(NpyCache.read(f), "a truncated cache is recomputed");
        Files.writeString(f, "not npy");
        assertNull(NpyCache.read(f));
        assertNull(NpyCache.read(dir.resolve("missing.npy")));
    }
}
