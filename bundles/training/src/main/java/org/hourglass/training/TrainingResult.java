package org.hourglass.training;

import java.util.List;

/**
 * What a {@link Trainer#fit} call did.
 *
 * @param epochLosses      mean loss per epoch
 * @param firstLoss        the loss of the first step
 * @param steps            steps run
 * @param samplesPerSecond samples per second over the whole call
 */
public record TrainingResult(List<Double> epochLosses, double firstLoss, long steps, double samplesPerSecond) {

    public TrainingResult {
        epochLosses = List.copyOf(epochLosses);
    }

    /** The mean loss of the last epoch. */
    public double finalLoss() {
        return epochLosses.get(epochLosses.size() - 1);
    }
}
