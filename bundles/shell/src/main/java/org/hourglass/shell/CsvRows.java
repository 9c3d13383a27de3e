package org.hourglass.shell;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Numeric CSV for {@code hourglass:score}: one sample per line, values separated by commas; a first line that is
 * not all numbers is a header and skipped; blank lines are ignored; every row has the same number of values.
 */
final class CsvRows {

    private CsvRows() {
    }

    static float[][] read(Path file) throws UsageException {
        if (!Files.isRegularFile(file)) {
            throw new UsageException("no such file: " + file);
        }
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parse(in, file.toString());
        } catch (IOException e) {
            throw new UsageException("cannot read " + file + ": " + e.getMessage());
        }
    }

    static float[][] parse(BufferedReader in, String source) throws IOException, UsageException {
        List<float[]> rows = new ArrayList<>();
        int lineNumber = 0;
        int width = -1;
        int widthLine = 0;
        boolean first = true;
        for (String line; (line = in.readLine()) != null; ) {
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            String[] cells = line.split(",", -1);
            if (first) {
                first = false;
                if (!allNumbers(cells)) {
                    continue; // header
                }
            }
            float[] row = new float[cells.length];
            for (int i = 0; i < cells.length; i++) {
                String cell = unquote(cells[i].strip());
                try {
                    row[i] = Float.parseFloat(cell);
                } catch (NumberFormatException e) {
                    throw new UsageException(source + " line " + lineNumber + ", column " + (i + 1) + ": '" + cell
                            + "' is not a number");
                }
            }
            if (width < 0) {
                width = row.length;
                widthLine = lineNumber;
            } else if (row.length != width) {
                throw new UsageException(source + " line " + lineNumber + " has " + row.length + " values, line "
                        + widthLine + " has " + width);
            }
            rows.add(row);
        }
        if (rows.isEmpty()) {
            throw new UsageException(source + " has no rows of numbers");
        }
        return rows.toArray(new float[0][]);
    }

    private static boolean allNumbers(String[] cells) {
        for (String cell : cells) {
            try {
                Float.parseFloat(unquote(cell.strip()));
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return true;
    }

    private static String unquote(String s) {
        return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
    }
}
