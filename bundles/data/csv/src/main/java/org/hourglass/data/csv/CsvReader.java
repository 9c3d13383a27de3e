package org.hourglass.data.csv;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.hourglass.csv.CsvFormatException;
import org.hourglass.csv.CsvRecords;
import org.hourglass.spi.DataSettings;
import org.hourglass.spi.DataException;
import org.hourglass.spi.Dataset;
import org.hourglass.spi.InputSpec;
import org.hourglass.spi.Samples;

/**
 * Reads a UTF-8 CSV file whose first row is a header: the selected columns become the features of each sample,
 * the optional label column its integer label. Records come from the shared CSV reader ({@link CsvRecords}, Jackson's
 * CSV module: quotes, separators, byte order mark, blank lines); the checks and error messages (file, line, column)
 * are ours.
 */
public final class CsvReader {

    // Plain decimal numbers only: Double.parseDouble would also take "1f", "1d" and hex floats.
    private static final Pattern NUMBER = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    private static final Pattern NON_FINITE = Pattern.compile("[+-]?(nan|inf|infinity)", Pattern.CASE_INSENSITIVE);

    private final Path file;
    private final String labelColumn;
    private final String[] columns;
    private final char separator;

    /**
     * @param labelColumn header name of the integer label column, or null/blank for none
     * @param columns     header names of the feature columns, in this order; empty = all but the label column
     */
    public CsvReader(Path file, String labelColumn, String[] columns, char separator) {
        this.file = file;
        this.labelColumn = labelColumn == null || labelColumn.isBlank() ? null : labelColumn.strip();
        this.columns = columns == null ? new String[0] : Arrays.stream(columns).map(String::strip)
                .toArray(String[]::new);
        this.separator = separator;
    }

    /** Parses a separator attribute: one character, or {@code \t} / {@code tab} for a tab. */
    static char separator(String value) {
        try {
            return CsvRecords.separator(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("attribute 'separator' must be one character other than a quote or "
                    + "line break (or \\t for tab), was '" + value + "'", e);
        }
    }

    /** Position of the named column among the features, read from the header alone. */
    public int featureIndex(String column) {
        try (CsvRecords records = CsvRecords.open(file, separator)) {
            List<String> header = records.next();
            if (header == null) {
                throw new DataException(file + ": empty file; the first line must be a header naming the columns");
            }
            int label = labelColumn == null ? -1 : indexOf(header, labelColumn, "label column");
            int[] features = featureIndices(header, label);
            List<String> names = new java.util.ArrayList<>();
            for (int i = 0; i < features.length; i++) {
                String name = header.get(features[i]);
                if (name.equals(column.strip())) {
                    return i;
                }
                names.add(name);
            }
            throw new DataException(file + ": no feature column '" + column + "'; the features are " + names);
        } catch (IOException e) {
            throw DataSettings.ioFailure(file, e);
        }
    }

    public Dataset read() {
        try (CsvRecords records = CsvRecords.open(file, separator)) {
            List<String> header = records.next();
            if (header == null) {
                throw new DataException(file + ": empty file; the first line must be a header naming the columns");
            }
            int label = labelColumn == null ? -1 : indexOf(header, labelColumn, "label column");
            int[] features = featureIndices(header, label);

            FloatBuffer values = new FloatBuffer();
            IntBuffer labels = new IntBuffer();
            int count = 0;
            List<String> row;
            while ((row = records.next()) != null) {
                count++;
                long line = records.line();
                if (row.size() != header.size()) {
                    throw new DataException(file + ": line " + line + " has " + row.size() + " cells, the header "
                            + "has " + header.size() + " columns");
                }
                for (int c : features) {
                    values.add(number(row.get(c), line, header.get(c)));
                }
                if (label >= 0) {
                    labels.add(integer(row.get(label), line, header.get(label)));
                }
            }
            if (count == 0) {
                throw new DataException(file + ": no data rows after the header");
            }
            String description = "csv:" + file + (label >= 0 ? " label=" + header.get(label) : "");
            InputSpec spec = InputSpec.of(features.length);
            return new Dataset(spec, new Samples(values.toArray(), count, features.length),
                    label >= 0 ? labels.toArray() : null, description);
        } catch (CsvFormatException e) {
            throw new DataException(file + ": " + e.getMessage(), e);
        } catch (CharacterCodingException e) {
            throw new DataException(file + ": not UTF-8 text", e);
        } catch (IOException e) {
            throw DataSettings.ioFailure(file, e);
        }
    }

    private int indexOf(List<String> header, String name, String what) {
        int found = -1;
        for (int i = 0; i < header.size(); i++) {
            if (header.get(i).strip().equals(name)) {
                if (found >= 0) {
                    throw new DataException(file + ": " + what + " '" + name + "' appears twice in the header "
                            + "(columns " + (found + 1) + " and " + (i + 1) + ")");
                }
                found = i;
            }
        }
        if (found < 0) {
            throw new DataException(file + ": " + what + " '" + name + "' is not in the header; the header has "
                    + header);
        }
        return found;
    }

    private int[] featureIndices(List<String> header, int label) {
        int[] idx;
        if (columns.length == 0) {
            idx = java.util.stream.IntStream.range(0, header.size()).filter(i -> i != label).toArray();
            if (idx.length == 0) {
                throw new DataException(file + ": no feature columns: the header has only the label column "
                        + header);
            }
            return idx;
        }
        Set<String> seen = new HashSet<>();
        idx = new int[columns.length];
        for (int i = 0; i < columns.length; i++) {
            if (!seen.add(columns[i])) {
                throw new DataException(file + ": column '" + columns[i] + "' is listed twice in 'columns'");
            }
            if (columns[i].equals(labelColumn)) {
                throw new DataException(file + ": column '" + columns[i] + "' is the label column and cannot also "
                        + "be a feature");
            }
            idx[i] = indexOf(header, columns[i], "column");
        }
        return idx;
    }

    private float number(String cell, long line, String column) {
        String s = cell.strip();
        if (s.isEmpty()) {
            throw new DataException(file + ": line " + line + ", column '" + column + "': empty cell");
        }
        if (NON_FINITE.matcher(s).matches()) {
            throw new DataException(file + ": line " + line + ", column '" + column + "': non-finite value '" + s
                    + "'");
        }
        if (!NUMBER.matcher(s).matches()) {
            throw new DataException(file + ": line " + line + ", column '" + column + "': '" + s
                    + "' is not a number");
        }
        float f = (float) Double.parseDouble(s);
        if (!Float.isFinite(f)) {
            throw new DataException(file + ": line " + line + ", column '" + column + "': " + s
                    + " is out of float range");
        }
        return f;
    }

    private int integer(String cell, long line, String column) {
        String s = cell.strip();
        if (s.isEmpty()) {
            throw new DataException(file + ": line " + line + ", label column '" + column + "': empty cell");
        }
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new DataException(file + ": line " + line + ", label column '" + column + "': '" + s
                    + "' is not an integer");
        }
    }

    /** Growable float array: avoids boxing every cell. */
    private static final class FloatBuffer {
        float[] data = new float[1024];
        int size;

        void add(float v) {
            if (size == data.length) {
                data = Arrays.copyOf(data, Math.max(16, data.length * 2));
            }
            data[size++] = v;
        }

        float[] toArray() {
            return Arrays.copyOf(data, size);
        }
    }

    private static final class IntBuffer {
        int[] data = new int[256];
        int size;

        void add(int v) {
            if (size == data.length) {
                data = Arrays.copyOf(data, data.length * 2);
            }
            data[size++] = v;
        }

        int[] toArray() {
            return Arrays.copyOf(data, size);
        }
    }
}
