package org.hourglass.pipeline.internal;

import java.util.Arrays;
import org.hourglass.api.pipeline.ScoreHistogram;

/** Builds the score histogram stored with a model. */
final class Histograms {

    static final int BINS = 40;

    private Histograms() {
    }

    /**
     * Bins span the scores up to their 99.5th percentile (a few extreme anomalies would otherwise squeeze everything
     * into the first bins) and include the threshold; larger scores count in the last bin.
     *
     * @param labels null when all samples are normal
     */
    static ScoreHistogram of(double[] scores, int[] labels, double threshold, String source) {
        double lo = Arrays.stream(scores).min().orElse(0);
        double hi = Math.max(Metrics.quantile(scores, 0.995), threshold);
        if (!(hi > lo)) {
            hi = lo + 1;
        }
        double[] edges = new double[BINS + 1];
        for (int i = 0; i <= BINS; i++) {
            edges[i] = lo + (hi - lo) * i / BINS;
        }
        int[] normal = new int[BINS];
        int[] anomalous = new int[BINS];
        for (int i = 0; i < scores.length; i++) {
            int bin = (int) Math.min(BINS - 1, Math.max(0, Math.floor((scores[i] - lo) / (hi - lo) * BINS)));
            if (labels != null && labels[i] == 1) {
                anomalous[bin]++;
            } else {
                normal[bin]++;
            }
        }
        return new ScoreHistogram(edges, normal, anomalous, threshold, source);
    }
}
