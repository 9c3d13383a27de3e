package org.hourglass.testing;

import java.util.Arrays;

/** The reference that k-nearest-neighbour tests compare against: a plain double loop over every candidate row. */
public final class Neighbours {

    private Neighbours() {
    }

    /**
     * The k-th smallest distance from row {@code i} of {@code q} to the rows {@code rows} of {@code ref} (rows of
     * {@code w} values), leaving out row {@code skip} (-1: none); Euclidean, or cosine ({@code 1 - cos}, a zero row
     * counting as orthogonal to everything).
     */
    public static double kth(float[] q, int i, float[] ref, int[] rows, int w, int k, int skip, boolean cosine) {
        double[] d = new double[rows.length];
        int at = 0;
        for (int r : rows) {
            if (r == skip) {
                continue;
            }
            double s = 0;
            double qq = 0;
            double rr = 0;
            double qr = 0;
            for (int j = 0; j < w; j++) {
                double a = q[i * w + j];
                double b = ref[r * w + j];
                s += (a - b) * (a - b);
                qq += a * a;
                rr += b * b;
                qr += a * b;
            }
            d[at++] = cosine ? (qq == 0 || rr == 0 ? 1 : 1 - qr / Math.sqrt(qq * rr)) : Math.sqrt(s);
        }
        double[] found = Arrays.copyOf(d, at);
        Arrays.sort(found);
        return found[k - 1];
    }

    /** As above over the first {@code m} rows of {@code ref}. */
    public static double kth(float[] q, int i, float[] ref, int m, int w, int k, int skip, boolean cosine) {
        return kth(q, i, ref, all(m), w, k, skip, cosine);
    }

    /** 0, 1, ..., n - 1. */
    public static int[] all(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }
}
