package org.hourglass.family.batchtopk;

import java.util.LinkedHashMap;
import java.util.Map;
import org.hourglass.family.topk.blocks.SaeBlocks;
import org.hourglass.graph.DType;
import org.hourglass.graph.Graph;
import org.hourglass.graph.Init;
import org.hourglass.graph.Ops;
import org.hourglass.graph.Shape;
import org.hourglass.graph.ShapeOps;
import org.hourglass.graph.Tensor;
import org.hourglass.spi.FamilyContext;
import org.hourglass.spi.FamilyOutputs;

/**
 * Builds the BatchTopK sparse autoencoder (after Bussmann et al., "BatchTopK Sparse Autoencoders", 2024) on the
 * shared {@link SaeBlocks}: {@code pre = (x - b_pre) W_enc + b_enc}, {@code x̂ = z W_dec + b_pre}.
 *
 * <ul>
 *   <li>Training: the batch's {@code [B, n]} pre-activations are flattened and the {@code k·B} largest kept
 *       ({@code z = ReLU(pre)} where {@code pre >= } the {@code k·B}-th largest, else 0), so samples share the
 *       budget: k latents per sample on average. The count is computed from the batch size at run time.</li>
 *   <li>The buffer {@code sae/threshold [1]} is the running average of the smallest kept (positive) activation:
 *       set to it at step 1, then {@code θ ← m·θ + (1 − m)·min_kept}; a batch without any positive kept value
 *       leaves it.</li>
 *   <li>Inference (the exported model): no batch dependence, the JumpReLU form {@code z = pre · (pre > θ)}.</li>
 * </ul>
 */
final class BatchTopkNetwork {

    static final String THRESHOLD = "sae/threshold";
    /** Diagnostic: the threshold after the step. */
    static final String THRESHOLD_DIAGNOSTIC = "threshold";

    /** Far beyond any activation: fills the places of zeros before the minimum of the kept values. */
    private static final double FAR = 1e30;

    private BatchTopkNetwork() {
    }

    /** The training forward pass: latents, reconstruction, the batch's row count and smallest kept value. */
    record Forward(Tensor pre, Tensor z, Tensor reconstruction, Tensor rows, Tensor smallestKept) {
    }

    static FamilyOutputs build(BatchTopkSettings s, FamilyContext ctx) {
        Graph g = ctx.graph();
        int n = ctx.latentSize();
        s.requireLatents(n);
        long d = ctx.inputSpec().features();
        Tensor x = ShapeOps.flatten(ctx.input(), 1);
        SaeBlocks.Params p = SaeBlocks.params(g, d, n);
        Tensor threshold = g.buffer(THRESHOLD, Shape.of(1), Init.zeros());
        long[] shape = ctx.inputSpec().batchShape();

        if (!ctx.training()) {
            try (Graph.Scope scope = g.scope("sae")) {
                Tensor pre = SaeBlocks.preActivations(g, x, p.wEnc(), p.bEnc(), p.bPre());
                Tensor z = jumpRelu(g, pre, threshold);
                Tensor r = SaeBlocks.decode(g, z, p.wDec(), p.bPre());
                return FamilyOutputs.of(z, shape.length == 2 ? r : ShapeOps.reshape(r, shape));
            }
        }

        Forward f = trainingForward(g, x, p, s.k());
        Tensor reconstruction = shape.length == 2 ? f.reconstruction() : ShapeOps.reshape(f.reconstruction(), shape);
        Tensor aux = s.auxCoefficient() > 0 ? SaeBlocks.auxLoss(g, f.pre(), p.wDec(),
                Ops.stopGradient(Ops.sub(x, f.reconstruction())), SaeBlocks.deadMask(g, p.idle(), s.deadTokens()),
                s.auxK(d, n), s.auxCoefficient()) : null;
        try (Graph.Scope scope = g.scope("sae_state")) {
            Tensor active = SaeBlocks.active(g, f.z());
            Tensor idleNext = SaeBlocks.trackIdle(g, p.idle(), active, f.rows(), s.deadTokens());
            SaeBlocks.unitNormRows(g, p.wDec());
            SaeBlocks.startAtBatchMean(g, p.bPre(), x);
            Tensor thresholdNext = nextThreshold(g, threshold, f.smallestKept(), s.thresholdMomentum());
            g.assign(threshold, thresholdNext);
            Map<String, Tensor> diagnostics = new LinkedHashMap<>(SaeBlocks.diagnostics(g, x, f.reconstruction(),
                    active, idleNext, s.deadTokens()));
            diagnostics.put(THRESHOLD_DIAGNOSTIC, thresholdNext);
            Map<String, Tensor> terms = aux == null ? Map.of() : Map.of(SaeBlocks.AUX, aux);
            return new FamilyOutputs(f.z(), reconstruction, terms, Map.of(), diagnostics);
        }
    }

    /** Keeps the {@code k·B} largest entries of the whole {@code [B, n]} pre-activation matrix. */
    static Forward trainingForward(Graph g, Tensor x, SaeBlocks.Params p, int k) {
        try (Graph.Scope scope = g.scope("sae")) {
            Tensor pre = SaeBlocks.preActivations(g, x, p.wEnc(), p.bEnc(), p.bPre());
            Tensor rows = SaeBlocks.rowCount(g, x);
            Tensor keep = ShapeOps.reshape(Ops.cast(Ops.mul(rows, k), DType.INT64), 1);
            ShapeOps.TopK top = ShapeOps.topK(ShapeOps.reshape(Ops.stopGradient(pre), 1, -1), keep, 1);
            // TopK's values are sorted, so their minimum is the k·B-th largest entry.
            Tensor kth = Ops.neg(Ops.reduceMax(Ops.neg(top.values()), false, 0, 1));
            Tensor z = Ops.where(Ops.greaterOrEqual(pre, kth), Ops.relu(pre), g.scalar(0.0));
            Tensor reconstruction = SaeBlocks.decode(g, z, p.wDec(), p.bPre());
            Tensor zs = Ops.stopGradient(z);
            Tensor smallest = Ops.neg(Ops.reduceMax(Ops.where(Ops.greater(zs, g.scalar(0.0)), Ops.neg(zs), g.scalar(-FAR)),
                    false, 0, 1));
            return new Forward(pre, z, reconstruction, rows, ShapeOps.reshape(smallest, 1));
        }
    }

    /** The running average of the smallest kept activation; unchanged when nothing positive was kept. */
    static Tensor nextThreshold(Graph g, Tensor threshold, Tensor smallestKept, double momentum) {
        Tensor anyKept = Ops.less(smallestKept, g.scalar(FAR / 2));
        Tensor first = Ops.equal(g.trainingStep(), g.scalar(1.0));
        Tensor blended = Ops.add(Ops.mul(threshold, momentum), Ops.mul(smallestKept, 1 - momentum));
        return Ops.where(anyKept, Ops.where(first, smallestKept, blended), threshold);
    }

    /** JumpReLU: {@code pre} where it exceeds {@code θ}, else 0. */
    static Tensor jumpRelu(Graph g, Tensor pre, Tensor threshold) {
        return Ops.where(Ops.greater(pre, threshold), pre, g.scalar(0.0));
    }

    /** The shared SAE figures plus the epoch's mean {@code threshold}. */
    static Map<String, Object> summarize(Map<String, double[]> means) {
        Map<String, Object> out = SaeBlocks.summarize(means);
        if (means.get(THRESHOLD_DIAGNOSTIC) != null) {
            out.put("threshold", means.get(THRESHOLD_DIAGNOSTIC)[0]);
        }
        return out;
    }
}
