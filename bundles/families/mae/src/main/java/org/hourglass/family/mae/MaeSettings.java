package org.hourglass.family.mae;

import java.util.Locale;

/**
 * The mae family's configuration as checked values (the component converts its Config to this).
 *
 * @param patchSize        side of the square patches, in pixels; must divide the image's height and width
 * @param maskRatio        fraction of patches hidden while training; must match the masking strategy's ratio
 * @param embedDim         width of the encoder's tokens (and of the latent output)
 * @param depth            encoder transformer blocks
 * @param heads            encoder attention heads; must divide {@code embedDim}
 * @param decoderDim       width of the decoder's tokens
 * @param decoderDepth     decoder transformer blocks (0: the prediction head alone)
 * @param decoderHeads     decoder attention heads; must divide {@code decoderDim}
 * @param mlpRatio         hidden width of every block's MLP as a multiple of the token width
 * @param learnedPositions learned positional embeddings instead of fixed 2-D sine-cosine ones
 * @param sigmoidOutput    sigmoid on the predicted pixels (for [0, 1] inputs) instead of linear
 */
record MaeSettings(int patchSize, double maskRatio, int embedDim, int depth, int heads, int decoderDim,
                   int decoderDepth, int decoderHeads, int mlpRatio, boolean learnedPositions,
                   boolean sigmoidOutput) {

    MaeSettings {
        if (patchSize < 1) {
            throw new IllegalArgumentException("patch.size must be >= 1, was " + patchSize);
        }
        if (!(maskRatio > 0 && maskRatio < 1)) {
            throw new IllegalArgumentException("mask.ratio must be strictly between 0 and 1, was " + maskRatio);
        }
        if (embedDim < 1 || heads < 1 || embedDim % heads != 0) {
            throw new IllegalArgumentException("embed.dim (" + embedDim + ") must be a positive multiple of heads ("
                    + heads + ")");
        }
        if (decoderDim < 1 || decoderHeads < 1 || decoderDim % decoderHeads != 0) {
            throw new IllegalArgumentException("decoder.dim (" + decoderDim + ") must be a positive multiple of "
                    + "decoder.heads (" + decoderHeads + ")");
        }
        if (depth < 1) {
            throw new IllegalArgumentException("depth must be >= 1, was " + depth);
        }
        if (decoderDepth < 0) {
            throw new IllegalArgumentException("decoder.depth must be >= 0, was " + decoderDepth);
        }
        if (mlpRatio < 1) {
            throw new IllegalArgumentException("mlp.ratio must be >= 1, was " + mlpRatio);
        }
        if (!learnedPositions && (embedDim % 4 != 0 || decoderDim % 4 != 0)) {
            throw new IllegalArgumentException("sine-cosine positions need embed.dim and decoder.dim divisible by 4, "
                    + "were " + embedDim + " and " + decoderDim + "; change them or set positions=learned");
        }
    }

    static MaeSettings defaults() {
        return new MaeSettings(4, 0.75, 64, 3, 4, 32, 1, 4, 2, false, false);
    }

    static MaeSettings of(MaeFamily.Config c) {
        return new MaeSettings(c.patch_size(), c.mask_ratio(), c.embed_dim(), c.depth(), c.heads(), c.decoder_dim(),
                c.decoder_depth(), c.decoder_heads(), c.mlp_ratio(),
                choice(c.positions(), "positions", "sincos", "learned"),
                choice(c.output_activation(), "output.activation", "linear", "sigmoid"));
    }

    /** True for {@code second}, false for {@code first}; anything else is named. */
    private static boolean choice(String word, String attribute, String first, String second) {
        String w = word == null ? "" : word.trim().toLowerCase(Locale.ROOT);
        if (w.equals(first)) {
            return false;
        }
        if (w.equals(second)) {
            return true;
        }
        throw new IllegalArgumentException(attribute + " must be " + first + " or " + second + ", was '" + word + "'");
    }

    /** Visible patches per sample while training: round((1 - mask.ratio) * patches), at least 1. */
    int visiblePatches(int patches) {
        int hidden = (int) Math.round(maskRatio * patches);
        int k = patches - hidden;
        if (k < 1 || hidden < 1) {
            throw new IllegalArgumentException("mask.ratio " + maskRatio + " of " + patches + " patches leaves "
                    + k + " visible and " + hidden + " hidden; both must be >= 1 (change mask.ratio or patch.size)");
        }
        return k;
    }
}
