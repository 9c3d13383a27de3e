package org.hourglass.family.mutualchoice;

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
 * Mutual Choice: of the batch's whole token × latent matrix of pre-activations, the {@code k·B} largest entries are
 * kept ({@code B} the batch's samples), so a token may use more or fewer than {@code k} latents and the batch's mean
 * L0 is {@code k} (fewer where fewer than {@code k·B} entries are positive). The matrix is flattened, TopK with a
 * run-time count gives the {@code k·B}-th value, and every entry at least that value is kept (then ReLU'd). At
 * inference there is no batch to choose across: the learned threshold (running average of that value) applies to
 * each sample alone. The rest is {@link ThresholdSae}.
 */
final class MutualChoiceNetwork {

    private MutualChoiceNetwork() {
    }

    static FamilyOutputs build(MutualChoiceSettings s, FamilyContext ctx) {
        s.requireLatents(ctx.latentSize());
        return ThresholdSae.build(ctx, s.common(), Shape.of(1), (g, pre, rows) -> threshold(g, pre, rows, s.k()));
    }

    /** The {@code k·rows}-th largest entry of {@code pre [rows, n]}, a scalar. */
    static Tensor threshold(Graph g, Tensor pre, Tensor rows, int k) {
        try (Graph.Scope scope = g.scope("mutual_choice")) {
            Tensor flat = ShapeOps.reshape(pre, -1);
            Tensor count = ShapeOps.reshape(Ops.cast(Ops.mul(rows, (double) k), DType.INT64), 1);
            return ThresholdSae.min(g, ShapeOps.topK(flat, count, 0).values(), 0);
        }
    }
}
