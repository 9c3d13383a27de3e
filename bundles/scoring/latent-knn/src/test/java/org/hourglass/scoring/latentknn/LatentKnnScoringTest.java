package org.hourglass.scoring.latentknn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.hourglass.spi.ModelOutputs;
import org.hourglass.spi.Samples;
import org.hourglass.testing.GraphRunner;
import org.hourglass.testing.Neighbours;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LatentKnnScoringTest {

    private static GraphRunner runner;

    @BeforeAll
    static void executor() {
        runner = new GraphRunner();
    }

    @AfterAll
    static void close() {
        runner.close();
    }

    private static LatentKnnScoring scoring(int k, String metric, int referenceMax, int blockSize) {
        return new LatentKnnScoring(LatentKnnScoring.Settings.of(k, metric, referenceMax, blockSize, 1),
                runner.executor());
    }

    private static float[] random(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    /** Inputs of width 3 (only their identity matters) and codes of width {@code w}. */
    private static ModelOutputs outputs(float[] x, float[] codes, int w) {
        int n = codes.length / w;
        return new ModelOutputs(new Samples(x, n, x.length / n), Map.of(ModelOutputs.LATENT, new Samples(codes, n, w)));
    }

    private static double mean(double[] v) {
        return Arrays.stream(v).average().orElseThrow();
    }

    @Test
    void newSamplesScoreTheDistanceToTheKthNearestTrainingCode() {
        Random rnd = new Random(1);
        int w = 4;
        int n = 60;
        float[] codes = random(rnd, n * w);
        LatentKnnScoring knn = scoring(5, "euclidean", 10_000, 16);
        assertEquals(Set.of(ModelOutputs.LATENT), knn.requiredOutputs());
        Map<String, Object> state = knn.fit(outputs(random(rnd, n * 3), codes, w));
        assertEquals(n, state.get("codes_count"));
        assertEquals(w, state.get("codes_width"));
        assertEquals(5, state.get("k"));
        assertEquals("euclidean", state.get("metric"));
        int nt = 25;
        float[] test = random(rnd, nt * w);
        double[] scores = knn.score(outputs(random(rnd, nt * 3), test, w), state);
        for (int i = 0; i < nt; i++) {
            assertEquals(Neighbours.kth(test, i, codes, n, w, 5, -1, false), scores[i], 1e-9, "sample " + i);
        }
        // A code far from the training codes scores higher than one among them.
        float[] far = new float[w];
        Arrays.fill(far, 30f);
        double[] two = knn.score(outputs(new float[6], concat(Arrays.copyOf(codes, w), far), w), state);
        assertTrue(two[1] > 10 * two[0], Arrays.toString(two));
    }

    @Test
    void trainingScoresLeaveTheSampleOutOfItsOwnNeighbours() {
        Random rnd = new Random(2);
        int w = 3;
        int n = 40;
        float[] x = random(rnd, n * 3);
        float[] codes = random(rnd, n * w);
        System.arraycopy(codes, 0, codes, 7 * w, w);            // sample 7's code duplicates sample 0's
        ModelOutputs reference = outputs(x, codes, w);
        LatentKnnScoring knn = scoring(1, "euclidean", 10_000, 8);
        Map<String, Object> state = knn.fit(reference);
        // What the pipeline does: score the fitted outputs to set the threshold.
        double[] train = knn.score(reference, state);
        for (int i = 0; i < n; i++) {
            assertEquals(Neighbours.kth(codes, i, codes, n, w, 1, i, false), train[i], 1e-9, "sample " + i);
        }
        assertEquals(0, train[0], "a duplicate is a neighbour at distance 0");
        assertEquals(0, train[7]);
        assertTrue(Arrays.stream(train).filter(s -> s > 0).count() == n - 2, Arrays.toString(train));
        assertEquals(n, state.get("reference_count"));
        assertEquals(mean(train), (double) state.get("reference_mean"), 1e-12);
        // The same samples in another object (as after a restart) are recognised by their values ...
        assertArrayEquals(train, knn.score(outputs(x.clone(), codes.clone(), w), state), 0);
        // ... while other samples with the same codes are new samples: each finds the training code it equals.
        float[] other = x.clone();
        other[0] += 1f;
        double[] asNew = knn.score(outputs(other, codes, w), state);
        assertTrue(Arrays.stream(asNew).allMatch(s -> s == 0), Arrays.toString(asNew));
    }

    @Test
    void aReferenceLargerThanReferenceMaxKeepsASeededSubset() {
        Random rnd = new Random(3);
        int w = 2;
        int n = 50;
        int max = 12;
        float[] x = random(rnd, n * 3);
        float[] codes = random(rnd, n * w);
        ModelOutputs reference = outputs(x, codes, w);
        LatentKnnScoring knn = scoring(3, "euclidean", max, 5);
        Map<String, Object> state = knn.fit(reference);
        assertEquals(max, state.get("codes_count"));
        assertEquals(max * w, ((double[]) state.get("codes")).length);
        assertEquals(n, state.get("reference_count"));
        // The kept codes are a subset of the training codes, each kept once.
        double[] kept = (double[]) state.get("codes");
        float[] keptCodes = new float[kept.length];
        List<Integer> rows = new ArrayList<>();
        for (int p = 0; p < max; p++) {
            keptCodes[p * w] = (float) kept[p * w];
            keptCodes[p * w + 1] = (float) kept[p * w + 1];
            for (int i = 0; i < n; i++) {
                if (codes[i * w] == keptCodes[p * w] && codes[i * w + 1] == keptCodes[p * w + 1]) {
                    rows.add(i);
                }
            }
        }
        assertEquals(max, rows.size());
        assertEquals(max, rows.stream().distinct().count());
        // Kept samples leave themselves out; the others are scored against all kept codes.
        double[] train = knn.score(reference, state);
        for (int i = 0; i < n; i++) {
            int self = rows.indexOf(i);
            assertEquals(Neighbours.kth(codes, i, keptCodes, max, w, 3, self, false), train[i], 1e-9, "sample " + i);
        }
        // Another seed keeps another subset.
        Map<String, Object> other = new LatentKnnScoring(LatentKnnScoring.Settings.of(3, "euclidean", max, 5, 2),
                runner.executor()).fit(reference);
        assertTrue(!Arrays.equals(kept, (double[]) other.get("codes")));
    }

    @Test
    void cosineMetricAndStoredSettingsWin() {
        Random rnd = new Random(4);
        int w = 5;
        int n = 30;
        float[] codes = random(rnd, n * w);
        Arrays.fill(codes, 3 * w, 4 * w, 0f);                    // a zero code: cosine 0 with everything
        ModelOutputs reference = outputs(random(rnd, n * 3), codes, w);
        LatentKnnScoring cosine = scoring(2, "cosine", 1000, 7);
        Map<String, Object> state = cosine.fit(reference);
        assertEquals("cosine", state.get("metric"));
        double[] train = cosine.score(reference, state);
        for (int i = 0; i < n; i++) {
            assertEquals(Neighbours.kth(codes, i, codes, n, w, 2, i, true), train[i], 1e-9, "sample " + i);
        }
        float[] test = random(rnd, 4 * w);
        ModelOutputs batch = outputs(new float[12], test, w);
        double[] scores = cosine.score(batch, state);
        for (int i = 0; i < 4; i++) {
            assertEquals(Neighbours.kth(test, i, codes, n, w, 2, -1, true), scores[i], 1e-9);
        }
        // An instance with other settings scores a stored state the way it was fitted, also from JSON lists.
        Map<String, Object> json = new HashMap<>(state);
        List<Double> list = new ArrayList<>();
        for (double v : (double[]) state.get("codes")) {
            list.add(v);
        }
        json.put("codes", list);
        json.put("seed", 1);
        assertArrayEquals(scores, scoring(7, "euclidean", 100, 1024).score(batch, json), 0);
        assertArrayEquals(train, scoring(7, "euclidean", 100, 1024).score(reference, json), 0);
    }

    @Test
    void badSettingsAndBadInputAreNamed() {
        assertMessage("k must be >= 1, was 0", () -> scoring(0, "euclidean", 100, 10));
        assertMessage("reference.max must be > k=5", () -> scoring(5, "euclidean", 5, 10));
        assertMessage("metric must be euclidean or cosine, was 'manhattan'", () -> scoring(5, "manhattan", 100, 10));
        assertMessage("block.size must be >= 1, was 0", () -> scoring(5, "euclidean", 100, 0));

        LatentKnnScoring knn = scoring(5, "euclidean", 100, 10);
        // k >= the number of training codes: a training sample would have fewer than k others.
        float[] five = random(new Random(1), 10);
        assertMessage("k=5 needs more than 5 reference samples", () -> knn.fit(outputs(new float[15], five, 2)));
        float[] codes = random(new Random(2), 40);
        Map<String, Object> state = knn.fit(outputs(new float[60], codes, 2));
        assertMessage("fitted on codes of 2 values; these have 4",
                () -> knn.score(outputs(new float[30], codes, 4), state));
        assertMessage("model output 'latent' is not available", () -> knn.fit(new ModelOutputs(
                new Samples(new float[4], 2, 2), Map.of(ModelOutputs.RECONSTRUCTION, new Samples(new float[4], 2, 2)))));
        assertMessage("no fitted latent-knn reference", () -> knn.score(outputs(new float[6], new float[4], 2),
                Map.of("k", 5)));
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
