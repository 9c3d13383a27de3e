package org.hourglass.scoring.neighbours;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Reference sets of fitted scorers: the seeded subset of the fitted samples that is kept, where each fitted
 * sample sits in it (for the leave-one-out rule), a fingerprint that recognises the fitted samples when they are
 * scored again, and float arrays written to and read back from a JSON state.
 */
public final class ReferenceSets {

    private ReferenceSets() {
    }

    /**
     * The rows kept of {@code n}: all when {@code n <= max}, else a uniform random subset of {@code max} drawn
     * with {@code seed} (partial Fisher-Yates), in ascending order. Deterministic in (n, max, seed): asked again
     * with {@code max} = the kept count it returns the same rows.
     */
    public static int[] subset(int n, int max, long seed) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        if (n <= max) {
            return idx;
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < max; i++) {
            int j = i + rnd.nextInt(n - i);
            int tmp = idx[i];
            idx[i] = idx[j];
            idx[j] = tmp;
        }
        int[] chosen = Arrays.copyOf(idx, max);
        Arrays.sort(chosen);
        return chosen;
    }

    /** The given rows of a row-major array of rows of {@code width}, in the given order. */
    public static float[] rows(float[] values, int width, int[] rows) {
        float[] out = new float[rows.length * width];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(values, rows[i] * width, out, i * width, width);
        }
        return out;
    }

    /** For each of {@code n} rows its position in {@code subset}, or -1 when it was not kept. */
    public static int[] positions(int n, int[] subset) {
        int[] at = new int[n];
        Arrays.fill(at, -1);
        for (int p = 0; p < subset.length; p++) {
            at[subset[p]] = p;
        }
        return at;
    }

    /**
     * A 64-bit fingerprint (hex) of the exact values of a block of samples and its row count. Fitting stores the
     * fingerprint of the samples it was given; scoring recognises those same samples by it (and only by exact
     * equality of every value, up to a 2^-64 chance), whichever object they arrive in.
     */
    public static String fingerprint(float[] values, int count) {
        long h = 0x9E3779B97F4A7C15L ^ count;
        for (float v : values) {
            h = mix(h ^ Float.floatToIntBits(v));
        }
        return String.format("%016x", mix(h ^ values.length));
    }

    // SplitMix64's finaliser: every input bit reaches every output bit.
    private static long mix(long z) {
        z = (z + 0x9E3779B97F4A7C15L) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 30)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Floats as doubles whose decimal form is the float's shortest one: short JSON that reads back exactly. */
    public static double[] encode(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Double.parseDouble(Float.toString(values[i]));
        }
        return out;
    }

    /**
     * A stored float array: a {@code double[]} (a state just fitted) or a list of numbers (a state read back from
     * JSON).
     *
     * @param method the scoring method, for the error when the array is missing
     * @param key    the state key, for the errors
     */
    public static float[] decode(Object stored, String method, String key) {
        if (stored instanceof double[] a) {
            float[] out = new float[a.length];
            for (int i = 0; i < a.length; i++) {
                out[i] = (float) a[i];
            }
            return out;
        }
        if (stored instanceof List<?> list) {
            float[] out = new float[list.size()];
            for (int i = 0; i < out.length; i++) {
                if (!(list.get(i) instanceof Number num)) {
                    throw new IllegalArgumentException("the stored " + method + " state holds a non-number in '" + key
                            + "' at " + i);
                }
                out[i] = num.floatValue();
            }
            return out;
        }
        throw new IllegalArgumentException("no fitted " + method + " reference in the scorer state (key '" + key
                + "'); fit the scoring method first");
    }
}
