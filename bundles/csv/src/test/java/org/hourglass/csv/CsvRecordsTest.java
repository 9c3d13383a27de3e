package org.hourglass.csv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvRecordsTest {

    @TempDir
    Path dir;

    private static List<List<String>> all(CsvRecords records, List<Long> lines) throws IOException {
        List<List<String>> out = new ArrayList<>();
        for (List<String> r; (r = records.next()) != null; ) {
            out.add(r);
            lines.add(records.line());
        }
        return out;
    }

    @Test
    void quotesHoldSeparatorsQuotesAndLineBreaks() throws IOException {
        String text = "\uFEFFname,\"a, b\"\n\n  1 , \"x \"\"y\"\"\"\n\t\n\"multi\nline\",2\n";
        List<Long> lines = new ArrayList<>();
        try (CsvRecords r = CsvRecords.open(new StringReader(text), ',')) {
            assertEquals(List.of(List.of("name", "a, b"), List.of("1", "x \"y\""), List.of("multi\nline", "2")),
                    all(r, lines));
        }
        // blank line 2 and the tab-only line 4 skipped; a record keeps the line it starts on
        assertEquals(List.of(1L, 3L, 5L), lines);
    }

    @Test
    void otherSeparatorsAndFiles() throws IOException {
        Path file = dir.resolve("t.tsv");
        Files.writeString(file, "a\tb,c\n1\t2\n", StandardCharsets.UTF_8);
        try (CsvRecords r = CsvRecords.open(file, '\t')) {
            assertEquals(List.of("a", "b,c"), r.next());
            assertEquals(List.of("1", "2"), r.next());
            assertNull(r.next());
        }
        assertEquals('\t', CsvRecords.separator("\\t"));
        assertEquals('\t', CsvRecords.separator("tab"));
        assertEquals(';', CsvRecords.separator(";"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CsvRecords.separator("\""));
        assertTrue(e.getMessage().contains("was '\"'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CsvRecords.separator(";;"));
    }

    @Test
    void malformedTextNamesLineAndColumn() throws IOException {
        try (CsvRecords r = CsvRecords.open(new StringReader("a,b\n1,\"2\"x\n"), ',')) {
            r.next();
            CsvFormatException e = assertThrows(CsvFormatException.class, r::next);
            assertEquals(2, e.line());
            assertTrue(e.getMessage().startsWith("malformed CSV at line 2, column "), e.getMessage());
        }
    }

    @Test
    void streamsMustBeUtf8() throws IOException {
        byte[] latin1 = "caf\u00e9,1\n".getBytes(StandardCharsets.ISO_8859_1);
        // raised where the bytes are first decoded: here already on opening, which looks for a byte order mark
        assertThrows(CharacterCodingException.class, () -> {
            try (CsvRecords r = CsvRecords.open(new ByteArrayInputStream(latin1), ',')) {
                all(r, new ArrayList<>());
            }
        });
        byte[] utf8 = "caf\u00e9,1\n".getBytes(StandardCharsets.UTF_8);
        try (CsvRecords r = CsvRecords.open(new ByteArrayInputStream(utf8), ',')) {
            assertEquals(List.of("caf\u00e9", "1"), r.next());
        }
    }

    @Test
    void oneLineAsCells() throws CsvFormatException {
        assertEquals(List.of("a", "b,c", ""), CsvRecords.cells("a, \"b,c\",", ','));
        assertEquals(List.of(), CsvRecords.cells("  ", ','));
        CsvFormatException e = assertThrows(CsvFormatException.class, () -> CsvRecords.cells("a\nb", ','));
        assertTrue(e.getMessage().contains("more than one record"), e.getMessage());
        assertThrows(CsvFormatException.class, () -> CsvRecords.cells("\"open", ','));
    }
}
