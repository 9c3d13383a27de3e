package org.hourglass.family.featurechoice;

import org.hourglass.family.topk.blocks.ThresholdSae;
import org.hourglass.graph.DType;
import org.hourglass.graph.Graph;
import org.hourglass.graph.Ops;
import org.hourglass.graph.Shape;
import org.hourglass.graph.ShapeOps;
import org.hourglass.graph.Tensor;
import org.hourglass.spi.FamilyContext;
import org.hourglass.spi.FamilyOutputs;

/**
 * Feature Choice: each latent picks the tokens it fires on. The batch's pre-activations {@code [B, n]} are
 * transposed and TopK along the token axis gives each latent's {@code m}-th largest value; every entry at least
 * that value of its latent is kept (then ReLU'd), so a latent fires on at most {@code m} tokens (ties aside) and a
 * token on as many latents as chose it. {@code m = floor(k·B/n)} (at least 1) by default, the same mean L0 as
 * {@code topk}, or configured; never more than the batch. At inference each latent has its learned threshold
 * (running average of its {@code m}-th value). The rest is {@link ThresholdSae}.
 */
final class FeatureChoiceNetwork {

    private FeatureChoiceNetwork() {
    }

    static FamilyOutputs build(FeatureChoiceSettings s, FamilyContext ctx) {
        int n = ctx.latentSize();
        s.requireLatents(n);
        return ThresholdSae.build(ctx, s.common(), Shape.of(n), (g, pre, rows) -> threshold(g, pre, rows, s, n));
    }

    /** Each latent's {@code m}-th largest entry over the rows of {@code pre [rows, n]}, shaped {@code [n]}. */
    static Tensor threshold(Graph g, Tensor pre, Tensor rows, FeatureChoiceSettings s, int n) {
        try (Graph.Scope scope = g.scope("feature_choice")) {
            Tensor m = s.m() > 0 ? g.scalar(s.m()) : Ops.clip(Ops.div(Ops.mul(rows, (double) s.k()), n), 1, Long.MAX_VALUE);
            // A small last batch may have fewer rows than m: then each latent may keep all of them.
            Tensor bounded = Ops.where(Ops.less(rows, m), rows, m);
            Tensor count = ShapeOps.reshape(Ops.cast(bounded, DType.INT64), 1);
            return ThresholdSae.min(g, ShapeOps.topK(ShapeOps.transpose(pre, 1, 0), count, 1).values(), 1);
        }
    }
}
