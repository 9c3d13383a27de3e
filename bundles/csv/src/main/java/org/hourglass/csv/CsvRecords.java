package org.hourglass.csv;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.csv.CsvFactory;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CSV records, one at a time, with the line each starts on. Parsing is Jackson's CSV module (RFC 4180 quotes, so a
 * quoted cell may hold the separator, a doubled quote or a line break); around it: a UTF-8 byte order mark is
 * dropped, unquoted cells are trimmed of spaces, blank lines and lines of white space are skipped. Text input is
 * decoded as strict UTF-8: a byte sequence that is not UTF-8 raises {@link java.nio.charset.CharacterCodingException}
 * (from {@code open} or {@code next}, wherever the bytes are first read).
 * Malformed CSV raises {@link CsvFormatException} with line and column. Not thread-safe; close it (or the source).
 */
public final class CsvRecords implements Closeable {

    private static final CsvFactory FACTORY = CsvFactory.builder()
            .enable(CsvParser.Feature.TRIM_SPACES)
            .enable(CsvParser.Feature.SKIP_EMPTY_LINES)
            .build();

    private final CsvParser parser;
    private long line;

    private CsvRecords(Reader in, char separator) throws IOException {
        if (separator == '"' || separator == '\n' || separator == '\r') {
            throw new IllegalArgumentException("a CSV separator cannot be a quote or a line break");
        }
        BufferedReader buffered = in instanceof BufferedReader b ? b : new BufferedReader(in);
        skipBom(buffered);
        this.parser = FACTORY.createParser(buffered);
        parser.setSchema(CsvSchema.emptySchema().withColumnSeparator(separator));
    }

    /** Records of a UTF-8 file. */
    public static CsvRecords open(Path file, char separator) throws IOException {
        BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        try {
            return new CsvRecords(in, separator);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    /** Records of a UTF-8 stream (a request body); closing the records closes the stream. */
    public static CsvRecords open(InputStream in, char separator) throws IOException {
        return new CsvRecords(new InputStreamReader(in, StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)),
                separator);
    }

    /** Records of text already decoded. */
    public static CsvRecords open(Reader in, char separator) throws IOException {
        return new CsvRecords(in, separator);
    }

    /**
     * The cells of one line of text read as a single record, e.g. a list argument {@code a,"b,c"} gives
     * {@code [a, b,c]}; an empty or blank text gives no cells.
     *
     * @throws CsvFormatException when the text is malformed or holds more than one record
     */
    public static List<String> cells(String text, char separator) throws CsvFormatException {
        try (CsvRecords records = open(new StringReader(text), separator)) {
            List<String> first = records.next();
            if (first == null) {
                return List.of();
            }
            if (records.next() != null) {
                throw new CsvFormatException(records.line(), 1, "more than one record (a line break outside quotes)");
            }
            return first;
        } catch (CsvFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new IllegalStateException("reading a string cannot fail: " + e.getMessage(), e);
        }
    }

    /**
     * A separator setting: one character other than a quote or a line break, or {@code \t} or {@code tab} for a
     * tab.
     *
     * @throws IllegalArgumentException naming the value otherwise
     */
    public static char separator(String value) {
        if ("\\t".equals(value) || "tab".equalsIgnoreCase(value) || "\t".equals(value)) {
            return '\t';
        }
        if (value == null || value.length() != 1 || value.charAt(0) == '"' || value.charAt(0) == '\n'
                || value.charAt(0) == '\r') {
            throw new IllegalArgumentException("the separator must be one character other than a quote or a line "
                    + "break (or \\t for tab), was '" + value + "'");
        }
        return value.charAt(0);
    }

    /**
     * The next record's cells (unquoted; unquoted cells trimmed of spaces), or null after the last record.
     * Records may have different numbers of cells: callers check widths.
     *
     * @throws CsvFormatException when the text is not valid CSV (e.g. a quote left open)
     */
    public List<String> next() throws IOException {
        try {
            while (true) {
                JsonToken t = parser.nextToken();
                if (t == null) {
                    return null;
                }
                if (t != JsonToken.START_ARRAY) {
                    JsonLocation at = parser.currentTokenLocation();
                    throw new CsvFormatException(at.getLineNr(), at.getColumnNr(), "unexpected token " + t);
                }
                // The record's line is its first cell's (the START_ARRAY token's location lags one record behind).
                line = parser.currentLocation().getLineNr();
                List<String> cells = new ArrayList<>();
                while ((t = parser.nextToken()) != JsonToken.END_ARRAY) {
                    if (t == null) {
                        throw new CsvFormatException(line, 1, "the text ends inside the record");
                    }
                    if (cells.isEmpty()) {
                        line = parser.currentTokenLocation().getLineNr();
                    }
                    cells.add(parser.getText());
                }
                // A line of white space other than spaces (tabs) is one empty cell: blank, skipped like empty lines.
                if (cells.isEmpty() || cells.size() == 1 && cells.get(0).isBlank()) {
                    continue;
                }
                return cells;
            }
        } catch (CsvFormatException e) {
            throw e;
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new CsvFormatException(at == null ? line : at.getLineNr(), at == null ? 1 : at.getColumnNr(),
                    e.getOriginalMessage());
        }
    }

    /** The 1-based line on which the record last returned by {@link #next()} starts. */
    public long line() {
        return line;
    }

    @Override
    public void close() throws IOException {
        parser.close();
    }

    /** Drops a UTF-8 byte order mark, which would otherwise stick to the first cell. */
    private static void skipBom(BufferedReader in) throws IOException {
        in.mark(1);
        if (in.read() != '\uFEFF') {
            in.reset();
        }
    }
}
