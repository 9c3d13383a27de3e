package org.hourglass.family.topk.blocks;

import java.util.LinkedHashMap;
import java.util.Map;
import org.hourglass.graph.Graph;
import org.hourglass.graph.Init;
import org.hourglass.graph.Ops;
import org.hourglass.graph.Shape;
import org.hourglass.graph.ShapeOps;
import org.hourglass.graph.Tensor;
import org.hourglass.spi.FamilyContext;
import org.hourglass.spi.FamilyOutputs;

/**
 * A sparse autoencoder whose training selection is a threshold computed from the whole batch (batch-level
 * selections such as mutual choice and feature choice), built from {@link SaeBlocks}: in training {@code z = pre >= t ? ReLU(pre) : 0} with the batch's threshold {@code t}; the
 * buffer {@code sae/threshold} keeps a running average of {@code ReLU(t)} and replaces it at inference, where there
 * is no batch to choose across (JumpReLU form).
 */
public final class ThresholdSae {

    public static final String THRESHOLD = "sae/threshold";
    /** Diagnostic: the mean of the learned threshold(s) after the step. */
    public static final String THRESHOLD_MEAN = "threshold";

    /** How the family selects latents in training. */
    public interface Selection {
        /**
         * The batch's threshold for {@code pre [N, n]} (gradient already stopped), broadcastable against it;
         * {@code rows} is the batch's number of samples as a float scalar.
         */
        Tensor threshold(Graph g, Tensor pre, Tensor rows);
    }

    /** Settings shared by the families built on this core. */
    public record Common(int auxK, double auxCoefficient, long deadTokens, double thresholdDecay) {
        public Common {
            SaeBlocks.checkAuxSettings(auxK, auxCoefficient, deadTokens, "input");
            if (!(thresholdDecay >= 0 && thresholdDecay < 1)) {
                throw new IllegalArgumentException("threshold.decay must be in [0, 1), was " + thresholdDecay);
            }
        }

        public int auxK(long features, int latents) {
            return SaeBlocks.auxK(auxK, features, latents);
        }
    }

    private ThresholdSae() {
    }

    /** Builds the SAE; the threshold buffer has {@code thresholdShape}: {@code [1]}, or {@code [n]} per latent. */
    public static FamilyOutputs build(FamilyContext ctx, Common s, Shape thresholdShape, Selection selection) {
        Graph g = ctx.graph();
        int n = ctx.latentSize();
        long d = ctx.inputSpec().features();
        Tensor x = ShapeOps.flatten(ctx.input(), 1);
        SaeBlocks.Params p = SaeBlocks.params(g, d, n);
        // Both graphs create the buffer, so the inference model carries its trained value.
        Tensor learned = g.buffer(THRESHOLD, thresholdShape, Init.zeros());
        Tensor pre;
        try (Graph.Scope scope = g.scope("sae")) {
            pre = SaeBlocks.preActivations(g, x, p.wEnc(), p.bEnc(), p.bPre());
        }
        long[] shape = ctx.inputSpec().batchShape();
        if (!ctx.training()) {
            Tensor z = jump(g, pre, learned);
            Tensor r = SaeBlocks.decode(g, z, p.wDec(), p.bPre());
            return FamilyOutputs.of(z, shape.length == 2 ? r : ShapeOps.reshape(r, shape));
        }
        Tensor rows = SaeBlocks.rowCount(g, x);
        Tensor batchThreshold = selection.threshold(g, Ops.stopGradient(pre), rows);
        Tensor z = jump(g, pre, batchThreshold);
        Tensor xr = SaeBlocks.decode(g, z, p.wDec(), p.bPre());
        Tensor reconstruction = shape.length == 2 ? xr : ShapeOps.reshape(xr, shape);
        Tensor aux = s.auxCoefficient() > 0 ? SaeBlocks.auxLoss(g, pre, p.wDec(), Ops.stopGradient(Ops.sub(x, xr)),
                SaeBlocks.deadMask(g, p.idle(), s.deadTokens()), s.auxK(d, n), s.auxCoefficient()) : null;

        try (Graph.Scope scope = g.scope("sae_state")) {
            Tensor active = SaeBlocks.active(g, z);
            Tensor idleNext = SaeBlocks.trackIdle(g, p.idle(), active, rows, s.deadTokens());
            // Only the positive part of the threshold matters (ReLU zeroes the rest); the first step takes the
            // batch's value so that the average does not start from 0.
            Tensor observed = Ops.add(Ops.mul(learned, 0.0), Ops.relu(batchThreshold));
            Tensor first = Ops.equal(g.trainingStep(), g.scalar(1.0));
            Tensor learnedNext = Ops.where(first, observed,
                    Ops.add(Ops.mul(learned, s.thresholdDecay()), Ops.mul(observed, 1 - s.thresholdDecay())));
            g.assign(learned, learnedNext);
            SaeBlocks.unitNormRows(g, p.wDec());
            SaeBlocks.startAtBatchMean(g, p.bPre(), x);
            Map<String, Tensor> diagnostics = new LinkedHashMap<>(SaeBlocks.diagnostics(g, x, xr, active, idleNext,
                    s.deadTokens()));
            diagnostics.put(THRESHOLD_MEAN, ShapeOps.reshape(Ops.reduceMean(learnedNext, false, 0), 1));
            Map<String, Tensor> terms = aux == null ? Map.of() : Map.of(SaeBlocks.AUX, aux);
            return new FamilyOutputs(z, reconstruction, terms, Map.of(), diagnostics);
        }
    }

    /** JumpReLU: {@code pre} where it is at least {@code threshold} and positive, else 0. */
    public static Tensor jump(Graph g, Tensor pre, Tensor threshold) {
        return Ops.where(Ops.greaterOrEqual(pre, threshold), Ops.relu(pre), g.scalar(0.0));
    }

    /** The smallest entry along {@code axis} (minus the maximum of the negation). */
    public static Tensor min(Graph g, Tensor x, long axis) {
        return Ops.neg(Ops.reduceMax(Ops.neg(x), false, axis));
    }

    /** The epoch's figures of {@link SaeBlocks#summarize} plus {@code threshold}, the learned threshold's mean. */
    public static Map<String, Object> summarize(Map<String, double[]> means) {
        Map<String, Object> out = SaeBlocks.summarize(means);
        double[] t = means.get(THRESHOLD_MEAN);
        if (t != null) {
            out.put("threshold", t[0]);
        }
        return out;
    }
}
