package org.hourglass.api.pipeline;

import java.util.List;
import java.util.Map;

/**
 * Progress of a training job.
 *
 * @param epoch            1-based epoch running (or last run)
 * @param epochs           epochs planned
 * @param step             steps done in the whole job
 * @param steps            steps planned for the whole job
 * @param loss             the latest step's training loss
 * @param epochLosses      mean training loss of each finished epoch
 * @param validationLosses validation loss of each finished epoch (empty without validation data)
 * @param samplesPerSecond throughput of the current epoch
 * @param etaSeconds       estimated seconds to the end of the job
 * @param done             true once the job ended (finished, stopped early, cancelled or failed)
 * @param epochDiagnostics the family's diagnostics of each finished epoch (e.g. KL per latent dimension and active
 *                         dimensions, codebook usage), JSON values; empty for families that report none
 * @param recoveries       what the job did each time the loss became NaN or infinite (rolled back to the last
 *                         finished epoch and went on with a smaller learning rate and gradient clipping), in order
 */
public record TrainingProgress(int epoch, int epochs, long step, long steps, double loss, List<Double> epochLosses,
                               List<Double> validationLosses, double samplesPerSecond, double etaSeconds,
                               boolean done, List<Map<String, Object>> epochDiagnostics, List<String> recoveries) {

    public TrainingProgress {
        epochLosses = List.copyOf(epochLosses);
        validationLosses = List.copyOf(validationLosses);
        epochDiagnostics = List.copyOf(epochDiagnostics);
        recoveries = List.copyOf(recoveries);
    }

    /** Without recoveries. */
    public TrainingProgress(int epoch, int epochs, long step, long steps, double loss, List<Double> epochLosses,
                            List<Double> validationLosses, double samplesPerSecond, double etaSeconds, boolean done,
                            List<Map<String, Object>> epochDiagnostics) {
        this(epoch, epochs, step, steps, loss, epochLosses, validationLosses, samplesPerSecond, etaSeconds, done,
                epochDiagnostics, List.of());
    }

    /** Without diagnostics. */
    public TrainingProgress(int epoch, int epochs, long step, long steps, double loss, List<Double> epochLosses,
                            List<Double> validationLosses, double samplesPerSecond, double etaSeconds, boolean done) {
        this(epoch, epochs, step, steps, loss, epochLosses, validationLosses, samplesPerSecond, etaSeconds, done,
                List.of());
    }
}
