package org.hourglass.spi;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Options every data source offers, applied in this order: keep only {@code classes}, shuffle with
 * {@code seed}, take one part of a split, cap at {@code limit} rows, turn class labels into 0 (normal) / 1
 * (anomalous) by {@code normalClasses}. Data sources declare these as configuration attributes and call
 * {@link #apply}; the logic lives here once.
 *
 * @param classes       keep only samples with these labels; empty = all
 * @param shuffle       shuffle the rows
 * @param seed          seed of the shuffle
 * @param splitFraction fraction of rows in the first part of a split (0 &lt; f &lt; 1), used with {@code splitPart}
 * @param splitPart     which part of the split to keep
 * @param limit         at most this many rows; 0 = no limit
 * @param normalClasses when non-empty, labels become 0 for these classes and 1 for all others
 */
public record DataOptions(int[] classes, boolean shuffle, long seed, double splitFraction, SplitPart splitPart,
                          int limit, int[] normalClasses) {

    /** Which part of a split a data source yields. */
    public enum SplitPart { ALL, FIRST, REST }

    public DataOptions {
        classes = classes.clone();
        normalClasses = normalClasses.clone();
        if (limit < 0) {
            throw new IllegalArgumentException("limit must be >= 0 (0 = all rows), was " + limit);
        }
        if (splitPart != SplitPart.ALL && !(splitFraction > 0 && splitFraction < 1)) {
            throw new IllegalArgumentException("split.fraction must be in (0, 1) when split.part is " + splitPart
                    + ", was " + splitFraction);
        }
    }

    /** Everything, in file order. */
    public static DataOptions none() {
        return new DataOptions(new int[0], false, 0, 0.5, SplitPart.ALL, 0, new int[0]);
    }

    public Dataset apply(Dataset data) {
        int[] rows = IntStream.range(0, data.count()).toArray();
        String what = data.description();
        if (classes.length > 0) {
            requireLabels(data, "classes");
            rows = Arrays.stream(rows).filter(i -> contains(classes, data.labels()[i])).toArray();
            what += " classes=" + Arrays.toString(classes);
            if (rows.length == 0) {
                throw new DataException("'" + data.description() + "' has no samples of classes "
                        + Arrays.toString(classes));
            }
        }
        if (shuffle) {
            SplittableRandom random = new SplittableRandom(seed);
            for (int i = rows.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = rows[i];
                rows[i] = rows[j];
                rows[j] = t;
            }
            what += " shuffled(seed=" + seed + ")";
        }
        if (splitPart != SplitPart.ALL) {
            int cut = (int) Math.round(rows.length * splitFraction);
            rows = splitPart == SplitPart.FIRST ? Arrays.copyOfRange(rows, 0, cut)
                    : Arrays.copyOfRange(rows, cut, rows.length);
            what += " split " + splitPart.name().toLowerCase() + "(" + splitFraction + ")";
        }
        if (limit > 0 && rows.length > limit) {
            rows = Arrays.copyOf(rows, limit);
            what += " limit=" + limit;
        }
        Dataset selected = data.select(rows, what);
        if (normalClasses.length == 0) {
            return selected;
        }
        requireLabels(data, "normal.classes");
        int[] binary = Arrays.stream(selected.labels()).map(l -> contains(normalClasses, l) ? 0 : 1).toArray();
        return new Dataset(selected.spec(), selected.samples(), binary,
                what + " anomalies=not " + Arrays.toString(normalClasses));
    }

    private static void requireLabels(Dataset data, String option) {
        if (!data.hasLabels()) {
            throw new DataException("option '" + option + "' needs labels, but '" + data.description()
                    + "' has none");
        }
    }

    private static boolean contains(int[] set, int value) {
        for (int v : set) {
            if (v == value) {
                return true;
            }
        }
        return false;
    }
}
