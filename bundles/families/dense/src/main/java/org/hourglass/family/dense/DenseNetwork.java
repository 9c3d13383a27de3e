package org.hourglass.family.dense;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hourglass.graph.Graph;
import org.hourglass.graph.Layers.Activation;
import org.hourglass.graph.Init;
import org.hourglass.graph.Noise;
import org.hourglass.graph.Shape;
import org.hourglass.graph.Tensor;
import org.hourglass.graph.Layers;
import org.hourglass.graph.Ops;
import org.hourglass.graph.ShapeOps;
import org.hourglass.spi.FamilyContext;
import org.hourglass.spi.FamilyOutputs;

/** Builds the dense encoder and mirrored decoder; plain code, testable without a framework. */
final class DenseNetwork {

    /** Loss term of the contractive penalty. */
    static final String CONTRACTIVE = "contractive";

    private DenseNetwork() {
    }

    static FamilyOutputs build(DenseSettings s, FamilyContext ctx) {
        Graph g = ctx.graph();
        long features = ctx.inputSpec().features();
        Tensor x = ShapeOps.flatten(ctx.input(), 1);
        if (ctx.training()) {
            x = corrupt(g, x, s, features);
        }
        boolean contractive = ctx.training() && s.contractiveWeight() > 0;
        Tensor h = x;
        long[] hidden = s.hiddenSizes();
        List<Layer> encoder = new ArrayList<>();
        for (int i = 0; i < hidden.length; i++) {
            Layer l = layer(g, "encoder/fc" + (i + 1), h, hidden[i], s, ctx.training(), contractive);
            encoder.add(l);
            h = l.output();
        }
        Tensor latent = Layers.linear("encoder/latent", h, ctx.latentSize(), Init.xavierUniform(1.0));
        Map<String, Tensor> terms = new LinkedHashMap<>();
        if (contractive) {
            try (Graph.Scope scope = g.scope("contractive")) {
                terms.put(CONTRACTIVE, Ops.mul(jacobianNorm(g, s, encoder, g.tensor("encoder/latent/weight"), features),
                        s.contractiveWeight()));
            }
        }
        h = latent;
        for (int i = hidden.length - 1; i >= 0; i--) {
            h = layer(g, "decoder/fc" + (hidden.length - i), h, hidden[i], s, ctx.training(), false).output();
        }
        Tensor out = Layers.activate(Layers.linear("decoder/out", h, features, Init.xavierUniform(1.0)), s.outputActivation());
        long[] shape = ctx.inputSpec().batchShape();
        Tensor reconstruction = shape.length == 2 ? out : ShapeOps.reshape(out, shape);
        if (!s.varianceHead()) {
            return new FamilyOutputs(latent, reconstruction, terms, Map.of());
        }
        // Second head from the same last hidden layer: sigma² = softplus(s) + eps stays positive and finite.
        Tensor head = Layers.linear("decoder/variance", h, features, Init.xavierUniform(1.0));
        Tensor logVariance = FamilyOutputs.varianceHead(g, head);
        return new FamilyOutputs(latent, reconstruction, terms,
                Map.of(FamilyOutputs.LOG_VARIANCE, shape.length == 2 ? logVariance : ShapeOps.reshape(logVariance, shape)));
    }

    /**
     * A hidden layer's output and, for the contractive penalty, the derivative of that output with respect to the
     * layer's pre-activation ({@code [N, width]}, dropout's keep/(1-p) included), else null.
     */
    record Layer(Tensor weight, Tensor output, Tensor derivative) {
    }

    private static Layer layer(Graph g, String name, Tensor x, long width, DenseSettings s, boolean training,
                               boolean derivative) {
        Init init = s.activation() == Activation.RELU || s.activation() == Activation.GELU ? Init.heUniform()
                : Init.xavierUniform(1.0);
        Tensor a = Layers.linear(name, x, width, init);
        Tensor h = Layers.activate(a, s.activation());
        Tensor d = derivative ? activationDerivative(g, s.activation(), a, h) : null;
        if (training && s.dropout() > 0) {
            // Inverted dropout: keep with probability 1-p and scale by 1/(1-p), so inference needs no change.
            Tensor keep = Ops.mul(g.randomInput(name + "/dropout", Shape.batchOf(width), Noise.bernoulli(1 - s.dropout())),
                    1 / (1 - s.dropout()));
            h = Ops.mul(h, keep);
            d = d == null ? null : Ops.mul(d, keep);
        }
        return new Layer(g.tensor(name + "/weight"), h, d);
    }

    /** The activation's derivative at the pre-activation {@code a}, from the output {@code h} where that is enough. */
    static Tensor activationDerivative(Graph g, Activation act, Tensor a, Tensor h) {
        switch (act) {
            case RELU:
                // from the output, as the ReLU gradient does: a second consumer of a would block Gemm+Relu fusion
                return Ops.cast(Ops.greater(h, 0.0), g.floatType());
            case TANH:
                return Ops.sub(1.0, Ops.mul(h, h));
            case SIGMOID:
                return Ops.mul(h, Ops.sub(1.0, h));
            case GELU: {
                // d/da [a Φ(a)] = Φ(a) + a φ(a)
                Tensor cdf = Ops.mul(Ops.add(Ops.erf(Ops.mul(a, 1 / Math.sqrt(2))), 1.0), 0.5);
                Tensor pdf = Ops.mul(Ops.exp(Ops.mul(Ops.mul(a, a), -0.5)), 1 / Math.sqrt(2 * Math.PI));
                return Ops.add(cdf, Ops.mul(a, pdf));
            }
            default:
                return g.scalar(1.0);
        }
    }

    /**
     * Batch mean of ||J(x)||²_F for the encoder x → latent, where J = Wzᵀ D_L W_Lᵀ ... D_1 W_1ᵀ and D_i = diag of
     * layer i's activation derivative at x.
     * <ul>
     *   <li>No hidden layer: J = Wzᵀ, the penalty is ||Wz||²_F.</li>
     *   <li>One hidden layer (exact, the closed form of Rifai et al. 2011 generalised to a linear code layer):
     *       ||J||² = Σ_jk d_j d_k (W1ᵀW1)_jk (Wz Wzᵀ)_jk = dᵀ M d with M = (W1ᵀW1) ⊙ (Wz Wzᵀ) [h, h]: a few
     *       small products per step instead of the latent × input Jacobian per sample.</li>
     *   <li>Deeper (unbiased estimate): ||J||²_F = E_u ||J u||² for u ~ N(0, I) in input space; J u is one
     *       forward-mode pass (u W_1 ⊙ d_1, then W_2, ...), averaged over {@code contractive.projections}
     *       directions drawn per sample and step from the seed.</li>
     * </ul>
     */
    static Tensor jacobianNorm(Graph g, DenseSettings s, List<Layer> encoder, Tensor wz, long features) {
        if (encoder.isEmpty()) {
            return Ops.sum(Ops.mul(wz, wz));
        }
        if (encoder.size() == 1) {
            Layer l = encoder.get(0);
            Tensor w1 = l.weight();
            Tensor m = Ops.mul(Ops.gemm(w1, w1, null, 1.0, 0.0, true, false), Ops.gemm(wz, wz, null, 1.0, 0.0, false, true));
            Tensor d = l.derivative();
            return Ops.mean(Ops.reduceSum(Ops.mul(Ops.matmul(d, m), d), false, 1));
        }
        int p = s.contractiveProjections();
        // t [N, P, width]: P directions carried through the layers at once
        Tensor t = g.randomInput("contractive/directions", Shape.batchOf(p, features), Noise.normal(0, 1));
        for (Layer l : encoder) {
            t = Ops.mul(Ops.matmul(t, l.weight()), ShapeOps.unsqueeze(l.derivative(), 1));
        }
        Tensor ju = Ops.matmul(t, wz);
        return Ops.div(Ops.mean(Ops.reduceSum(Ops.mul(ju, ju), false, 1, 2)), p);
    }

    /** Denoising: the encoder sees a corrupted input, the loss compares with the clean one. */
    private static Tensor corrupt(Graph g, Tensor x, DenseSettings s, long features) {
        switch (s.noise()) {
            case GAUSSIAN:
                return Ops.add(x, g.randomInput("dense/noise", Shape.batchOf(features), Noise.normal(0, s.noiseLevel())));
            case MASKING:
                return Ops.mul(x, g.randomInput("dense/noise", Shape.batchOf(features), Noise.bernoulli(1 - s.noiseLevel())));
            default:
                return x;
        }
    }
}
