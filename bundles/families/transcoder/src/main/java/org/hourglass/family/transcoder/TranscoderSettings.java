package org.hourglass.family.transcoder;

/**
 * The transcoder family's configuration as checked values.
 *
 * @param k              active latents per sample
 * @param auxK           latents the AuxK term may use among the dead ones; 0 = half the target width
 * @param auxCoefficient weight of the AuxK term (0 = off)
 * @param deadTokens     a latent that has not fired for this many samples (tokens) in a row is dead
 */
record TranscoderSettings(int k, int auxK, double auxCoefficient, long deadTokens) {

    TranscoderSettings {
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, was " + k);
        }
        if (auxK < 0) {
            throw new IllegalArgumentException("aux.k must be >= 0 (0 = half the target width), was " + auxK);
        }
        if (!(auxCoefficient >= 0) || Double.isInfinite(auxCoefficient)) {
            throw new IllegalArgumentException("aux.coefficient must be finite and >= 0, was " + auxCoefficient);
        }
        if (deadTokens < 1) {
            throw new IllegalArgumentException("dead.tokens must be >= 1, was " + deadTokens);
        }
    }

    static TranscoderSettings defaults() {
        return new TranscoderSettings(32, 0, 1.0 / 32, 100_000);
    }

    static TranscoderSettings of(TranscoderFamily.Config c) {
        return new TranscoderSettings(c.k(), c.aux_k(), c.aux_coefficient(), c.dead_tokens());
    }

    /** Checks k against the pipeline's latent.size (the number of latents). */
    void requireLatents(int latents) {
        if (k > latents) {
            throw new IllegalArgumentException("transcoder: k (" + k + ") must not exceed the pipeline's "
                    + "latent.size (" + latents + "), the number of latents");
        }
    }

    /** The AuxK count for a target of {@code features} values and {@code latents} latents. */
    int auxK(long features, int latents) {
        long a = auxK > 0 ? auxK : Math.max(1, features / 2);
        return (int) Math.min(a, latents);
    }
}
