package org.hourglass.training;

import java.util.Objects;

/**
 * How to train: epochs, batch size, learning-rate schedule, the seed for shuffling and random inputs, and
 * whether to drop a last incomplete batch.
 */
public record TrainingConfig(int epochs, int batchSize, LearningRate learningRate, long seed, boolean shuffle,
                             boolean dropLast) {

    public TrainingConfig {
        if (epochs < 1 || batchSize < 1) {
            throw new IllegalArgumentException("epochs and batch size must be >= 1, were " + epochs + ", " + batchSize);
        }
        Objects.requireNonNull(learningRate, "learningRate");
    }

    /** Shuffled, keeping a last incomplete batch. */
    public static TrainingConfig of(int epochs, int batchSize, double learningRate, long seed) {
        return new TrainingConfig(epochs, batchSize, LearningRate.constant(learningRate), seed, true, false);
    }
}
