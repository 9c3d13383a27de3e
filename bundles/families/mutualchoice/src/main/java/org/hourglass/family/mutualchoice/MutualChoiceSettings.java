package org.hourglass.family.mutualchoice;

import org.hourglass.family.topk.blocks.SaeBlocks;
import org.hourglass.family.topk.blocks.ThresholdSae;

/**
 * The mutual-choice family's configuration as checked values.
 *
 * @param k      mean active latents per sample: the batch keeps {@code k·B} entries
 * @param common AuxK, dead-latent and threshold settings
 */
record MutualChoiceSettings(int k, ThresholdSae.Common common) {

    MutualChoiceSettings {
        SaeBlocks.requireK(k);
    }

    static MutualChoiceSettings of(MutualChoiceFamily.Config c) {
        return new MutualChoiceSettings(c.k(), new ThresholdSae.Common(c.aux_k(), c.aux_coefficient(), c.dead_tokens(),
                c.threshold_decay()));
    }

    void requireLatents(int latents) {
        SaeBlocks.requireLatents("mutual-choice", k, latents);
    }
}
