package org.hourglass.training;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * In-memory training data: one row-major float column per data input of the model, {@code size} rows each.
 * The arrays are not copied; do not change them while training.
 */
public final class TrainingData {

    private final Map<String, float[]> columns;
    private final int size;

    private TrainingData(Map<String, float[]> columns, int size) {
        this.columns = Collections.unmodifiableMap(new LinkedHashMap<>(columns));
        this.size = size;
    }

    /**
     * @param columns per data input name, {@code size * rowLength} values
     * @param size    number of samples
     */
    public static TrainingData of(Map<String, float[]> columns, int size) {
        if (size <= 0) {
            throw new IllegalArgumentException("training data needs at least one sample, got " + size);
        }
        for (Map.Entry<String, float[]> e : columns.entrySet()) {
            if (e.getValue().length % size != 0) {
                throw new IllegalArgumentException("column '" + e.getKey() + "' has " + e.getValue().length
                        + " values, not a multiple of " + size + " samples");
            }
        }
        return new TrainingData(columns, size);
    }

    /** One input column. */
    public static TrainingData of(String input, float[] values, int size) {
        return of(Map.of(input, values), size);
    }

    public Map<String, float[]> columns() {
        return columns;
    }

    public int size() {
        return size;
    }

    /** Values per sample in a column. */
    public int rowLength(String input) {
        return columns.get(input).length / size;
    }
}
