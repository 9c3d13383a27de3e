package org.hourglass.family.batchtopk;

/**
 * The batchtopk family's configuration as checked values.
 *
 * @param k                 mean active latents per sample (k·B kept per batch of B)
 * @param thresholdMomentum weight of the previous threshold in its running average, in [0, 1)
 * @param auxK              latents the AuxK term may use among the dead ones; 0 = half the input width
 * @param auxCoefficient    weight of the AuxK term (0 = off)
 * @param deadTokens        a latent that has not fired for this many samples (tokens) in a row is dead
 */
record BatchTopkSettings(int k, double thresholdMomentum, int auxK, double auxCoefficient, long deadTokens) {

    BatchTopkSettings {
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, was " + k);
        }
        if (!(thresholdMomentum >= 0 && thresholdMomentum < 1)) {
            throw new IllegalArgumentException("threshold.momentum must be in [0, 1), was " + thresholdMomentum);
        }
        if (auxK < 0) {
            throw new IllegalArgumentException("aux.k must be >= 0 (0 = half the input width), was " + auxK);
        }
        if (!(auxCoefficient >= 0) || Double.isInfinite(auxCoefficient)) {
            throw new IllegalArgumentException("aux.coefficient must be finite and >= 0, was " + auxCoefficient);
        }
        if (deadTokens < 1) {
            throw new IllegalArgumentException("dead.tokens must be >= 1, was " + deadTokens);
        }
    }

    static BatchTopkSettings defaults() {
        return new BatchTopkSettings(32, 0.99, 0, 1.0 / 32, 100_000);
    }

    static BatchTopkSettings of(BatchTopkFamily.Config c) {
        return new BatchTopkSettings(c.k(), c.threshold_momentum(), c.aux_k(), c.aux_coefficient(),
                c.dead_tokens());
    }

    /** Checks k against the pipeline's latent.size (the number of latents). */
    void requireLatents(int latents) {
        if (k > latents) {
            throw new IllegalArgumentException("batchtopk: k (" + k + ") must not exceed the pipeline's "
                    + "latent.size (" + latents + "), the number of latents");
        }
    }

    /** The AuxK count for an input of {@code features} values and {@code latents} latents. */
    int auxK(long features, int latents) {
        long a = auxK > 0 ? auxK : Math.max(1, features / 2);
        return (int) Math.min(a, latents);
    }
}
