package org.hourglass.data.npy;

import static org.hourglass.data.npy.NpyFiles.encode;
import static org.hourglass.data.npy.NpyFiles.header;
import static org.hourglass.data.npy.NpyFiles.npy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.hourglass.spi.DataException;
import org.hourglass.spi.Dataset;
import org.hourglass.spi.InputSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NpyReaderTest {

    @TempDir
    Path dir;

    private Path write(String name, byte[] bytes) throws Exception {
        return Files.write(dir.resolve(name), bytes);
    }

    private static void assertFails(Path data, Path labels, String... parts) {
        DataException e = assertThrows(DataException.class, () -> NpyReader.read(data, labels));
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' not in: " + e.getMessage());
        }
    }

    @Test
    void readsVersion1FloatsWithLabels() throws Exception {
        Path data = write("x.npy", npy("<f4", "(3, 2)", 1.5, -2, 0, 1e-3, 7, 8));
        Path labels = write("y.npy", npy("<i8", "(3,)", 2, 0, 9));
        Dataset d = NpyReader.read(data, labels);
        assertEquals(InputSpec.of(2), d.spec());
        assertArrayEquals(new float[] {1.5f, -2, 0, 1e-3f, 7, 8}, d.samples().values());
        assertArrayEquals(new int[] {2, 0, 9}, d.labels());
        assertTrue(d.description().contains(data.toString()), d.description());
    }

    @Test
    void readsVersion2DoublesOfHigherRank() throws Exception {
        Path data = write("x.npy", npy(2, header("<f8", "(2, 1, 2)"), encode("<f8", 0.25, 1, 2, 3)));
        Dataset d = NpyReader.read(data, null);
        assertEquals(InputSpec.of(1, 2), d.spec());
        assertArrayEquals(new float[] {0.25f, 1, 2, 3}, d.samples().values());
        assertNull(d.labels());
    }

    @Test
    void readsVersion3WithUtf8Header() throws Exception {
        // Version 3.0 only changes the header encoding; an extra key with non-ASCII text must not matter.
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), 'note': 'größe'}";
        Path data = write("x.npy", npy(3, dict, encode("<f4", 3, 4)));
        assertArrayEquals(new float[] {3, 4}, NpyReader.read(data, null).samples().values());
    }

    @Test
    void readsBigEndian() throws Exception {
        Path f4 = write("f4.npy", npy(">f4", "(2, 2)", 1, -2, 3.5, 4));
        assertArrayEquals(new float[] {1, -2, 3.5f, 4}, NpyReader.read(f4, null).samples().values());
        Path f8 = write("f8.npy", npy(">f8", "(1, 3)", 1e-7, 2, -3));
        assertArrayEquals(new float[] {1e-7f, 2, -3}, NpyReader.read(f8, null).samples().values());
        Path i4 = write("i4.npy", npy(">i4", "(2,)", 5, 6));
        assertArrayEquals(new int[] {5, 6}, NpyReader.readLabels(i4));
    }

    @ParameterizedTest
    @ValueSource(strings = {"<i4", "<i8", "|i1", "<i2", ">i8"})
    void readsSignedIntegerData(String dtype) throws Exception {
        Path data = write("x.npy", npy(dtype, "(2, 2)", -1, 0, 100, -128));
        assertArrayEquals(new float[] {-1, 0, 100, -128}, NpyReader.read(data, null).samples().values());
    }

    @Test
    void readsUnsignedAndBoolData() throws Exception {
        Path u1 = write("u1.npy", npy("|u1", "(1, 3)", 0, 128, 255));
        assertArrayEquals(new float[] {0, 128, 255}, NpyReader.read(u1, null).samples().values());
        Path b1 = write("b1.npy", npy("|b1", "(1, 2)", 1, 0));
        assertArrayEquals(new float[] {1, 0}, NpyReader.read(b1, null).samples().values());
        Path u4 = write("u4.npy", npy(1, header("<u4", "(1, 1)"), new byte[] {-1, -1, -1, -1}));
        assertArrayEquals(new float[] {4294967295f}, NpyReader.read(u4, null).samples().values());
    }

    @Test
    void oneDimensionalArrayIsOneFeaturePerSample() throws Exception {
        Path data = write("x.npy", npy("<f4", "(3,)", 1, 2, 3));
        Dataset d = NpyReader.read(data, null);
        assertEquals(InputSpec.of(1), d.spec());
        assertEquals(3, d.count());
    }

    @Test
    void headerVariantsParse() throws Exception {
        // Double quotes, key order, no trailing comma, Python 2 long suffix, column labels (N, 1).
        String dict = "{\"shape\": (2L, 1L), \"fortran_order\": False, \"descr\": \"|u1\"}";
        Path data = write("x.npy", npy(1, dict, new byte[] {4, 5}));
        Path labels = write("y.npy", npy("|u1", "(2, 1)", 1, 0));
        Dataset d = NpyReader.read(data, labels);
        assertArrayEquals(new float[] {4, 5}, d.samples().values());
        assertArrayEquals(new int[] {1, 0}, d.labels());
    }

    @Test
    void fortranOrderIsAClearError() throws Exception {
        String dict = "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }";
        Path data = write("f.npy", npy(1, dict, encode("<f4", 1, 2, 3, 4)));
        assertFails(data, null, data + ": fortran_order is True", "C order");
    }

    @Test
    void wrongMagicVersionAndDtypeAreReported() throws Exception {
        Path text = write("t.npy", "hello, world".getBytes());
        assertFails(text, null, text + ": not a .npy file: wrong magic");
        byte[] v4 = npy("<f4", "(1,)", 1);
        v4[6] = 4;
        Path future = write("v4.npy", v4);
        assertFails(future, null, "unsupported .npy format version 4.0");
        Path c16 = write("c.npy", npy(1, header("<c16", "(1,)"), new byte[16]));
        assertFails(c16, null, c16 + ": unsupported dtype '<c16'");
        Path wideBar = write("w.npy", npy(1, header("|f4", "(1,)"), new byte[4]));
        assertFails(wideBar, null, "unsupported dtype '|f4'");
        String structured = "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }";
        Path s = write("s.npy", npy(1, structured, new byte[4]));
        assertFails(s, null, "no structured arrays");
    }

    @Test
    void badHeadersAreReported() throws Exception {
        Path broken = write("b.npy", npy(1, "{'descr': '<f4', 'shape': (1,", new byte[0]));
        assertFails(broken, null, broken + ": header does not parse");
        Path noShape = write("n.npy", npy(1, "{'descr': '<f4', 'fortran_order': False}", new byte[0]));
        assertFails(noShape, null, "header has no 'shape'");
        byte[] full = npy("<f4", "(1,)", 1);
        Path cut = write("c.npy", Arrays.copyOf(full, 40));
        assertFails(cut, null, cut + ": truncated header");
    }

    @Test
    void truncatedDataSaysExpectedAndActualBytes() throws Exception {
        byte[] full = npy("<f8", "(2, 3)", 1, 2, 3, 4, 5, 6);
        Path cut = write("cut.npy", Arrays.copyOf(full, full.length - 10));
        assertFails(cut, null, cut + ": truncated", "needs 48 bytes", "found 38");
        Path longer = write("long.npy", Arrays.copyOf(full, full.length + 2));
        assertFails(longer, null, "trailing bytes", "found 50");
    }

    @Test
    void nonFiniteValuesAreRejectedWithTheirPosition() throws Exception {
        Path nan = write("nan.npy", npy("<f4", "(2, 2)", 1, 2, 3, Double.NaN));
        assertFails(nan, null, nan + ": non-finite value NaN at flat index 3 (byte offset 140)");
        Path inf = write("inf.npy", npy(">f8", "(1,)", Double.POSITIVE_INFINITY));
        assertFails(inf, null, "non-finite value Infinity at flat index 0");
        Path big = write("big.npy", npy("<f8", "(1,)", 1e300));
        assertFails(big, null, "out of float range");
    }

    @Test
    void labelErrorsAreReported() throws Exception {
        Path data = write("x.npy", npy("<f4", "(2, 1)", 1, 2));
        Path floats = write("yf.npy", npy("<f4", "(2,)", 0, 1));
        assertFails(data, floats, floats + ": labels must be integers, dtype is '<f4'");
        Path three = write("y3.npy", npy("<i4", "(3,)", 0, 1, 2));
        assertFails(data, three, three + ": 3 labels, but " + data + " has 2 samples");
        Path matrix = write("ym.npy", npy("<i4", "(1, 2)", 0, 1));
        assertFails(data, matrix, "labels must have shape (N,) or (N, 1), have (1, 2)");
        Path huge = write("yh.npy", npy("<i8", "(2,)", 1, 1L << 40));
        assertFails(data, huge, "label 1099511627776 at index 1", "does not fit a 32-bit integer");
    }

    @Test
    void emptyAndMissingFilesAreReported() throws Exception {
        Path none = write("none.npy", npy("<f4", "(0, 3)"));
        assertFails(none, null, "contains no samples");
        Path scalar = write("s.npy", npy("<f4", "()", 1));
        assertFails(scalar, null, "0-d array");
        Path zero = write("z.npy", npy("<f4", "(2, 0)"));
        assertFails(zero, null, "has a zero dimension");
        Path missing = dir.resolve("missing.npy");
        assertFails(missing, null, missing + ": file not found");
    }
}
