package org.hourglass.spi;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Turns model outputs into anomaly scores (higher = more anomalous). Fitted once on reference data after
 * training; its state is stored as JSON with the model, so it must hold only JSON values (numbers, strings,
 * booleans, lists and maps of those, double arrays).
 */
@ConsumerType
public interface ScoringMethod {

    /** Model outputs this method reads (see {@link ModelOutputs}). */
    default Set<String> requiredOutputs() {
        return Set.of(ModelOutputs.RECONSTRUCTION);
    }

    /** Fits on reference (normal) data and returns the state that {@link #score} needs. */
    Map<String, Object> fit(ModelOutputs reference);

    /** One score per sample. */
    double[] score(ModelOutputs batch, Map<String, Object> state);

    /**
     * The statistics of the reference scores every fitted state carries ({@code reference_count},
     * {@code reference_mean}, {@code reference_std}: population standard deviation), in that order.
     *
     * @param method the method's name, for the error when there are no scores
     * @throws IllegalArgumentException when {@code scores} is empty
     */
    static Map<String, Object> referenceStatistics(String method, double[] scores) {
        if (scores.length == 0) {
            throw new IllegalArgumentException("cannot fit " + method + " scoring on no samples");
        }
        double mean = 0;
        for (double v : scores) {
            mean += v;
        }
        mean /= scores.length;
        double var = 0;
        for (double v : scores) {
            var += (v - mean) * (v - mean);
        }
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("reference_count", scores.length);
        stats.put("reference_mean", mean);
        stats.put("reference_std", Math.sqrt(var / scores.length));
        return stats;
    }
}
