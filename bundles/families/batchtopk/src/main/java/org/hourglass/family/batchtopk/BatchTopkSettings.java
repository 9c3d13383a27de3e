package org.hourglass.family.batchtopk;

import org.hourglass.family.topk.blocks.SaeBlocks;

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
        SaeBlocks.requireK(k);
        if (!(thresholdMomentum >= 0 && thresholdMomentum < 1)) {
            throw new IllegalArgumentException("threshold.momentum must be in [0, 1), was " + thresholdMomentum);
        }
        SaeBlocks.checkAuxSettings(auxK, auxCoefficient, deadTokens, "input");
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
        SaeBlocks.requireLatents("batchtopk", k, latents);
    }

    /** The AuxK count for an input of {@code features} values and {@code latents} latents. */
    int auxK(long features, int latents) {
        return SaeBlocks.auxK(auxK, features, latents);
    }
}
