package org.hourglass.pipeline.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.hourglass.api.pipeline.Evaluation;
import org.hourglass.api.pipeline.Evaluation.Baseline;
import org.hourglass.testing.GraphRunner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BaselinesTest {

    private final GraphRunner runner = new GraphRunner();

    @AfterEach
    void close() {
        runner.close();
    }

    /**
     * Normal samples near a plane through the origin (two wide features, three narrow ones), anomalies far out and
     * off the plane: every detector ranks every anomaly first.
     */
    @Test
    void separableAnomaliesGiveAurocOne() {
        int w = 5;
        Random r = new Random(2);
        float[] train = new float[400 * w];
        for (int i = 0; i < train.length; i++) {
            train[i] = (float) (r.nextGaussian() * (i % w < 2 ? 1 : 0.05));
        }
        int n = 100;
        float[] test = new float[n * w];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 4 == 0 ? 1 : 0;
            for (int f = 0; f < w; f++) {
                test[i * w + f] = (float) (r.nextGaussian() * (f < 2 ? 0.5 : 0.025) + (labels[i] == 1 ? 12 : 0));
            }
        }
        List<Baseline> b = Baselines.fit(train, 400, w, 1).evaluate(runner.executor(), "test/knn", test, n, labels);
        assertEquals(List.of(Evaluation.KNN, Evaluation.IFOREST, Evaluation.PCA), b.stream().map(Baseline::name).toList());
        for (Baseline x : b) {
            assertEquals(1.0, x.auroc(), 1e-12, x.toString());
            assertEquals(1.0, x.averagePrecision(), 1e-12, x.toString());
        }
        assertEquals("distance to the 5th nearest of 400 training samples", b.get(0).description());
        assertEquals("isolation forest, 100 trees of 256 training samples", b.get(1).description());
        assertEquals("PCA reconstruction error, 2 components (90% of the variance of 400 training samples)",
                b.get(2).description());

        Map<String, Double> metrics = new LinkedHashMap<>();
        Baselines.putMetrics(metrics, b);
        assertEquals(List.of("baseline_knn_auroc", "baseline_knn_average_precision", "baseline_iforest_auroc",
                "baseline_iforest_average_precision", "baseline_pca_auroc", "baseline_pca_average_precision"),
                List.copyOf(metrics.keySet()));
        assertTrue(metrics.values().stream().allMatch(v -> v == 1.0));
    }
}
