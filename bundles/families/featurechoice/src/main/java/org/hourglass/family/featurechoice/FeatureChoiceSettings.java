package org.hourglass.family.featurechoice;

import org.hourglass.family.topk.blocks.SaeBlocks;
import org.hourglass.family.topk.blocks.ThresholdSae;

/**
 * The feature-choice family's configuration as checked values.
 *
 * @param k      mean active latents per sample, used for m when m is 0
 * @param m      tokens each latent keeps per batch; 0 = floor(k·B/latents)
 * @param common AuxK, dead-latent and threshold settings
 */
record FeatureChoiceSettings(int k, int m, ThresholdSae.Common common) {

    FeatureChoiceSettings {
        SaeBlocks.requireK(k);
        if (m < 0) {
            throw new IllegalArgumentException("m must be >= 0 (0 = k*B/latent.size), was " + m);
        }
    }

    static FeatureChoiceSettings of(FeatureChoiceFamily.Config c) {
        return new FeatureChoiceSettings(c.k(), c.m(), new ThresholdSae.Common(c.aux_k(), c.aux_coefficient(),
                c.dead_tokens(), c.threshold_decay()));
    }

    void requireLatents(int latents) {
        SaeBlocks.requireLatents("feature-choice", k, latents);
    }
}
