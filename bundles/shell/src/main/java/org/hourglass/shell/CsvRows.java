package org.hourglass.shell;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.hourglass.csv.CsvFormatException;
import org.hourglass.csv.CsvRecords;

/**
 * Numeric CSV for {@code hourglass:score}: one sample per record, values separated by commas (quotes as in RFC 4180,
 * read by the shared CSV reader); a first record that is not all numbers is a header and skipped; blank lines are
 * ignored; every row has the same number of values.
 */
final class CsvRows {

    private CsvRows() {
    }

    static float[][] read(Path file) throws UsageException {
        if (!Files.isRegularFile(file)) {
            throw new UsageException("no such file: " + file);
        }
        try (CsvRecords records = CsvRecords.open(file, ',')) {
            return parse(records, file.toString());
        } catch (IOException e) {
            throw failure(file.toString(), e);
        }
    }

    static float[][] parse(Reader in, String source) throws UsageException {
        try (CsvRecords records = CsvRecords.open(in, ',')) {
            return parse(records, source);
        } catch (IOException e) {
            throw failure(source, e);
        }
    }

    private static UsageException failure(String source, IOException e) {
        if (e instanceof CsvFormatException f) {
            return new UsageException(source + ": " + f.getMessage());
        }
        if (e instanceof CharacterCodingException) {
            return new UsageException(source + " is not UTF-8 text");
        }
        return new UsageException("cannot read " + source + ": " + e.getMessage());
    }

    private static float[][] parse(CsvRecords records, String source) throws IOException, UsageException {
        List<float[]> rows = new ArrayList<>();
        int width = -1;
        long widthLine = 0;
        boolean first = true;
        for (List<String> cells; (cells = records.next()) != null; ) {
            long line = records.line();
            if (first) {
                first = false;
                if (!allNumbers(cells)) {
                    continue; // header
                }
            }
            float[] row = new float[cells.size()];
            for (int i = 0; i < row.length; i++) {
                String cell = cells.get(i).strip();
                try {
                    row[i] = Float.parseFloat(cell);
                } catch (NumberFormatException e) {
                    throw new UsageException(source + " line " + line + ", column " + (i + 1) + ": '" + cell
                            + "' is not a number");
                }
            }
            if (width < 0) {
                width = row.length;
                widthLine = line;
            } else if (row.length != width) {
                throw new UsageException(source + " line " + line + " has " + row.length + " values, line "
                        + widthLine + " has " + width);
            }
            rows.add(row);
        }
        if (rows.isEmpty()) {
            throw new UsageException(source + " has no rows of numbers");
        }
        return rows.toArray(new float[0][]);
    }

    private static boolean allNumbers(List<String> cells) {
        for (String cell : cells) {
            try {
                Float.parseFloat(cell.strip());
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return true;
    }
}
