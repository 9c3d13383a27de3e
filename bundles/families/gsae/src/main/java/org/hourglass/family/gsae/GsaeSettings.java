package org.hourglass.family.gsae;

import org.hourglass.family.topk.blocks.SaeBlocks;

/**
 * The g-sae family's configuration as checked values.
 *
 * @param k              active latents per sample
 * @param beta           weight of the sensitivity in the selection score {@code z + β z s}
 * @param auxK           latents the AuxK term may use among the dead ones; 0 = half the input width
 * @param auxCoefficient weight of the AuxK term (0 = off)
 * @param deadTokens     a latent that has not fired for this many samples (tokens) in a row is dead
 * @param probes         rows' gradient layout: -1 = from the data's sample shape, 0 = {@code [x | g]} (closed form),
 *                       r >= 1 = {@code [x | g_1 .. g_r]} (random probes)
 */
record GsaeSettings(int k, double beta, int auxK, double auxCoefficient, long deadTokens, int probes) {

    /** Layout taken from the data. */
    GsaeSettings(int k, double beta, int auxK, double auxCoefficient, long deadTokens) {
        this(k, beta, auxK, auxCoefficient, deadTokens, -1);
    }

    GsaeSettings {
        SaeBlocks.requireK(k);
        if (!(beta >= 0) || Double.isInfinite(beta)) {
            throw new IllegalArgumentException("beta must be finite and >= 0, was " + beta);
        }
        SaeBlocks.checkAuxSettings(auxK, auxCoefficient, deadTokens, "input");
        if (probes < -1) {
            throw new IllegalArgumentException("gradient.probes must be -1 (from the data), 0 (rows [x | g]) or the "
                    + "number of probes, was " + probes);
        }
    }

    static GsaeSettings of(GsaeFamily.Config c) {
        return new GsaeSettings(c.k(), c.beta(), c.aux_k(), c.aux_coefficient(), c.dead_tokens(),
                c.gradient_probes());
    }

    /** Checks k against the pipeline's latent.size (the number of latents). */
    void requireLatents(int latents) {
        SaeBlocks.requireLatents("g-sae", k, latents);
    }

    /** The AuxK count for activations of {@code features} values and {@code latents} latents. */
    int auxK(long features, int latents) {
        return SaeBlocks.auxK(auxK, features, latents);
    }

    /**
     * The number of probes of rows with the data's {@code sampleShape}: 0 for the closed form {@code [x | g]}
     * (flat rows), r for {@code [x | g_1 .. g_r]} (sample shape {@code [1 + r, d]}, as the onnx-activations source
     * declares them, or flat rows with gradient.probes set).
     */
    int probesOf(long[] sampleShape) {
        if (sampleShape.length > 2 || sampleShape.length == 2 && sampleShape[0] < 2) {
            throw new IllegalArgumentException("g-sae reads rows [x | g] or [x | g_1 .. g_r]; the training data has "
                    + "samples of shape " + java.util.Arrays.toString(sampleShape) + " (flat rows, or [1 + r, d] "
                    + "for r probes)");
        }
        int declared = sampleShape.length == 2 ? (int) sampleShape[0] - 1 : -1;
        if (declared >= 0 && probes >= 0 && probes != declared) {
            throw new IllegalArgumentException("g-sae: gradient.probes=" + probes + " but the training data declares "
                    + "rows [x | g_1 .. g_" + declared + "] (sample shape " + java.util.Arrays.toString(sampleShape)
                    + "); set gradient.probes to " + declared + " or to -1 to take the data's layout");
        }
        return probes >= 0 ? probes : Math.max(declared, 0);
    }
}
