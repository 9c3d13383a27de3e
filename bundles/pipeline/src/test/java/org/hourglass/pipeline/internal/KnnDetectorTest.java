package org.hourglass.pipeline.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Random;
import org.hourglass.scoring.neighbours.ReferenceSets;
import org.hourglass.testing.GraphRunner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class KnnDetectorTest {

    private final GraphRunner runner = new GraphRunner();

    @AfterEach
    void close() {
        runner.close();
    }

    @Test
    void fifthNeighbourDistanceOfPointsOnALine() {
        float[] line = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        KnnDetector knn = KnnDetector.fit(line, 10, 1, 1);
        assertEquals(5, knn.k());
        // 0: neighbours at 0,1,2,3,4 -> 4; 20: at 11..15 -> 15; 4.5: at .5,.5,1.5,1.5,2.5 -> 2.5
        assertArrayEquals(new double[] {4, 15, 2.5}, knn.score(runner.executor(), "test/knn", new float[] {0, 20, 4.5f}, 3), 1e-6);
    }

    @Test
    void euclideanInTwoDimensions() {
        // Five references on a 3-4-5 circle around the origin and one at the origin: the 5th is at distance 5.
        float[] ref = {0, 0, 3, 4, -3, 4, 3, -4, -3, -4, 4, 3};
        KnnDetector knn = KnnDetector.fit(ref, 6, 2, 1);
        assertArrayEquals(new double[] {5}, knn.score(runner.executor(), "test/knn", new float[] {0, 0}, 1), 1e-6);
    }

    @Test
    void matchesAPlainLoopAcrossBlocksAndChunks() {
        Random r = new Random(3);
        int n = KnnDetector.BLOCK * 2 + 3; // a last block of fewer than k rows
        int w = 13;
        int q = KnnDetector.BLOCK + 50;
        float[] ref = new float[n * w];
        float[] queries = new float[q * w];
        for (int i = 0; i < ref.length; i++) {
            ref[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < queries.length; i++) {
            queries[i] = (float) (r.nextGaussian() * 1.5);
        }
        double[] got = KnnDetector.fit(ref, n, w, 7).score(runner.executor(), "test/knn", queries, q);
        for (int i = 0; i < q; i++) {
            double[] d = new double[n];
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int f = 0; f < w; f++) {
                    double diff = queries[i * w + f] - ref[j * w + f];
                    s += diff * diff;
                }
                d[j] = Math.sqrt(s);
            }
            Arrays.sort(d);
            assertEquals(d[4], got[i], 1e-3 * d[4], "query " + i);
        }
    }

    @Test
    void fewerReferencesThanKUseTheFarthest() {
        KnnDetector knn = KnnDetector.fit(new float[] {0, 10}, 2, 1, 1);
        assertEquals(2, knn.k());
        assertArrayEquals(new double[] {10, 9}, knn.score(runner.executor(), "test/knn", new float[] {0, 1}, 2), 1e-6);
    }

    @Test
    void aSeededSubsetBoundsTheReference() {
        assertArrayEquals(ReferenceSets.subset(1000, 10, 5), ReferenceSets.subset(1000, 10, 5));
        assertNotEquals(Arrays.toString(ReferenceSets.subset(1000, 10, 5)),
                Arrays.toString(ReferenceSets.subset(1000, 10, 6)));
        int[] s = ReferenceSets.subset(1000, 10, 5);
        assertEquals(10, Arrays.stream(s).distinct().count());
        float[] line = new float[1000];
        for (int i = 0; i < line.length; i++) {
            line[i] = i;
        }
        KnnDetector knn = KnnDetector.fit(line, 1000, 1, 10, 5);
        assertEquals(10, knn.referenceCount());
        // The 5th nearest of the chosen ten to the largest of them is the 5th smallest distance among them.
        float top = s[9];
        double[] d = Arrays.stream(s).mapToDouble(v -> Math.abs(top - v)).sorted().toArray();
        assertEquals(d[4], knn.score(runner.executor(), "test/knn", new float[] {top}, 1)[0], 1e-6);
    }

    @Test
    void wrongShapesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> KnnDetector.fit(new float[5], 2, 2, 1));
        KnnDetector knn = KnnDetector.fit(new float[4], 2, 2, 1);
        assertThrows(IllegalArgumentException.class, () -> knn.score(runner.executor(), "test/knn", new float[3], 2));
    }
}
