package org.hourglass.pipeline.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class PcaDetectorTest {

    /**
     * Points on the line y = 2x (with a little noise across it): one component explains far more than 90%, and a
     * sample's score is its squared distance to the line through the mean, by hand: for (2, -1) from the mean
     * (0, 0) that is ((2, -1)·(2, -1)/√5)² = 5, for (1, 2) on the line 0.
     */
    @Test
    void scoresTheSquaredDistanceToTheLine() {
        int n = 200;
        float[] train = new float[2 * n];
        for (int i = 0; i < n; i++) {
            double t = i - (n - 1) / 2.0;
            double across = (i % 2 == 0 ? 1 : -1) * 1e-3;
            train[2 * i] = (float) (t + 2 * across / Math.sqrt(5));
            train[2 * i + 1] = (float) (2 * t - across / Math.sqrt(5));
        }
        PcaDetector pca = PcaDetector.fit(train, n, 2, 1);
        assertEquals(1, pca.components());
        assertEquals(n, pca.rows());
        double[] s = pca.score(new float[] {2, -1, 1, 2, -3, -6}, 3);
        assertEquals(5.0, s[0], 1e-4);
        assertEquals(0.0, s[1], 1e-4);
        assertEquals(0.0, s[2], 1e-4);
    }

    /**
     * Data in a 3-dimensional subspace of a wide space: the covariance route (width 40) and the Gram route (width
     * 1,100, more than {@link PcaDetector#MAX_MATRIX}) both keep the subspace, and the score of a sample is the
     * squared length of its part orthogonal to it (known by construction: the subspace is spanned by the first
     * three coordinate axes after a fixed permutation).
     */
    @Test
    void bothRoutesFindTheSubspace() {
        for (int width : new int[] {40, 1100}) {
            Random r = new Random(width);
            int n = 300;
            int[] axes = {width - 1, 7, width / 2};
            float[] train = new float[n * width];
            for (int i = 0; i < n; i++) {
                for (int a = 0; a < axes.length; a++) {
                    train[i * width + axes[a]] = (float) (r.nextGaussian() * (1 + 0.1 * a) + 5);
                }
            }
            PcaDetector pca = PcaDetector.fit(train, n, width, 1);
            assertEquals(3, pca.components(), "width " + width);
            float[] probe = new float[width];
            probe[axes[0]] = 5;
            probe[axes[1]] = 5;
            probe[axes[2]] = 5;
            probe[3] = 2; // off the subspace by 2 (axis 3 is none of the three)
            float[] inside = probe.clone();
            inside[3] = 0;
            double[] s = pca.score(concat(probe, inside), 2);
            assertEquals(4.0, s[0], 1e-3, "width " + width);
            assertEquals(0.0, s[1], 1e-3, "width " + width);
        }
    }

    @Test
    void badShapesAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PcaDetector.fit(new float[5], 2, 3, 1));
        assertTrue(e.getMessage().contains("PCA baseline"), e.getMessage());
        PcaDetector pca = PcaDetector.fit(new float[] {0, 1, 1, 0, 2, 2}, 3, 2, 1);
        assertThrows(IllegalArgumentException.class, () -> pca.score(new float[3], 2));
    }

    private static float[] concat(float[] a, float[] b) {
        float[] out = new float[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
