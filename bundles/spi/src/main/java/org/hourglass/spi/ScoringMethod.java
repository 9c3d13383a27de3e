package org.hourglass.spi;

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
}
