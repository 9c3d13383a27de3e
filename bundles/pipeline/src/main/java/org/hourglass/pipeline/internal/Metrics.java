package org.hourglass.pipeline.internal;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;
import org.hourglass.api.pipeline.Evaluation;

/** Ranking metrics of anomaly scores against 0/1 labels, and the quantile used for thresholds. */
final class Metrics {

    private Metrics() {
    }

    static Evaluation evaluate(double[] scores, int[] labels, double threshold) {
        if (scores.length != labels.length) {
            throw new IllegalArgumentException(scores.length + " scores for " + labels.length + " labels");
        }
        int positives = 0;
        for (int l : labels) {
            if (l != 0 && l != 1) {
                throw new IllegalArgumentException("labels must be 0 (normal) or 1 (anomalous), found " + l);
            }
            positives += l;
        }
        return new Evaluation(scores.length, positives, auroc(scores, labels), averagePrecision(scores, labels),
                f1(scores, labels, threshold), threshold);
    }

    /** Probability that a random anomaly scores above a random normal sample; ties count half. */
    static double auroc(double[] scores, int[] labels) {
        Integer[] order = sortedAscending(scores);
        double rankSumPositives = 0;
        long positives = 0;
        int i = 0;
        while (i < order.length) {
            int j = i;
            while (j + 1 < order.length && scores[order[j + 1]] == scores[order[i]]) {
                j++;
            }
            double midRank = (i + j) / 2.0 + 1; // tied scores share the mean of their ranks
            for (int k = i; k <= j; k++) {
                if (labels[order[k]] == 1) {
                    rankSumPositives += midRank;
                    positives++;
                }
            }
            i = j + 1;
        }
        long negatives = order.length - positives;
        if (positives == 0 || negatives == 0) {
            return Double.NaN;
        }
        return (rankSumPositives - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
    }

    /** Mean of the precision at each anomaly, ranking by descending score. */
    static double averagePrecision(double[] scores, int[] labels) {
        Integer[] order = sortedAscending(scores);
        int hits = 0;
        double sum = 0;
        for (int r = 0; r < order.length; r++) {
            if (labels[order[order.length - 1 - r]] == 1) {
                hits++;
                sum += hits / (double) (r + 1);
            }
        }
        return hits == 0 ? Double.NaN : sum / hits;
    }

    static double f1(double[] scores, int[] labels, double threshold) {
        int tp = 0;
        int fp = 0;
        int fn = 0;
        for (int i = 0; i < scores.length; i++) {
            boolean predicted = scores[i] > threshold;
            if (predicted && labels[i] == 1) {
                tp++;
            } else if (predicted) {
                fp++;
            } else if (labels[i] == 1) {
                fn++;
            }
        }
        return tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
    }

    /** Linear-interpolated quantile, q in [0, 1]. */
    static double quantile(double[] values, double q) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    private static Integer[] sortedAscending(double[] scores) {
        Integer[] order = IntStream.range(0, scores.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(i -> scores[i]));
        return order;
    }
}
