package org.hourglass.pipeline.internal;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.hourglass.api.pipeline.TrainingProgress;

/**
 * What a training job has done so far, published for readers on other threads: the per-epoch losses and
 * diagnostics, the recoveries from a diverging loss, and the current step with its ETA.
 */
final class RunProgress {

    final List<Double> epochLosses = Collections.synchronizedList(new ArrayList<>());
    final List<Double> validationLosses = Collections.synchronizedList(new ArrayList<>());
    final List<Map<String, Object>> epochDiagnostics = Collections.synchronizedList(new ArrayList<>());
    final List<String> recoveries = Collections.synchronizedList(new ArrayList<>());
    private volatile TrainingProgress current;
    private volatile int epochs;
    /** Average samples in one step of an epoch (the last batch may be short; a batch larger than the data is n). */
    private volatile double samplesPerStep = 1;

    RunProgress(int epochs) {
        this.epochs = epochs;
        this.current = new TrainingProgress(0, epochs, 0, 0, Double.NaN, List.of(), List.of(), 0, Double.NaN, false);
    }

    TrainingProgress get() {
        return current;
    }

    /** The epochs the job runs (auto settings are chosen once the data is loaded) and the samples a step holds. */
    void plan(int epochs, double samplesPerStep) {
        this.epochs = epochs;
        this.samplesPerStep = samplesPerStep;
    }

    void publish(int epoch, long step, double loss, long totalSteps, double samplesPerSecond) {
        double stepsPerSecond = samplesPerSecond / samplesPerStep;
        double eta = stepsPerSecond > 0 ? Math.max(0, totalSteps - step) / stepsPerSecond : Double.NaN;
        current = new TrainingProgress(epoch, epochs, step, totalSteps, loss, epochLosses, validationLosses,
                samplesPerSecond, eta, false, epochDiagnostics, recoveries);
    }

    /** Marks the progress finished (whatever the outcome). */
    void markDone() {
        TrainingProgress p = current;
        current = new TrainingProgress(p.epoch(), p.epochs(), p.step(), p.steps(), p.loss(), epochLosses,
                validationLosses, p.samplesPerSecond(), 0, true, epochDiagnostics, recoveries);
    }

    double lastLoss() {
        return epochLosses.isEmpty() ? Double.NaN : epochLosses.get(epochLosses.size() - 1);
    }
}
