package org.hourglass.pipeline.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.hourglass.api.pipeline.Evaluation;
import org.junit.jupiter.api.Test;

class MetricsTest {

    @Test
    void aurocCountsOrderedPairsAndTiesHalf() {
        assertEquals(1.0, Metrics.auroc(new double[] {0.1, 0.2, 0.8, 0.9}, new int[] {0, 0, 1, 1}), 1e-12);
        assertEquals(0.0, Metrics.auroc(new double[] {0.9, 0.8, 0.2, 0.1}, new int[] {0, 0, 1, 1}), 1e-12);
        // pairs (pos, neg): (0.5 vs 0.1) win, (0.5 vs 0.5) tie, (0.3 vs 0.1) win, (0.3 vs 0.5) loss → 2.5 / 4
        assertEquals(0.625, Metrics.auroc(new double[] {0.1, 0.5, 0.5, 0.3}, new int[] {0, 0, 1, 1}), 1e-12);
        assertTrue(Double.isNaN(Metrics.auroc(new double[] {1, 2}, new int[] {0, 0})));
    }

    @Test
    void averagePrecisionAndF1() {
        // ranking by score: 0.9 (1), 0.8 (0), 0.7 (1): precisions at the anomalies 1/1 and 2/3
        double[] scores = {0.7, 0.8, 0.9, 0.1};
        int[] labels = {1, 0, 1, 0};
        assertEquals((1 + 2.0 / 3) / 2, Metrics.averagePrecision(scores, labels), 1e-12);
        // threshold 0.75: predicted {0.8, 0.9} → tp 1, fp 1, fn 1 → F1 = 2/4
        assertEquals(0.5, Metrics.f1(scores, labels, 0.75), 1e-12);
        Evaluation e = Metrics.evaluate(scores, labels, 0.75);
        assertEquals(4, e.count());
        assertEquals(2, e.anomalies());
        assertThrows(IllegalArgumentException.class, () -> Metrics.evaluate(scores, new int[] {0, 2, 1, 0}, 0));
    }

    @Test
    void quantileInterpolates() {
        double[] v = {4, 1, 3, 2, 5};
        assertEquals(1, Metrics.quantile(v, 0), 1e-12);
        assertEquals(5, Metrics.quantile(v, 1), 1e-12);
        assertEquals(4.6, Metrics.quantile(v, 0.9), 1e-12);
    }
}
