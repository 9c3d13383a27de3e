package org.hourglass.family.vae;

import java.util.Map;
import org.hourglass.graph.Graph;
import org.hourglass.graph.Graph.Activation;
import org.hourglass.graph.Init;
import org.hourglass.graph.Noise;
import org.hourglass.graph.Shape;
import org.hourglass.graph.Tensor;
import org.hourglass.spi.FamilyContext;
import org.hourglass.spi.FamilyOutputs;

/**
 * Builds a VAE: an MLP encoder with a mean and a log-variance head, z = mean + exp(logvar / 2) * eps while
 * training (eps drawn from the pipeline's seeded host RNG as a random input), z = mean at inference, and a mirrored
 * decoder. The KL divergence to N(0, I), averaged over the batch and weighted by beta, is the family's loss term.
 */
final class VaeNetwork {

    /** Name of the loss term (and training metric) of the weighted KL divergence. */
    static final String KL = "kl";
    /** Name of the standard-normal random input of the reparameterisation. */
    static final String EPSILON = "vae/epsilon";

    private VaeNetwork() {
    }

    static FamilyOutputs build(VaeSettings s, FamilyContext ctx) {
        Graph g = ctx.graph();
        long features = ctx.inputSpec().features();
        Init init = s.activation() == Activation.RELU || s.activation() == Activation.GELU ? Init.heUniform()
                : Init.xavierUniform(1.0);
        Tensor h = g.flatten(ctx.input(), 1);
        long[] hidden = s.hiddenSizes();
        for (int i = 0; i < hidden.length; i++) {
            h = g.activate(g.linear("encoder/fc" + (i + 1), h, hidden[i], init), s.activation());
        }
        Tensor mean = g.linear("encoder/mean", h, ctx.latentSize(), Init.xavierUniform(1.0));
        Tensor logVar = g.linear("encoder/log_variance", h, ctx.latentSize(), Init.xavierUniform(1.0));
        Tensor z = mean;
        if (ctx.training()) {
            Tensor eps = g.randomInput(EPSILON, Shape.batchOf(ctx.latentSize()), Noise.normal(0, 1));
            z = g.add(mean, g.mul(g.exp(g.mul(logVar, 0.5)), eps));
        }
        Tensor d = z;
        for (int i = hidden.length - 1; i >= 0; i--) {
            d = g.activate(g.linear("decoder/fc" + (hidden.length - i), d, hidden[i], init), s.activation());
        }
        Tensor out = g.activate(g.linear("decoder/out", d, features, Init.xavierUniform(1.0)), s.outputActivation());
        long[] shape = ctx.inputSpec().batchShape();
        Tensor reconstruction = shape.length == 2 ? out : g.reshape(out, shape);
        if (!ctx.training()) {
            return FamilyOutputs.of(mean, reconstruction);
        }
        return new FamilyOutputs(mean, reconstruction, Map.of(KL, g.mul(klPerSample(g, mean, logVar), s.beta())),
                Map.of());
    }

    /** Batch mean of 0.5 * sum_j (exp(logvar_j) + mean_j^2 - 1 - logvar_j): KL(N(mean, var) || N(0, I)). */
    static Tensor klPerSample(Graph g, Tensor mean, Tensor logVar) {
        Tensor terms = g.sub(g.add(g.exp(logVar), g.mul(mean, mean)), g.add(logVar, 1.0));
        return g.mul(g.mean(g.reduceSum(terms, false, 1)), 0.5);
    }
}
