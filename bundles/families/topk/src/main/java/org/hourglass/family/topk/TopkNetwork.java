package org.hourglass.family.topk;

import java.util.Map;
import org.hourglass.family.topk.blocks.SaeBlocks;
import org.hourglass.graph.Graph;
import org.hourglass.graph.Ops;
import org.hourglass.graph.ShapeOps;
import org.hourglass.graph.Tensor;
import org.hourglass.spi.FamilyContext;
import org.hourglass.spi.FamilyOutputs;

/**
 * Builds the TopK sparse autoencoder: {@code pre = (x - b_pre) W_enc + b_enc}, {@code z = ReLU} of the {@code k}
 * largest entries of each row of {@code pre} (the rest 0), {@code x̂ = z W_dec + b_pre}. Plain code, testable
 * without a framework. The shared pieces are in {@link SaeBlocks}.
 *
 * <ul>
 *   <li>{@code sae/W_dec [n, d]}: each row (a latent's direction) is projected back to unit norm after every
 *       optimizer update ({@link Graph#constrain}); it starts as random unit rows and {@code sae/W_enc [d, n]} as
 *       their transpose.</li>
 *   <li>{@code sae/b_pre [d]} is a trained parameter that starts at 0 and is replaced by the first training
 *       batch's mean after the first step (a projection keyed on the step input), so it starts at the data mean
 *       whatever the pipeline's normalisation.</li>
 *   <li>The selection is a mask {@code pre >= (k-th largest of the row)}: TopK's values only set the threshold,
 *       the gradient reaches {@code pre} through Where, and the ops are ones with float64 kernels.</li>
 *   <li>AuxK: the buffer {@code sae/idle [n]} counts the samples since each latent last fired. Latents idle for
 *       {@code dead.tokens} or more are dead; the {@code aux.k} largest pre-activations among them (ReLU'd)
 *       decode, without bias, the residual {@code e = x - x̂} of the main reconstruction:
 *       {@code aux = α · mean((ê - sg(e))²) / mean((sg(e) - mean_batch(sg(e)))²)}, zero when no latent is
 *       dead.</li>
 * </ul>
 */
final class TopkNetwork {

    static final String W_ENC = SaeBlocks.W_ENC;
    static final String B_ENC = SaeBlocks.B_ENC;
    static final String W_DEC = SaeBlocks.W_DEC;
    static final String B_PRE = SaeBlocks.B_PRE;
    static final String IDLE = SaeBlocks.IDLE;
    static final String AUX = SaeBlocks.AUX;
    static final String FIRED = SaeBlocks.FIRED;
    static final String SQUARED_ERROR = SaeBlocks.SQUARED_ERROR;
    static final String VARIANCE = SaeBlocks.VARIANCE;
    static final String MSE = SaeBlocks.MSE;
    static final String COSINE = SaeBlocks.COSINE;
    static final String DEAD = SaeBlocks.DEAD;

    private TopkNetwork() {
    }

    /** The forward pass over given tensors (parameters or, in gradient checks, inputs). */
    record Forward(Tensor pre, Tensor z, Tensor reconstruction, Tensor rows) {
    }

    static FamilyOutputs build(TopkSettings s, FamilyContext ctx) {
        Graph g = ctx.graph();
        int n = ctx.latentSize();
        s.requireLatents(n);
        long d = ctx.inputSpec().features();
        Tensor x = ShapeOps.flatten(ctx.input(), 1);
        SaeBlocks.Params p = SaeBlocks.params(g, d, n);

        Tensor dead = ctx.training() && s.auxCoefficient() > 0
                ? SaeBlocks.deadMask(g, p.idle(), s.deadTokens()) : null;
        Forward f = forward(g, x, p.wEnc(), p.bEnc(), p.wDec(), p.bPre(), s.k());
        Tensor aux = dead == null ? null : SaeBlocks.auxLoss(g, f.pre(), p.wDec(),
                Ops.stopGradient(Ops.sub(x, f.reconstruction())), dead, s.auxK(d, n), s.auxCoefficient());
        long[] shape = ctx.inputSpec().batchShape();
        Tensor reconstruction = shape.length == 2 ? f.reconstruction() : ShapeOps.reshape(f.reconstruction(), shape);
        if (!ctx.training()) {
            return FamilyOutputs.of(f.z(), reconstruction);
        }

        try (Graph.Scope scope = g.scope("sae_state")) {
            Tensor active = SaeBlocks.active(g, f.z());
            Tensor idleNext = SaeBlocks.trackIdle(g, p.idle(), active, f.rows(), s.deadTokens());
            SaeBlocks.unitNormRows(g, p.wDec());
            SaeBlocks.startAtBatchMean(g, p.bPre(), x);
            Map<String, Tensor> diagnostics = SaeBlocks.diagnostics(g, x, f.reconstruction(), active, idleNext,
                    s.deadTokens());
            Map<String, Tensor> terms = aux == null ? Map.of() : Map.of(AUX, aux);
            return new FamilyOutputs(f.z(), reconstruction, terms, Map.of(), diagnostics);
        }
    }

    /** The SAE on {@code x [N, d]}; {@code rows} is the number of samples of the batch as a float scalar. */
    static Forward forward(Graph g, Tensor x, Tensor wEnc, Tensor bEnc, Tensor wDec, Tensor bPre, int k) {
        try (Graph.Scope scope = g.scope("sae")) {
            Tensor pre = SaeBlocks.preActivations(g, x, wEnc, bEnc, bPre);
            ShapeOps.TopK top = ShapeOps.topK(Ops.stopGradient(pre), k, 1);
            Tensor kth = ShapeOps.slice(top.values(), new long[] {1}, new long[] {k - 1}, new long[] {k});
            Tensor z = Ops.where(Ops.greaterOrEqual(pre, kth), Ops.relu(pre), g.scalar(0.0));
            Tensor reconstruction = SaeBlocks.decode(g, z, wDec, bPre);
            // Every row has a first TopK index >= 0, so this counts the batch's rows.
            Tensor first = ShapeOps.slice(top.indices(), new long[] {1}, new long[] {0}, new long[] {1});
            Tensor rows = Ops.reduceSum(Ops.cast(Ops.greaterOrEqual(first, g.longs(0)), g.floatType()), false, 0, 1);
            return new Forward(pre, z, reconstruction, rows);
        }
    }

    /** AuxK (see {@link SaeBlocks#auxLoss}). */
    static Tensor auxLoss(Graph g, Tensor pre, Tensor wDec, Tensor residual, Tensor dead, int auxK,
                          double coefficient) {
        return SaeBlocks.auxLoss(g, pre, wDec, residual, dead, auxK, coefficient);
    }

    /** The epoch's figures (see {@link SaeBlocks#summarize}). */
    static Map<String, Object> summarize(Map<String, double[]> means) {
        return SaeBlocks.summarize(means);
    }
}
