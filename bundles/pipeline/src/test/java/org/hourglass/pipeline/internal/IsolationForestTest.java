package org.hourglass.pipeline.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IsolationForestTest {

    /** c(n) = 2 (ln(n-1) + 0.5772156649) - 2 (n-1)/n, worked by hand; c(2) = 1 and c(1) = 0 by definition. */
    @Test
    void averagePathLengthNormalisation() {
        assertEquals(0, IsolationForest.c(0), 0);
        assertEquals(0, IsolationForest.c(1), 0);
        assertEquals(1, IsolationForest.c(2), 0);
        assertEquals(2 * (0.6931471806 + 0.5772156649) - 4.0 / 3, IsolationForest.c(3), 1e-9);
        assertEquals(1.2073923576, IsolationForest.c(3), 1e-9);
        assertEquals(10.2447709201, IsolationForest.c(256), 1e-9); // 2 (5.5412635452 + 0.5772156649) - 510/256
    }

    @Test
    void sameSeedSameScoresOtherSeedOtherTrees() {
        float[] train = gaussian(500, 6, 1);
        float[] test = gaussian(50, 6, 2);
        double[] a = IsolationForest.fit(train, 500, 6, 42).score(test, 50);
        double[] b = IsolationForest.fit(train, 500, 6, 42).score(test, 50);
        double[] c = IsolationForest.fit(train, 500, 6, 43).score(test, 50);
        assertArrayEquals(a, b, 0.0);
        assertFalse(Arrays.equals(a, c));
        for (double s : a) {
            assertTrue(s > 0 && s <= 1, "score " + s);
        }
    }

    @Test
    void anObviousOutlierScoresAboveTheInliers() {
        int w = 4;
        float[] train = gaussian(1000, w, 5);
        IsolationForest forest = IsolationForest.fit(train, 1000, w, 9);
        assertEquals(IsolationForest.SUBSAMPLE, forest.subsample());
        float[] queries = new float[6 * w];
        System.arraycopy(train, 0, queries, 0, 5 * w); // five training inliers
        Arrays.fill(queries, 5 * w, 6 * w, 8f);        // far from everything
        double[] s = forest.score(queries, 6);
        for (int i = 0; i < 5; i++) {
            assertTrue(s[5] > s[i] + 0.1, Arrays.toString(s));
        }
        assertTrue(s[5] > 0.6, "an isolated point scores well above 0.5: " + s[5]);
    }

    /** Identical samples cannot be split: every path ends at the root's leaf of psi samples, so h = c(psi), s = 0.5. */
    @Test
    void identicalSamplesScoreOneHalf() {
        float[] same = new float[300 * 3];
        Arrays.fill(same, 2f);
        double[] s = IsolationForest.fit(same, 300, 3, 1).score(new float[] {2, 2, 2, 9, 9, 9}, 2);
        assertArrayEquals(new double[] {0.5, 0.5}, s, 1e-12);
    }

    /**
     * Two training samples: each tree splits them once (height limit ceil(log2 2) = 1) into two leaves of one, so
     * every path is 1 and c(2) = 1: the score is 2^-1 for any sample.
     */
    @Test
    void twoSamplesGivePathOneNormalisedByCOfTwo() {
        IsolationForest forest = IsolationForest.fit(new float[] {0, 1}, 2, 1, 3);
        assertEquals(2, forest.subsample());
        assertArrayEquals(new double[] {0.5, 0.5, 0.5}, forest.score(new float[] {-5, 0.5f, 7}, 3), 1e-12);
    }

    /** Constant features (pixels always 0) never split a node: a varying feature is found among many constant ones. */
    @Test
    void constantFeaturesAreSkipped() {
        int w = 200;
        int n = 256;
        float[] train = new float[n * w];
        Random r = new Random(1);
        for (int i = 0; i < n; i++) {
            train[i * w + 117] = (float) r.nextGaussian(); // the only feature that varies
        }
        IsolationForest forest = IsolationForest.fit(train, n, w, 4);
        float[] q = new float[2 * w];
        q[117] = 0;
        q[w + 117] = 6;
        double[] s = forest.score(q, 2);
        assertTrue(s[1] > s[0] + 0.1, Arrays.toString(s));
    }

    private static float[] gaussian(int n, int w, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n * w];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }
}
