package org.hourglass.training;

import java.util.Map;
import java.util.function.Consumer;

/** Receives training progress. Called on the training thread; keep it quick. */
@FunctionalInterface
public interface TrainingListener {

    /** After every step. */
    void onStep(Progress progress);

    /** After every epoch. */
    default void onEpoch(EpochSummary summary) {
    }

    /** Ignores everything. */
    static TrainingListener none() {
        return p -> { };
    }

    /** Calls {@code steps} after every step and {@code epochs} after every epoch. */
    static TrainingListener of(Consumer<Progress> steps, Consumer<EpochSummary> epochs) {
        return new TrainingListener() {
            @Override
            public void onStep(Progress progress) {
                steps.accept(progress);
            }

            @Override
            public void onEpoch(EpochSummary summary) {
                epochs.accept(summary);
            }
        };
    }

    /** Calls {@code epochs} after every epoch and ignores the steps. */
    static TrainingListener onEpochs(Consumer<EpochSummary> epochs) {
        return of(p -> { }, epochs);
    }

    /**
     * One step's progress.
     *
     * @param epoch            0-based epoch
     * @param stepInEpoch      1-based step within the epoch
     * @param stepsPerEpoch    steps in each epoch
     * @param globalStep       1-based step since training began (across {@code fit} calls)
     * @param loss             this step's loss
     * @param metrics          this step's scalar metrics by name
     * @param samplesPerSecond samples per second so far in this epoch
     */
    record Progress(int epoch, int stepInEpoch, int stepsPerEpoch, long globalStep, double loss,
                    Map<String, Double> metrics, double samplesPerSecond) {
    }

    /**
     * @param epoch            0-based epoch
     * @param meanLoss         mean loss over the epoch's steps (weighted by batch size)
     * @param samplesPerSecond samples per second over the epoch
     * @param diagnostics      each diagnostic output averaged over the epoch's samples (flattened)
     */
    record EpochSummary(int epoch, double meanLoss, double samplesPerSecond, Map<String, double[]> diagnostics) {

        public EpochSummary {
            diagnostics = Map.copyOf(diagnostics);
        }

        public EpochSummary(int epoch, double meanLoss, double samplesPerSecond) {
            this(epoch, meanLoss, samplesPerSecond, Map.of());
        }
    }
}
