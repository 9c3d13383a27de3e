package org.hourglass.data.csv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.hourglass.spi.DataException;
import org.hourglass.spi.Dataset;
import org.hourglass.spi.InputSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvReaderTest {

    @TempDir
    Path dir;

    private Path write(String text) throws Exception {
        return Files.writeString(dir.resolve("data.csv"), text);
    }

    private static Dataset read(Path f, String label, String... columns) {
        return new CsvReader(f, label, columns, ',').read();
    }

    private static void assertFails(Path f, String label, String[] columns, String... parts) {
        DataException e = assertThrows(DataException.class, () -> read(f, label, columns));
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' not in: " + e.getMessage());
        }
    }

    @Test
    void readsAllColumnsWithoutLabels() throws Exception {
        Path f = write("a,b,c\n1,2,3\n-4.5,1e3,.25\n");
        Dataset d = read(f, "");
        assertEquals(InputSpec.of(3), d.spec());
        assertArrayEquals(new float[] {1, 2, 3, -4.5f, 1000, 0.25f}, d.samples().values());
        assertNull(d.labels());
    }

    @Test
    void labelColumnAnywhereIsTakenOut() throws Exception {
        Path f = write("x, label ,y\n1, 3 ,2\n4,0,5\n");
        Dataset d = read(f, "label");
        assertEquals(InputSpec.of(2), d.spec());
        assertArrayEquals(new float[] {1, 2, 4, 5}, d.samples().values());
        assertArrayEquals(new int[] {3, 0}, d.labels());
    }

    @Test
    void namedColumnsHaveTheirPositionAmongTheFeatures() throws Exception {
        Path f = write("x, label ,y,z\n1,3,2,0\n");
        assertEquals(1, new CsvReader(f, "label", new String[0], ',').featureIndex("y"));
        assertEquals(0, new CsvReader(f, "label", new String[] {"z", "x"}, ',').featureIndex("z"));
        DataException e = assertThrows(DataException.class,
                () -> new CsvReader(f, "label", new String[0], ',').featureIndex("label"));
        assertTrue(e.getMessage().contains("no feature column 'label'") && e.getMessage().contains("[x, y, z]"),
                e.getMessage());
    }

    @Test
    void columnSelectionPicksAndOrders() throws Exception {
        Path f = write("a,b,c,y\n1,2,3,7\n4,5,6,8\n");
        Dataset d = read(f, "y", "c", "a");
        assertEquals(InputSpec.of(2), d.spec());
        assertArrayEquals(new float[] {3, 1, 6, 4}, d.samples().values());
        assertArrayEquals(new int[] {7, 8}, d.labels());
    }

    @Test
    void quotedCellsOtherSeparatorsCrlfBomAndBlankLines() throws Exception {
        Path f = write("\uFEFF\"a\";\"b;c\"\r\n\"1\";2\r\n\r\n3;\" 4 \"\r\n");
        Dataset d = new CsvReader(f, null, new String[] {"a", "b;c"}, ';').read();
        assertArrayEquals(new float[] {1, 2, 3, 4}, d.samples().values());
        Path tabs = Files.writeString(dir.resolve("t.tsv"), "a\tb\n1\t2\n");
        assertArrayEquals(new float[] {1, 2},
                new CsvReader(tabs, "", new String[0], CsvReader.separator("\\t")).read().samples().values());
    }

    @Test
    void separatorAttributeIsChecked() {
        assertEquals('\t', CsvReader.separator("tab"));
        assertEquals(';', CsvReader.separator(";"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CsvReader.separator(",,"));
        assertTrue(e.getMessage().contains("'separator'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CsvReader.separator(""));
        assertThrows(IllegalArgumentException.class, () -> CsvReader.separator("\""));
    }

    @Test
    void nonNumericCellNamesLineAndColumn() throws Exception {
        Path f = write("a,b\n1,2\n3,abc\n");
        assertFails(f, "", new String[0], "line 3, column 'b': 'abc' is not a number");
        assertFails(write("a,b\n1,2\n3,1f\n"), "", new String[0], "line 3, column 'b': '1f' is not a number");
    }

    @Test
    void emptyCellNamesLineAndColumn() throws Exception {
        assertFails(write("a,b\n1,2\n,4\n"), "", new String[0], "line 3, column 'a': empty cell");
    }

    @Test
    void nonFiniteCellsAreRejected() throws Exception {
        assertFails(write("a,b\n1,NaN\n"), "", new String[0], "line 2, column 'b': non-finite value 'NaN'");
        assertFails(write("a,b\n1,-Infinity\n"), "", new String[0], "non-finite value '-Infinity'");
        assertFails(write("a,b\n1,1e39\n"), "", new String[0], "line 2, column 'b': 1e39 is out of float range");
    }

    @Test
    void labelsMustBeIntegers() throws Exception {
        assertFails(write("a,y\n1,2\n3,2.5\n"), "y", new String[0],
                "line 3, label column 'y': '2.5' is not an integer");
        assertFails(write("a,y\n1,\n"), "y", new String[0], "line 2, label column 'y': empty cell");
    }

    @Test
    void missingColumnsAreNamed() throws Exception {
        Path f = write("a,b\n1,2\n");
        assertFails(f, "label", new String[0], "label column 'label' is not in the header", "[a, b]");
        assertFails(f, "", new String[] {"a", "z"}, "column 'z' is not in the header");
        assertFails(f, "a", new String[] {"a", "b"}, "'a' is the label column");
        assertFails(f, "", new String[] {"a", "a"}, "'a' is listed twice");
        assertFails(write("a\n1\n"), "a", new String[0], "no feature columns");
        assertFails(write("a,a\n1,2\n"), "", new String[] {"a"}, "'a' appears twice in the header");
    }

    @Test
    void rowsOfTheWrongLengthNameTheLine() throws Exception {
        assertFails(write("a,b,c\n1,2,3\n4,5\n"), "", new String[0], "line 3 has 2 cells, the header has 3 columns");
        assertFails(write("a,b\n1,2\n\n\n4,5,6\n"), "", new String[0], "line 5 has 3 cells");
    }

    @Test
    void lineNumbersCountQuotedLineBreaks() throws Exception {
        assertFails(write("a,b\n\"1\n\",2\nx,3\n"), "", new String[0], "line 4, column 'a': 'x' is not a number");
    }

    @Test
    void emptyAndHeaderOnlyFilesAreReported() throws Exception {
        assertFails(write(""), "", new String[0], "empty file");
        assertFails(write("a,b\n"), "", new String[0], "no data rows");
    }

    @Test
    void malformedQuotingIsReported() throws Exception {
        assertFails(write("a,b\n1,\"2\n"), "", new String[0], "malformed CSV");
    }

    @Test
    void missingAndNonUtf8FilesAreReported() throws Exception {
        Path missing = dir.resolve("none.csv");
        assertFails(missing, "", new String[0], "file not found");
        Path latin1 = Files.write(dir.resolve("l.csv"), new byte[] {'a', '\n', (byte) 0xE9, '\n'});
        assertFails(latin1, "", new String[0], "UTF-8");
    }
}
