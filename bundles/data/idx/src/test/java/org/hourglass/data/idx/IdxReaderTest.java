package org.hourglass.data.idx;

import static org.hourglass.data.idx.IdxFiles.gzip;
import static org.hourglass.data.idx.IdxFiles.idx;
import static org.hourglass.data.idx.IdxFiles.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import org.hourglass.spi.DataException;
import org.hourglass.spi.Dataset;
import org.hourglass.spi.InputSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdxReaderTest {

    @TempDir
    Path dir;

    @Test
    void readsPlainUbyteImagesWithLabels() throws Exception {
        Path images = write(dir.resolve("img-idx3-ubyte"), idx(0x08, new int[] {3, 2, 2},
                0, 1, 2, 255, 10, 11, 12, 13, 128, 0, 0, 7));
        Path labels = write(dir.resolve("lab-idx1-ubyte"), idx(0x08, new int[] {3}, 4, 9, 200));
        Dataset d = IdxReader.read(images, labels);
        assertEquals(InputSpec.of(2, 2), d.spec());
        assertEquals(3, d.count());
        assertArrayEquals(new float[] {0, 1, 2, 255, 10, 11, 12, 13, 128, 0, 0, 7}, d.samples().values());
        assertArrayEquals(new int[] {4, 9, 200}, d.labels());
        assertTrue(d.description().contains(images.toString()), d.description());
    }

    @Test
    void readsGzippedFloatsDetectedByMagicNotName() throws Exception {
        // Named .idx, gzipped anyway; the labels are gzipped but named .gz-less too.
        Path images = write(dir.resolve("floats.idx"), gzip(idx(0x0D, new int[] {2, 3}, 0.5, -1.25, 3e6, 0, 1, -2)));
        Path labels = write(dir.resolve("labels.idx"), gzip(idx(0x08, new int[] {2}, 1, 0)));
        Dataset d = IdxReader.read(images, labels);
        assertEquals(InputSpec.of(3), d.spec());
        assertArrayEquals(new float[] {0.5f, -1.25f, 3e6f, 0, 1, -2}, d.samples().values());
        assertArrayEquals(new int[] {1, 0}, d.labels());
    }

    @Test
    void readsPlainFileNamedGz() throws Exception {
        Path images = write(dir.resolve("plain.gz"), idx(0x08, new int[] {1, 2}, 3, 4));
        assertArrayEquals(new float[] {3, 4}, IdxReader.read(images, null).samples().values());
    }

    @ParameterizedTest
    @ValueSource(ints = {0x09, 0x0B, 0x0C, 0x0D, 0x0E})
    void readsSignedAndWideTypes(int type) throws Exception {
        Path images = write(dir.resolve("t.idx"), idx(type, new int[] {2, 2}, -3, 7, 0, -128));
        Dataset d = IdxReader.read(images, null);
        assertArrayEquals(new float[] {-3, 7, 0, -128}, d.samples().values());
        assertNull(d.labels());
    }

    @Test
    void readsWideValuesExactly() throws Exception {
        Path shorts = write(dir.resolve("s.idx"), idx(0x0B, new int[] {2}, -32768, 32767));
        assertArrayEquals(new float[] {-32768, 32767}, IdxReader.read(shorts, null).samples().values());
        Path ints = write(dir.resolve("i.idx"), idx(0x0C, new int[] {2}, -70000, 1 << 20));
        assertArrayEquals(new float[] {-70000, 1 << 20}, IdxReader.read(ints, null).samples().values());
        Path doubles = write(dir.resolve("d.idx"), idx(0x0E, new int[] {1}, 0.1));
        assertArrayEquals(new float[] {0.1f}, IdxReader.read(doubles, null).samples().values());
    }

    @Test
    void rankOneIsOneFeaturePerSampleAndHigherRanksKeepTheirShape() throws Exception {
        Path flat = write(dir.resolve("flat.idx"), idx(0x08, new int[] {3}, 1, 2, 3));
        Dataset d = IdxReader.read(flat, null);
        assertEquals(InputSpec.of(1), d.spec());
        assertEquals(3, d.count());
        Path cube = write(dir.resolve("cube.idx"), idx(0x08, new int[] {1, 2, 1, 3}, 1, 2, 3, 4, 5, 6));
        assertEquals(InputSpec.of(2, 1, 3), IdxReader.read(cube, null).spec());
    }

    @Test
    void signedLabelTypesAreRead() throws Exception {
        Path images = write(dir.resolve("i.idx"), idx(0x08, new int[] {2, 1}, 0, 0));
        Path labels = write(dir.resolve("l.idx"), idx(0x0C, new int[] {2}, -1, 100000));
        assertArrayEquals(new int[] {-1, 100000}, IdxReader.read(images, labels).labels());
    }

    @Test
    void wrongMagicIsReported() throws Exception {
        Path f = write(dir.resolve("bad.idx"), new byte[] {1, 2, 8, 1, 0, 0, 0, 0});
        DataException e = assertThrows(DataException.class, () -> IdxReader.read(f, null));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("wrong magic number 0x01020801"),
                e.getMessage());
    }

    @Test
    void unknownTypeIsReported() throws Exception {
        Path f = write(dir.resolve("bad.idx"), new byte[] {0, 0, 0x0A, 1, 0, 0, 0, 0});
        DataException e = assertThrows(DataException.class, () -> IdxReader.read(f, null));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("unknown IDX element type 0x0a"),
                e.getMessage());
    }

    @Test
    void truncatedDataSaysExpectedAndActualBytes() throws Exception {
        byte[] full = idx(0x0D, new int[] {2, 3}, 1, 2, 3, 4, 5, 6);
        Path f = write(dir.resolve("short.idx"), Arrays.copyOf(full, full.length - 5));
        DataException e = assertThrows(DataException.class, () -> IdxReader.read(f, null));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("truncated")
                && e.getMessage().contains("need 24 bytes") && e.getMessage().contains("found 19"), e.getMessage());
    }

    @Test
    void truncatedGzippedDataSaysExpectedAndActualBytes() throws Exception {
        byte[] full = idx(0x08, new int[] {4, 4}, new double[16]);
        Path f = write(dir.resolve("short.gz"), gzip(Arrays.copyOf(full, full.length - 1)));
        DataException e = assertThrows(DataException.class, () -> IdxReader.read(f, null));
        assertTrue(e.getMessage().contains("need 16 bytes") && e.getMessage().contains("found 15"), e.getMessage());
    }

    @Test
    void truncatedHeaderIsReported() throws Exception {
        Path f = write(dir.resolve("h.idx"), new byte[] {0, 0, 8, 3, 0, 0, 0, 1});
        DataException e = assertThrows(DataException.class, () -> IdxReader.read(f, null));
        assertTrue(e.getMessage().contains("truncated IDX header: expected 16 bytes for rank 3, found 8"),
                e.getMessage());
    }

    @Test
    void trailingBytesAreReported() throws Exception {
        byte[] full = idx(0x08, new int[] {2}, 1, 2);
        Path f = write(dir.resolve("long.idx"), Arrays.copyOf(full, full.length + 3));
        DataException e = assertThrows(DataException.class, () -> IdxReader.read(f, null));
        assertTrue(e.getMessage().contains("trailing bytes") && e.getMessage().contains("found 5"), e.getMessage());
    }

    @Test
    void corruptGzipIsReported() throws Exception {
        byte[] gz = gzip(idx(0x08, new int[] {100}, new double[100]));
        Path f = write(dir.resolve("cut.gz"), Arrays.copyOf(gz, gz.length / 2));
        DataException e = assertThrows(DataException.class, () -> IdxReader.read(f, null));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("gzip"), e.getMessage());
    }

    @Test
    void labelCountMismatchIsReported() throws Exception {
        Path images = write(dir.resolve("i.idx"), idx(0x08, new int[] {3, 1}, 1, 2, 3));
        Path labels = write(dir.resolve("l.idx"), idx(0x08, new int[] {2}, 0, 1));
        DataException e = assertThrows(DataException.class, () -> IdxReader.read(images, labels));
        assertTrue(e.getMessage().contains(labels + ": 2 labels, but " + images + " has 3 samples"), e.getMessage());
    }

    @Test
    void labelsMustBeOneDimensionalIntegers() throws Exception {
        Path images = write(dir.resolve("i.idx"), idx(0x08, new int[] {2, 1}, 1, 2));
        Path floats = write(dir.resolve("f.idx"), idx(0x0D, new int[] {2}, 0, 1));
        DataException e = assertThrows(DataException.class, () -> IdxReader.read(images, floats));
        assertTrue(e.getMessage().contains("labels must be of an integer type, are float"), e.getMessage());
        Path matrix = write(dir.resolve("m.idx"), idx(0x08, new int[] {2, 1}, 0, 1));
        e = assertThrows(DataException.class, () -> IdxReader.read(images, matrix));
        assertTrue(e.getMessage().contains("must have 1 dimension, has 2"), e.getMessage());
    }

    @Test
    void nonFiniteValuesAreRejectedWithTheirPosition() throws Exception {
        Path f = write(dir.resolve("nan.idx"), idx(0x0D, new int[] {2, 2}, 1, 2, Double.NaN, 4));
        DataException e = assertThrows(DataException.class, () -> IdxReader.read(f, null));
        assertTrue(e.getMessage().contains(f + ": non-finite value NaN at element 2 (byte offset 20"),
                e.getMessage());
        Path big = write(dir.resolve("big.idx"), idx(0x0E, new int[] {1}, 1e300));
        e = assertThrows(DataException.class, () -> IdxReader.read(big, null));
        assertTrue(e.getMessage().contains("out of float range at element 0"), e.getMessage());
        Path inf = write(dir.resolve("inf.idx"), idx(0x0E, new int[] {1}, Double.NEGATIVE_INFINITY));
        e = assertThrows(DataException.class, () -> IdxReader.read(inf, null));
        assertTrue(e.getMessage().contains("non-finite value -Infinity"), e.getMessage());
    }

    @Test
    void emptyAndZeroSizedFilesAreReported() throws Exception {
        Path none = write(dir.resolve("none.idx"), idx(0x08, new int[] {0, 4}));
        assertTrue(assertThrows(DataException.class, () -> IdxReader.read(none, null)).getMessage()
                .contains("contains no samples"));
        Path zero = write(dir.resolve("zero.idx"), idx(0x08, new int[] {2, 0}));
        assertTrue(assertThrows(DataException.class, () -> IdxReader.read(zero, null)).getMessage()
                .contains("has a zero dimension"));
        Path empty = write(dir.resolve("empty.idx"), new byte[0]);
        assertTrue(assertThrows(DataException.class, () -> IdxReader.read(empty, null)).getMessage()
                .contains("expected at least 4 bytes, found 0"));
    }

    @Test
    void missingFileIsReported() {
        Path f = dir.resolve("nope.idx");
        DataException e = assertThrows(DataException.class, () -> IdxReader.read(f, null));
        assertEquals(f + ": file not found", e.getMessage());
    }
}
