package org.hourglass.family.topk;

import org.hourglass.family.topk.blocks.SaeBlocks;

/**
 * The topk family's configuration as checked values.
 *
 * @param k              active latents per sample
 * @param auxK           latents the AuxK term may use among the dead ones; 0 = half the input width
 * @param auxCoefficient weight of the AuxK term (0 = off)
 * @param deadTokens     a latent that has not fired for this many samples (tokens) in a row is dead
 */
record TopkSettings(int k, int auxK, double auxCoefficient, long deadTokens) {

    TopkSettings {
        SaeBlocks.requireK(k);
        SaeBlocks.checkAuxSettings(auxK, auxCoefficient, deadTokens, "input");
    }

    static TopkSettings defaults() {
        return new TopkSettings(32, 0, 1.0 / 32, 100_000);
    }

    static TopkSettings of(TopkFamily.Config c) {
        return new TopkSettings(c.k(), c.aux_k(), c.aux_coefficient(), c.dead_tokens());
    }

    /** Checks k against the pipeline's latent.size (the number of latents). */
    void requireLatents(int latents) {
        SaeBlocks.requireLatents("topk", k, latents);
    }

    /** The AuxK count for an input of {@code features} values and {@code latents} latents. */
    int auxK(long features, int latents) {
        return SaeBlocks.auxK(auxK, features, latents);
    }
}
