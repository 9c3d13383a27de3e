package org.hourglass.scoring.neighbours;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.hourglass.spi.Samples;

/**
 * A stored reference set of points (codes or inputs) and the k-th nearest neighbour distance to it: what
 * latent-knn scores, and a component of combined scoring.
 *
 * <p><b>Leave-one-out.</b> A fitted sample that was kept in the reference set would find itself at distance 0;
 * its own row is excluded from its neighbours, so its score is the distance to its k-th nearest <em>other</em>
 * reference point. The search asks for k+1 candidates and drops the one at the sample's own position; when the
 * sample is not among them (more than k+1 exact duplicates) the k-th of the k+1 is already its k-th other
 * neighbour. Exact duplicates of a sample at other positions still count as neighbours at distance 0. Samples
 * that are not in the reference set (not kept by the subset, or new samples) exclude nothing.
 */
public final class KnnReference {

    public static final String K = "k";
    public static final String METRIC = "metric";
    public static final String COUNT = "codes_count";
    public static final String WIDTH = "codes_width";
    public static final String CODES = "codes";

    /** Distance between two points. */
    public enum Metric {
        /** sqrt(sum (a - b)²). */
        EUCLIDEAN,
        /** 1 - cos(a, b); a zero vector has cosine 0 with everything (distance 1). */
        COSINE;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** @param setting the attribute, named in the error */
        public static Metric parse(String setting, String value) {
            String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
            for (Metric m : values()) {
                if (m.id().equals(v)) {
                    return m;
                }
            }
            throw new IllegalArgumentException(setting + " must be euclidean or cosine, was '" + value + "'");
        }

        /**
         * Rows for the squared Euclidean search. Cosine: unit rows plus two coordinates, so that the squared
         * distance is 2 (1 - cos) for every pair, zero vectors included: a zero query becomes the unit vector of
         * the last coordinate, a zero reference row that of the one before; both are orthogonal to every unit row
         * and to each other.
         */
        float[] searchRows(float[] rows, int n, int w, boolean query) {
            if (this == EUCLIDEAN) {
                return rows;
            }
            int sw = w + 2;
            float[] out = new float[n * sw];
            for (int i = 0; i < n; i++) {
                double norm = Math.sqrt(dot(rows, i * w, rows, i * w, w));
                if (norm > 0) {
                    for (int j = 0; j < w; j++) {
                        out[i * sw + j] = (float) (rows[i * w + j] / norm);
                    }
                } else {
                    out[i * sw + (query ? w + 1 : w)] = 1f;
                }
            }
            return out;
        }

        int searchWidth(int w) {
            return this == EUCLIDEAN ? w : w + 2;
        }

        /** The exact distance in double precision. */
        double distance(float[] a, int ai, float[] b, int bi, int w) {
            if (this == EUCLIDEAN) {
                double s = 0;
                for (int j = 0; j < w; j++) {
                    double d = (double) a[ai + j] - b[bi + j];
                    s += d * d;
                }
                return Math.sqrt(s);
            }
            double na = dot(a, ai, a, ai, w);
            double nb = dot(b, bi, b, bi, w);
            if (na == 0 || nb == 0) {
                return 1;
            }
            return 1 - dot(a, ai, b, bi, w) / Math.sqrt(na * nb);
        }

        private static double dot(float[] a, int ai, float[] b, int bi, int w) {
            double s = 0;
            for (int j = 0; j < w; j++) {
                s += (double) a[ai + j] * b[bi + j];
            }
            return s;
        }
    }

    /** A fitted component: its JSON state and the leave-one-out scores of the fitted samples. */
    public record Fitted(Map<String, Object> state, double[] scores) {
    }

    /** A stored reference set read from a state. */
    public record Stored(int k, Metric metric, int count, int width, float[] codes) {
    }

    private KnnReference() {
    }

    /**
     * Keeps at most {@code max} of the points (a seeded subset, {@link ReferenceSets#subset}) and scores every
     * point, leaving itself out.
     *
     * @param method   the scoring method, for messages
     * @param kSetting the attribute that set {@code k}, named when there are too few points
     */
    public static Fitted fit(NeighbourSearch search, Samples points, int k, int max, long seed, Metric metric,
                             String method, String kSetting) {
        int n = points.count();
        int w = points.width();
        int[] subset = ReferenceSets.subset(n, max, seed);
        int m = subset.length;
        if (k >= m) {
            throw new IllegalArgumentException(method + " scoring: " + kSetting + "=" + k + " needs more than " + k
                    + " reference samples (a fitted sample's neighbours leave itself out); got " + m);
        }
        float[] codes = ReferenceSets.rows(points.values(), w, subset);
        double[] scores = kth(search, points.values(), n, codes, m, w, k, metric, ReferenceSets.positions(n, subset));
        Map<String, Object> state = new LinkedHashMap<>();
        state.put(K, k);
        state.put(METRIC, metric.id());
        state.put(COUNT, m);
        state.put(WIDTH, w);
        state.put(CODES, ReferenceSets.encode(codes));
        return new Fitted(state, scores);
    }

    /** Reads and checks a component state written by {@link #fit}. */
    public static Stored read(Map<String, Object> state, String method) {
        float[] codes = ReferenceSets.decode(state.get(CODES), method, CODES);
        int k = (int) number(state, K, method);
        int m = (int) number(state, COUNT, method);
        int w = (int) number(state, WIDTH, method);
        Object metric = state.get(METRIC);
        if (w < 1 || (long) m * w != codes.length || k < 1 || k >= m) {
            throw new IllegalArgumentException("the stored " + method + " state is inconsistent: " + codes.length
                    + " values for " + m + " reference samples of " + w + " (k=" + k + ")");
        }
        return new Stored(k, metric == null ? Metric.EUCLIDEAN : Metric.parse(METRIC, metric.toString()), m, w, codes);
    }

    /**
     * The k-th nearest neighbour distance of each point to the stored set.
     *
     * @param self each point's position in the stored set, to leave out; null when the points are not the fitted
     *             ones ({@link #selfPositions})
     * @param what the points ("codes", "inputs"), for the width error
     */
    public static double[] score(NeighbourSearch search, Samples points, Stored stored, int[] self, String method,
                                 String what) {
        if (points.width() != stored.width()) {
            throw new IllegalArgumentException(method + " scoring was fitted on " + what + " of " + stored.width()
                    + " values; these have " + points.width());
        }
        return kth(search, points.values(), points.count(), stored.codes(), stored.count(), stored.width(),
                stored.k(), stored.metric(), self);
    }

    /**
     * Where each scored sample sits in a stored set of {@code codesCount} rows when the batch is exactly the
     * samples the state was fitted on (same count and fingerprint, {@link ReferenceSets#fingerprint}); null
     * otherwise. The subset is drawn again from the fitted count, the kept count and the stored seed.
     */
    public static int[] selfPositions(Samples input, int fittedCount, Object fingerprint, long seed, int codesCount) {
        if (fingerprint == null || input.count() != fittedCount
                || !fingerprint.toString().equals(ReferenceSets.fingerprint(input.values(), input.count()))) {
            return null;
        }
        return ReferenceSets.positions(fittedCount, ReferenceSets.subset(fittedCount, codesCount, seed));
    }

    /**
     * The distance of each query to its k-th nearest reference row, leaving out row {@code self[i]} for query
     * {@code i} (none when {@code self} is null or {@code self[i] < 0}). Candidates come from the search; their
     * distances are recomputed exactly in double precision before the k-th is taken.
     */
    public static double[] kth(NeighbourSearch search, float[] queries, int n, float[] reference, int m, int w, int k,
                               Metric metric, int[] self) {
        if (k < 1 || k > m) {
            throw new IllegalArgumentException("cannot find the " + k + "-th nearest neighbour among " + m
                    + " reference samples");
        }
        if (n == 0) {
            return new double[0];
        }
        boolean leaveOut = self != null && Arrays.stream(self).anyMatch(p -> p >= 0);
        int c = leaveOut ? k + 1 : k;
        if (c > m) {
            throw new IllegalArgumentException("cannot leave a sample out of its " + k + " nearest neighbours among "
                    + m + " reference samples");
        }
        NeighbourSearch.Neighbours nn = search.search(metric.searchRows(queries, n, w, true), n,
                metric.searchRows(reference, m, w, false), m, metric.searchWidth(w), c);
        double[] out = new double[n];
        double[] cand = new double[c];
        for (int i = 0; i < n; i++) {
            int own = leaveOut ? self[i] : -1;
            int count = 0;
            for (int j = 0; j < c; j++) {
                int r = nn.index()[i * c + j];
                if (r < 0) {
                    throw new IllegalArgumentException("sample " + i + " has no finite distance to the reference "
                            + "samples (non-finite values?)");
                }
                if (r != own) {
                    cand[count++] = metric.distance(queries, i * w, reference, r * w, w);
                }
            }
            Arrays.sort(cand, 0, count);
            out[i] = cand[k - 1];
        }
        return out;
    }

    /**
     * A number of a scorer state (stored as a number or its text), failing with a message that names the key and
     * says to fit the {@code method} scoring when it is missing.
     */
    public static double number(Map<String, Object> state, String key, String method) {
        Object v = state.get(key);
        if (v == null) {
            throw new IllegalArgumentException("the scorer state has no '" + key + "'; fit " + method
                    + " scoring first");
        }
        return v instanceof Number num ? num.doubleValue() : Double.parseDouble(v.toString());
    }
}
