package org.hourglass.family.transcoder;

import java.util.Map;
import org.hourglass.family.topk.blocks.SaeBlocks;
import org.hourglass.graph.Graph;
import org.hourglass.graph.Init;
import org.hourglass.graph.Ops;
import org.hourglass.graph.Shape;
import org.hourglass.graph.ShapeOps;
import org.hourglass.graph.Tensor;
import org.hourglass.spi.FamilyContext;
import org.hourglass.spi.FamilyOutputs;

/**
 * Builds the TopK transcoder on the shared {@link SaeBlocks}. The pipeline reconstructs its input, so a sample is
 * a row {@code [x | y]} of width 2d (input and target tensor, see the data source's {@code target.tensor}):
 *
 * <pre>
 * pre = (x - b_pre) W_enc + b_enc,  z = ReLU of the k largest entries of each row of pre (the rest 0)
 * y'  = z W_dec + b_dec,            reconstruction = [sg(x) | y']
 * </pre>
 *
 * The first half of the reconstruction is the input itself without gradient, so a reconstruction loss on it is
 * exactly 0 and only the target's error trains; metrics and AuxK compare {@code y'} with {@code y}. {@code b_pre}
 * starts at the mean of {@code x} and {@code b_dec} at the mean of {@code y} (first training step).
 */
final class TranscoderNetwork {

    /** Output bias: the target is not the input, so it has its own. */
    static final String B_DEC = "sae/b_dec";

    private TranscoderNetwork() {
    }

    static FamilyOutputs build(TranscoderSettings s, FamilyContext ctx) {
        Graph g = ctx.graph();
        int n = ctx.latentSize();
        s.requireLatents(n);
        long width = ctx.inputSpec().features();
        if (width % 2 != 0 || width < 2) {
            throw new IllegalArgumentException("transcoder: samples must be rows [input | target] of even width "
                    + "(onnx-activations with target.tensor), got " + width + " values");
        }
        long d = width / 2;
        Tensor rows2d = ShapeOps.flatten(ctx.input(), 1);
        Tensor x = ShapeOps.slice(rows2d, new long[] {1}, new long[] {0}, new long[] {d});
        Tensor y = ShapeOps.slice(rows2d, new long[] {1}, new long[] {d}, new long[] {width});
        SaeBlocks.Params p = SaeBlocks.params(g, d, n);
        Tensor bDec = g.param(B_DEC, Shape.of(d), Init.zeros());

        Tensor pre;
        Tensor z;
        Tensor prediction;
        try (Graph.Scope scope = g.scope("sae")) {
            pre = SaeBlocks.preActivations(g, x, p.wEnc(), p.bEnc(), p.bPre());
            ShapeOps.TopK top = ShapeOps.topK(Ops.stopGradient(pre), s.k(), 1);
            Tensor kth = ShapeOps.slice(top.values(), new long[] {1}, new long[] {s.k() - 1}, new long[] {s.k()});
            z = Ops.where(Ops.greaterOrEqual(pre, kth), Ops.relu(pre), g.scalar(0.0));
            prediction = SaeBlocks.decode(g, z, p.wDec(), bDec);
        }
        Tensor both = ShapeOps.concat(1, Ops.stopGradient(x), prediction);
        long[] shape = ctx.inputSpec().batchShape();
        Tensor reconstruction = shape.length == 2 ? both : ShapeOps.reshape(both, shape);
        if (!ctx.training()) {
            return FamilyOutputs.of(z, reconstruction);
        }

        Tensor aux = s.auxCoefficient() > 0 ? SaeBlocks.auxLoss(g, pre, p.wDec(),
                Ops.stopGradient(Ops.sub(y, prediction)), SaeBlocks.deadMask(g, p.idle(), s.deadTokens()),
                s.auxK(d, n), s.auxCoefficient()) : null;
        try (Graph.Scope scope = g.scope("sae_state")) {
            Tensor active = SaeBlocks.active(g, z);
            Tensor idleNext = SaeBlocks.trackIdle(g, p.idle(), active, SaeBlocks.rowCount(g, x), s.deadTokens());
            SaeBlocks.unitNormRows(g, p.wDec());
            SaeBlocks.startAtBatchMean(g, p.bPre(), x);
            SaeBlocks.startAtBatchMean(g, bDec, y);
            Map<String, Tensor> diagnostics = SaeBlocks.diagnostics(g, y, prediction, active, idleNext,
                    s.deadTokens());
            Map<String, Tensor> terms = aux == null ? Map.of() : Map.of(SaeBlocks.AUX, aux);
            return new FamilyOutputs(z, reconstruction, terms, Map.of(), diagnostics);
        }
    }
}
