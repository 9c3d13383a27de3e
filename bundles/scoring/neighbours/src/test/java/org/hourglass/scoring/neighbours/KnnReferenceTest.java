package org.hourglass.scoring.neighbours;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.hourglass.scoring.neighbours.KnnReference.Metric;
import org.hourglass.spi.Samples;
import org.hourglass.testing.GraphRunner;
import org.hourglass.testing.Neighbours;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class KnnReferenceTest {

    private static GraphRunner runner;
    private static NeighbourSearch search;

    @BeforeAll
    static void executor() {
        runner = new GraphRunner();
        search = new NeighbourSearch(runner.executor(), 7, "test");
    }

    @AfterAll
    static void close() {
        search.close();
        runner.close();
    }

    private static float[] random(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    @Test
    void kthDistanceMatchesADoubleLoopForBothMetrics() {
        Random rnd = new Random(2);
        int w = 5;
        int n = 23;
        int m = 31;
        float[] q = random(rnd, n * w);
        float[] r = random(rnd, m * w);
        // Zero rows: cosine counts them as orthogonal to everything.
        Arrays.fill(q, 0, w, 0f);
        Arrays.fill(r, 2 * w, 3 * w, 0f);
        for (Metric metric : Metric.values()) {
            for (int k : new int[] {1, 4, 30}) {
                double[] got = KnnReference.kth(search, q, n, r, m, w, k, metric, null);
                for (int i = 0; i < n; i++) {
                    assertEquals(Neighbours.kth(q, i, r, m, w, k, -1, metric == Metric.COSINE), got[i], 1e-9,
                            metric + " k=" + k + " query " + i);
                }
            }
        }
    }

    @Test
    void fittedSamplesLeaveThemselvesOutButNotTheirDuplicates() {
        Random rnd = new Random(4);
        int w = 3;
        int n = 40;
        float[] x = random(rnd, n * w);
        System.arraycopy(x, 0, x, 5 * w, w);               // sample 5 duplicates sample 0
        Samples points = new Samples(x, n, w);
        for (int max : new int[] {1000, 17}) {
            KnnReference.Fitted f = KnnReference.fit(search, points, 2, max, 9, Metric.EUCLIDEAN, "test", "k");
            int[] kept = ReferenceSets.subset(n, max, 9);
            int[] at = ReferenceSets.positions(n, kept);
            float[] ref = ReferenceSets.rows(x, w, kept);
            assertEquals(kept.length, f.state().get(KnnReference.COUNT));
            for (int i = 0; i < n; i++) {
                assertEquals(Neighbours.kth(x, i, ref, kept.length, w, 2, at[i], false), f.scores()[i], 1e-9,
                        "max " + max + " sample " + i);
            }
            // Scoring the fitted samples again (recognised by their fingerprint) gives the same leave-one-out scores.
            KnnReference.Stored stored = KnnReference.read(f.state(), "test");
            int[] self = KnnReference.selfPositions(points, n, ReferenceSets.fingerprint(x, n), 9, kept.length);
            assertArrayEquals(f.scores(), KnnReference.score(search, points, stored, self, "test", "codes"), 0);
        }
        // With every sample kept, 0 and 5 are each other's nearest neighbour: k=1 gives 0 for both, not for others.
        KnnReference.Fitted all = KnnReference.fit(search, points, 1, 1000, 9, Metric.EUCLIDEAN, "test", "k");
        assertEquals(0, all.scores()[0]);
        assertEquals(0, all.scores()[5]);
        assertTrue(all.scores()[1] > 0);
    }

    @Test
    void selfPositionsOnlyForTheExactFittedSamples() {
        float[] x = random(new Random(8), 20);
        Samples s = new Samples(x, 10, 2);
        String fp = ReferenceSets.fingerprint(x, 10);
        assertArrayEquals(ReferenceSets.positions(10, ReferenceSets.subset(10, 4, 3)),
                KnnReference.selfPositions(s, 10, fp, 3, 4));
        float[] changed = x.clone();
        changed[7] = Math.nextUp(changed[7]);
        assertNotEquals(fp, ReferenceSets.fingerprint(changed, 10));
        assertNull(KnnReference.selfPositions(new Samples(changed, 10, 2), 10, fp, 3, 4));
        assertNull(KnnReference.selfPositions(new Samples(Arrays.copyOf(x, 18), 9, 2), 10, fp, 3, 4));
        assertNull(KnnReference.selfPositions(s, 10, null, 3, 4));
    }

    @Test
    void subsetIsSeededSortedAndRecoverableFromItsSize() {
        int[] a = ReferenceSets.subset(100, 10, 5);
        assertEquals(10, a.length);
        assertArrayEquals(a, ReferenceSets.subset(100, 10, 5));
        assertTrue(!Arrays.equals(a, ReferenceSets.subset(100, 10, 6)));
        for (int i = 1; i < a.length; i++) {
            assertTrue(a[i] > a[i - 1]);
        }
        assertArrayEquals(new int[] {0, 1, 2}, ReferenceSets.subset(3, 10, 5));
    }

    @Test
    void statesReadBackFromJsonListsAndBadStatesAreNamed() {
        Random rnd = new Random(1);
        float[] x = random(rnd, 30);
        KnnReference.Fitted f = KnnReference.fit(search, new Samples(x, 10, 3), 3, 100, 1, Metric.COSINE, "t", "k");
        Map<String, Object> json = new java.util.HashMap<>(f.state());
        List<Double> list = new ArrayList<>();
        for (double v : (double[]) f.state().get(KnnReference.CODES)) {
            list.add(v);
        }
        json.put(KnnReference.CODES, list);
        KnnReference.Stored s = KnnReference.read(json, "t");
        assertEquals(Metric.COSINE, s.metric());
        assertArrayEquals(x, s.codes());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KnnReference.fit(search, new Samples(x, 10, 3), 3, 3, 1, Metric.EUCLIDEAN, "latent-knn", "k"));
        assertTrue(e.getMessage().contains("k=3 needs more than 3 reference samples"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Metric.parse("metric", "manhattan"));
        assertEquals("metric must be euclidean or cosine, was 'manhattan'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> KnnReference.read(Map.of("k", 1), "latent-knn"));
        assertTrue(e.getMessage().contains("no fitted latent-knn reference"), e.getMessage());
    }
}
