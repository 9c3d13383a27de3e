package org.hourglass.family.gsae;

import java.util.LinkedHashMap;
import java.util.Map;
import org.hourglass.family.topk.blocks.SaeBlocks;
import org.hourglass.graph.Graph;
import org.hourglass.graph.Ops;
import org.hourglass.graph.ShapeOps;
import org.hourglass.graph.Tensor;
import org.hourglass.spi.FamilyContext;
import org.hourglass.spi.FamilyOutputs;

/**
 * Builds the gradient-aware TopK SAE on rows {@code [x | g]} of width {@code 2d} (the onnx-activations data
 * source's {@code gradient=embedding} on the model's output): {@code x} is the activation, {@code g} the vector that
 * carries the Jacobian of the sentence embedding with respect to {@code x}, {@code J = ‖g‖ I − g gᵀ / ‖g‖}; or on
 * rows {@code [x | g_1 .. g_r]} of width {@code (1 + r) d} (the same option on a tensor inside the model), where
 * {@code g_k = Jᵀ u_k} for random Gaussian {@code u_k} and {@code ‖J w‖²} is estimated as the mean of
 * {@code (g_k · w)²}. Plain code, testable without a framework; the SAE itself is {@link SaeBlocks}'.
 *
 * <ul>
 *   <li>{@code pre = (x − b_pre) W_enc + b_enc}; the sensitivity of latent i is {@code s_i = ‖J w_i‖ =
 *       sqrt(‖g‖² ‖w_i‖² − (g·w_i)²)} with {@code w_i} its decoder row: how far the embedding moves, to first
 *       order, per unit of the latent.</li>
 *   <li>The k latents with the largest {@code ReLU(pre) (1 + β s)} are kept, with their plain values
 *       {@code ReLU(pre)} (the score only chooses; the gradient reaches {@code pre} through Where, as in topk).</li>
 *   <li>{@code x̂ = z W_dec + b_pre}. The family's reconstruction is {@code [x̂ | g]}: the second half is the input's
 *       {@code g} itself (gradient stopped), so it adds exactly 0 to the pipeline's loss and {@code g} is never a
 *       reconstruction target. The per-value loss the pipeline reports is therefore half the MSE of {@code x};
 *       the family's own metrics cover {@code x} only.</li>
 *   <li>Unit-norm decoder rows, {@code b_pre} started at the data mean, AuxK on dead latents and the metrics as in
 *       topk, plus {@code swapped}: latents per sample chosen that plain TopK would not have chosen.</li>
 * </ul>
 */
final class GsaeNetwork {

    /** Diagnostic: chosen latents per sample outside the plain top k of ReLU(pre). */
    static final String SWAPPED = "swapped";

    private GsaeNetwork() {
    }

    /**
     * The forward pass.
     *
     * @param sensitivity {@code s [N, n]}
     * @param plainKth    the k-th largest ReLU(pre) of each row (plain TopK's threshold), {@code [N, 1]}
     */
    record Forward(Tensor pre, Tensor z, Tensor reconstruction, Tensor sensitivity, Tensor plainKth) {
    }

    static FamilyOutputs build(GsaeSettings s, FamilyContext ctx) {
        Graph g = ctx.graph();
        int n = ctx.latentSize();
        s.requireLatents(n);
        long width = ctx.inputSpec().features();
        int probes = s.probesOf(ctx.inputSpec().sampleShape());
        if (probes == 0 && width % 2 != 0) {
            throw new IllegalArgumentException("g-sae reads rows [x | g] of even width (an onnx-activations source "
                    + "with gradient=embedding); the training data has rows of " + width + " values");
        }
        if (probes > 0 && width % (1 + probes) != 0) {
            throw new IllegalArgumentException("g-sae with " + probes + " gradient probes reads rows [x | g_1 .. g_"
                    + probes + "] of " + (1 + probes) + " x d values (an onnx-activations source with "
                    + "gradient=embedding and gradient.probes=" + probes + "); the training data has rows of "
                    + width + " values, not a multiple of " + (1 + probes));
        }
        long d = width / (probes == 0 ? 2 : 1 + probes);
        Tensor rows = ShapeOps.flatten(ctx.input(), 1);
        Tensor x = ShapeOps.slice(rows, new long[] {1}, new long[] {0}, new long[] {d});
        Tensor grad = Ops.stopGradient(ShapeOps.slice(rows, new long[] {1}, new long[] {d}, new long[] {width}));
        SaeBlocks.Params p = SaeBlocks.params(g, d, n);

        Tensor dead = ctx.training() && s.auxCoefficient() > 0
                ? SaeBlocks.deadMask(g, p.idle(), s.deadTokens()) : null;
        Forward f = forward(g, x, grad, probes, p.wEnc(), p.bEnc(), p.wDec(), p.bPre(), s.k(), s.beta());
        Tensor aux = dead == null ? null : SaeBlocks.auxLoss(g, f.pre(), p.wDec(),
                Ops.stopGradient(Ops.sub(x, f.reconstruction())), dead, s.auxK(d, n), s.auxCoefficient());
        Tensor both = ShapeOps.concat(1, f.reconstruction(), grad);
        long[] shape = ctx.inputSpec().batchShape();
        Tensor reconstruction = shape.length == 2 ? both : ShapeOps.reshape(both, shape);
        if (!ctx.training()) {
            return FamilyOutputs.of(f.z(), reconstruction);
        }

        try (Graph.Scope scope = g.scope("sae_state")) {
            Tensor active = SaeBlocks.active(g, f.z());
            Tensor idleNext = SaeBlocks.trackIdle(g, p.idle(), active, SaeBlocks.rowCount(g, x), s.deadTokens());
            SaeBlocks.unitNormRows(g, p.wDec());
            SaeBlocks.startAtBatchMean(g, p.bPre(), x);
            Map<String, Tensor> diagnostics = new LinkedHashMap<>(SaeBlocks.diagnostics(g, x, f.reconstruction(),
                    active, idleNext, s.deadTokens()));
            Tensor belowPlain = Ops.greater(f.plainKth(), Ops.relu(Ops.stopGradient(f.pre())));
            Tensor outside = Ops.mul(active, Ops.cast(belowPlain, g.floatType()));
            diagnostics.put(SWAPPED, ShapeOps.reshape(Ops.reduceMean(Ops.reduceSum(outside, false, 1), false, 0), 1));
            Map<String, Tensor> terms = aux == null ? Map.of() : Map.of(SaeBlocks.AUX, aux);
            return new FamilyOutputs(f.z(), reconstruction, terms, Map.of(), diagnostics);
        }
    }

    /**
     * The SAE on {@code x [N, d]} with the sensitivity vectors {@code grad}: {@code [N, d]} (closed form,
     * {@code probes} 0) or {@code [N, probes d]}.
     */
    static Forward forward(Graph g, Tensor x, Tensor grad, int probes, Tensor wEnc, Tensor bEnc, Tensor wDec,
                           Tensor bPre, int k, double beta) {
        try (Graph.Scope scope = g.scope("sae")) {
            Tensor pre = SaeBlocks.preActivations(g, x, wEnc, bEnc, bPre);
            Tensor sensitivity = probes == 0 ? sensitivity(g, grad, Ops.stopGradient(wDec))
                    : probedSensitivity(g, grad, Ops.stopGradient(wDec), probes);
            Tensor relu = Ops.relu(Ops.stopGradient(pre));
            Tensor score = Ops.mul(relu, Ops.add(Ops.mul(sensitivity, beta), 1.0));
            Tensor kth = kth(g, score, k);
            Tensor z = Ops.where(Ops.greaterOrEqual(Ops.stopGradient(score), kth), Ops.relu(pre), g.scalar(0.0));
            Tensor reconstruction = SaeBlocks.decode(g, z, wDec, bPre);
            return new Forward(pre, z, reconstruction, sensitivity, kth(g, relu, k));
        }
    }

    /** {@code s_i = sqrt(max(0, ‖g‖² ‖w_i‖² − (g·w_i)²))} for {@code grad [N, d]}, {@code wDec [n, d]}: {@code [N, n]}. */
    static Tensor sensitivity(Graph g, Tensor grad, Tensor wDec) {
        Tensor gw = Ops.matmul(grad, ShapeOps.transpose(wDec, 1, 0));
        Tensor gg = Ops.reduceSum(Ops.mul(grad, grad), true, 1);
        Tensor ww = Ops.reduceSum(Ops.mul(wDec, wDec), false, 1);
        return Ops.sqrt(Ops.relu(Ops.sub(Ops.mul(gg, ww), Ops.mul(gw, gw))));
    }

    /**
     * {@code s_i = sqrt((1/r) Σ_k (g_k · w_i)²)} for {@code grads [N, r d]} (the probes' vector-Jacobian products
     * {@code g_k = Jᵀ u_k}, u_k standard Gaussian, so that {@code E[(g_k · w)²] = ‖J w‖²}), {@code wDec [n, d]}:
     * {@code [N, n]}.
     */
    static Tensor probedSensitivity(Graph g, Tensor grads, Tensor wDec, int probes) {
        long d = wDec.shape().dim(1);
        Tensor perProbe = ShapeOps.reshape(grads, 0, probes, d);
        Tensor gw = Ops.matmul(perProbe, ShapeOps.transpose(wDec, 1, 0));
        return Ops.sqrt(Ops.reduceMean(Ops.mul(gw, gw), false, 1));
    }

    private static Tensor kth(Graph g, Tensor values, int k) {
        ShapeOps.TopK top = ShapeOps.topK(values, k, 1);
        return ShapeOps.slice(top.values(), new long[] {1}, new long[] {k - 1}, new long[] {k});
    }

    /** The epoch's figures: topk's ({@link SaeBlocks#summarize}) and {@code swapped_latents}. */
    static Map<String, Object> summarize(Map<String, double[]> means) {
        Map<String, Object> out = new LinkedHashMap<>(SaeBlocks.summarize(means));
        if (means.get(SWAPPED) != null) {
            out.put("swapped_latents", means.get(SWAPPED)[0]);
        }
        return out;
    }
}
