package org.hourglass.scoring.meanshift;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.hourglass.spi.FamilyOutputs;
import org.hourglass.spi.ModelOutputs;
import org.hourglass.spi.Samples;
import org.hourglass.testing.GraphRunner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MeanShiftScoringTest {

    private static GraphRunner runner;

    @BeforeAll
    static void executor() {
        runner = new GraphRunner();
    }

    @AfterAll
    static void close() {
        runner.close();
    }

    private static MeanShiftScoring scoring(int k, int t, String metric, int referenceMax, int blockSize) {
        return new MeanShiftScoring(new MeanShiftScoring.Settings(k, t, metric, 0.5, 2.0, referenceMax, blockSize, 1),
                runner.executor());
    }

    private static float[] random(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    // ---------------------------------------------------------------- plain-Java reference (double precision)

    private static int[] nearest(float[] q, int qi, float[] ref, int m, int w, int k) {
        Integer[] order = IntStream.range(0, m).boxed().toArray(Integer[]::new);
        double[] d = new double[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < w; j++) {
                double diff = (double) q[qi * w + j] - ref[i * w + j];
                d[i] += diff * diff;
            }
        }
        Arrays.sort(order, Comparator.comparingDouble(i -> d[i]));
        return Arrays.stream(order).limit(k).mapToInt(Integer::intValue).toArray();
    }

    private static double[] referenceShift(float[] set, int m, int w, int k, int t) {
        float[] cur = set.clone();
        for (int pass = 0; pass < t; pass++) {
            float[] next = new float[cur.length];
            for (int i = 0; i < m; i++) {
                int[] nn = nearest(cur, i, cur, m, w, k);
                for (int j = 0; j < w; j++) {
                    double s = 0;
                    for (int c : nn) {
                        s += cur[c * w + j];
                    }
                    next[i * w + j] = (float) (s / k);
                }
            }
            cur = next;
        }
        return toDouble(cur);
    }

    private static float[] referenceQueryShift(float[] x, int n, float[] ref, int m, int w, int k, int t) {
        float[] cur = x.clone();
        for (int pass = 0; pass < t; pass++) {
            float[] next = new float[cur.length];
            for (int i = 0; i < n; i++) {
                int[] nn = nearest(cur, i, ref, m, w, k - 1);
                for (int j = 0; j < w; j++) {
                    double s = cur[i * w + j];
                    for (int c : nn) {
                        s += ref[c * w + j];
                    }
                    next[i * w + j] = (float) (s / k);
                }
            }
            cur = next;
        }
        return cur;
    }

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    private static ModelOutputs outputs(float[] x, float[] r, int w) {
        return new ModelOutputs(new Samples(x, x.length / w, w), Map.of(ModelOutputs.RECONSTRUCTION,
                new Samples(r, r.length / w, w)));
    }

    // ------------------------------------------------------------------------------------------------ tests

    @Test
    void neighbourSearchMatchesBruteForceAndBlocksGiveTheSameResult() {
        Random rnd = new Random(3);
        int w = 6;
        int nq = 57;
        int nr = 83;
        int k = 4;
        float[] q = random(rnd, nq * w);
        float[] r = random(rnd, nr * w);
        NeighbourSearch.Neighbours whole;
        try (NeighbourSearch one = new NeighbourSearch(runner.executor(), 1000)) {
            whole = one.search(q, nq, r, nr, w, k);
        }
        for (int i = 0; i < nq; i++) {
            int[] expected = nearest(q, i, r, nr, w, k);
            assertArrayEquals(expected, Arrays.copyOfRange(whole.index(), i * k, (i + 1) * k), "query " + i);
            for (int c = 0; c < k; c++) {
                double d = 0;
                for (int j = 0; j < w; j++) {
                    double diff = q[i * w + j] - r[expected[c] * w + j];
                    d += diff * diff;
                }
                assertEquals(d, whole.distance()[i * k + c], 1e-4 * (1 + d));
            }
        }
        // Blocks smaller than k (3) and blocks that do not divide the row counts (10, 16) change nothing.
        for (int block : new int[] {3, 10, 16}) {
            try (NeighbourSearch blocked = new NeighbourSearch(runner.executor(), block)) {
                NeighbourSearch.Neighbours b = blocked.search(q, nq, r, nr, w, k);
                assertArrayEquals(whole.index(), b.index(), "block size " + block);
            }
        }
    }

    @Test
    void fitShiftsTheReferenceLikeThePlainJavaReference() {
        Random rnd = new Random(7);
        int w = 5;
        int n = 40;
        float[] x = random(rnd, n * w);
        ModelOutputs ref = outputs(x, x.clone(), w);
        for (int t = 1; t <= 3; t++) {
            Map<String, Object> state = scoring(4, t, "mse", 1000, 1024).fit(ref);
            assertEquals(n, state.get("reference_count"));
            assertEquals(w, state.get("reference_width"));
            assertEquals(t, state.get("t"));
            assertArrayEquals(referenceShift(x, n, w, 4, t), (double[]) state.get("shifted_reference"), 1e-5, "t=" + t);
            // Blocks of 7 rows give the same fitted state as one block.
            Map<String, Object> blocked = scoring(4, t, "mse", 1000, 7).fit(ref);
            assertArrayEquals((double[]) state.get("shifted_reference"), (double[]) blocked.get("shifted_reference"),
                    1e-6, "t=" + t + " in blocks");
        }
    }

    @Test
    void scoresCompareTheReconstructionWithTheShiftedSample() {
        Random rnd = new Random(11);
        int w = 4;
        int n = 30;
        int k = 3;
        int t = 2;
        float[] train = random(rnd, n * w);
        MeanShiftScoring mss = scoring(k, t, "mse", 1000, 8);
        Map<String, Object> state = mss.fit(outputs(train, train.clone(), w));
        float[] shifted = new float[n * w];
        double[] s = (double[]) state.get("shifted_reference");
        for (int i = 0; i < s.length; i++) {
            shifted[i] = (float) s[i];
        }

        int nt = 12;
        float[] x = random(rnd, nt * w);
        float[] r = random(rnd, nt * w);
        float[] xms = referenceQueryShift(x, nt, shifted, n, w, k, t);
        double[] scores = mss.score(outputs(x, r, w), state);
        assertEquals(nt, scores.length);
        for (int i = 0; i < nt; i++) {
            double e = 0;
            for (int j = 0; j < w; j++) {
                double d = r[i * w + j] - xms[i * w + j];
                e += d * d;
            }
            assertEquals(e / w, scores[i], 1e-5, "sample " + i);
        }
        // The same state read back from JSON (lists of numbers) scores identically.
        Map<String, Object> fromJson = new HashMap<>(state);
        List<Double> list = new ArrayList<>();
        for (double v : s) {
            list.add(v);
        }
        fromJson.put("shifted_reference", list);
        assertArrayEquals(scores, mss.score(outputs(x, r, w), fromJson), 0);
        // A sample that coincides with the shifted reference and is reconstructed exactly scores less than
        // one far away.
        float[] far = new float[w];
        Arrays.fill(far, 25f);
        float[] near = Arrays.copyOfRange(shifted, 0, w);
        double[] two = mss.score(outputs(concat(near, far), concat(near, near), w), state);
        assertTrue(two[0] < two[1], Arrays.toString(two));
    }

    @Test
    void apreUsesThePredictedVarianceAndTheStoredSettingsWin() {
        Random rnd = new Random(5);
        int w = 3;
        int n = 20;
        float[] train = random(rnd, n * w);
        MeanShiftScoring apre = scoring(3, 1, "apre", 1000, 1024);
        assertEquals(Set.of(ModelOutputs.RECONSTRUCTION, FamilyOutputs.LOG_VARIANCE), apre.requiredOutputs());
        Map<String, Object> state = apre.fit(outputs(train, train.clone(), w));
        float[] shifted = new float[n * w];
        double[] s = (double[]) state.get("shifted_reference");
        for (int i = 0; i < s.length; i++) {
            shifted[i] = (float) s[i];
        }
        int nt = 5;
        float[] x = random(rnd, nt * w);
        float[] r = random(rnd, nt * w);
        float[] lv = random(rnd, nt * w);
        ModelOutputs batch = new ModelOutputs(new Samples(x, nt, w), Map.of(ModelOutputs.RECONSTRUCTION,
                new Samples(r, nt, w), FamilyOutputs.LOG_VARIANCE, new Samples(lv, nt, w)));
        float[] xms = referenceQueryShift(x, nt, shifted, n, w, 3, 1);
        double[] scores = apre.score(batch, state);
        for (int i = 0; i < nt; i++) {
            double err = 0;
            double logVar = 0;
            for (int j = 0; j < w; j++) {
                double d = r[i * w + j] - xms[i * w + j];
                err += d * d * Math.exp(-lv[i * w + j]);
                logVar += lv[i * w + j];
            }
            assertEquals(0.5 * err / w + 2.0 * logVar / w, scores[i], 1e-5, "sample " + i);
        }
        // An instance configured with mse scores a model fitted with apre the apre way.
        assertArrayEquals(scores, scoring(2, 3, "mse", 1000, 4).score(batch, state), 1e-12);
        // Without a log_variance output apre names it.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> apre.score(outputs(x, r, w), state));
        assertTrue(e.getMessage().contains("log_variance"), e.getMessage());
    }

    @Test
    void theReferenceIsASeededSubsetOfAtMostReferenceMax() {
        Random rnd = new Random(13);
        int w = 2;
        float[] x = random(rnd, 50 * w);
        ModelOutputs ref = outputs(x, x.clone(), w);
        Map<String, Object> a = scoring(3, 1, "mse", 20, 1024).fit(ref);
        Map<String, Object> b = scoring(3, 1, "mse", 20, 5).fit(ref);
        assertEquals(20, a.get("reference_count"));
        assertEquals(40, ((double[]) a.get("shifted_reference")).length);
        assertArrayEquals((double[]) a.get("shifted_reference"), (double[]) b.get("shifted_reference"), 1e-6);
        // The subset is shifted like the plain-Java reference shifts those same rows.
        float[] subset = MeanShiftScoring.subsample(new Samples(x, 50, w), 20, 1);
        assertArrayEquals(referenceShift(subset, 20, w, 3, 1), (double[]) a.get("shifted_reference"), 1e-5);
    }

    @Test
    void badSettingsAndBadInputAreNamed() {
        assertMessage("k must be >= 2", () -> scoring(1, 1, "mse", 100, 10));
        assertMessage("t (mean-shift passes) must be 1, 2 or 3, was 0", () -> scoring(5, 0, "mse", 100, 10));
        assertMessage("t (mean-shift passes) must be 1, 2 or 3, was 4", () -> scoring(5, 4, "mse", 100, 10));
        assertMessage("metric must be mse or apre, was 'mae'", () -> scoring(5, 1, "mae", 100, 10));
        assertMessage("reference.max must be >= k=5, was 4", () -> scoring(5, 1, "mse", 4, 10));
        assertMessage("block.size must be >= 1, was 0", () -> scoring(5, 1, "mse", 100, 0));
        assertMessage("alpha must be a finite number >= 0, was -1.0", () -> new MeanShiftScoring(
                new MeanShiftScoring.Settings(5, 1, "apre", -1, 2, 100, 10, 1), runner.executor()));

        MeanShiftScoring mss = scoring(5, 1, "mse", 100, 10);
        float[] three = new float[6];
        assertMessage("needs at least 5 reference samples, got 3", () -> mss.fit(outputs(three, three, 2)));
        float[] train = random(new Random(1), 20);
        Map<String, Object> state = mss.fit(outputs(train, train, 2));
        float[] wide = new float[6];
        assertMessage("fitted on samples of 2 values; these have 3", () -> mss.score(outputs(wide, wide, 3), state));
        assertMessage("no fitted mean-shift reference", () -> mss.score(outputs(train, train, 2),
                Map.of("reference_width", 2, "reference_count", 10)));
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }

    private static float[] concat(float[] a, float[] b) {
        float[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
