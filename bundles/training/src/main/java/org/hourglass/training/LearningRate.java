package org.hourglass.training;

/** A learning-rate schedule: the rate for a (1-based) global step in an (0-based) epoch. */
@FunctionalInterface
public interface LearningRate {

    double at(long step, int epoch);

    static LearningRate constant(double lr) {
        if (!(lr > 0)) {
            throw new IllegalArgumentException("learning rate must be > 0, was " + lr);
        }
        return (step, epoch) -> lr;
    }

    /** Linear warm-up over {@code warmupSteps}, then cosine decay to 0 at {@code totalSteps}. */
    static LearningRate warmupCosine(double peak, long warmupSteps, long totalSteps) {
        return (step, epoch) -> {
            if (step <= warmupSteps) {
                return peak * step / Math.max(1, warmupSteps);
            }
            double t = Math.min(1.0, (double) (step - warmupSteps) / Math.max(1, totalSteps - warmupSteps));
            return 0.5 * peak * (1 + Math.cos(Math.PI * t));
        };
    }
}
