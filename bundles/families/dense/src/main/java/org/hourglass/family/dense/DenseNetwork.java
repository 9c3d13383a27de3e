package org.hourglass.family.dense;

import java.util.Map;
import org.hourglass.graph.Graph;
import org.hourglass.graph.Graph.Activation;
import org.hourglass.graph.Init;
import org.hourglass.graph.Noise;
import org.hourglass.graph.Shape;
import org.hourglass.graph.Tensor;
import org.hourglass.spi.FamilyContext;
import org.hourglass.spi.FamilyOutputs;

/** Builds the dense encoder and mirrored decoder; plain code, testable without a framework. */
final class DenseNetwork {

    /** Floor of the predicted variance of the variance head. */
    static final double VARIANCE_EPSILON = 1e-6;

    private DenseNetwork() {
    }

    static FamilyOutputs build(DenseSettings s, FamilyContext ctx) {
        Graph g = ctx.graph();
        long features = ctx.inputSpec().features();
        Tensor x = g.flatten(ctx.input(), 1);
        if (ctx.training()) {
            x = corrupt(g, x, s, features);
        }
        Tensor h = x;
        long[] hidden = s.hiddenSizes();
        for (int i = 0; i < hidden.length; i++) {
            h = layer(g, "encoder/fc" + (i + 1), h, hidden[i], s, ctx.training());
        }
        Tensor latent = g.linear("encoder/latent", h, ctx.latentSize(), Init.xavierUniform(1.0));
        h = latent;
        for (int i = hidden.length - 1; i >= 0; i--) {
            h = layer(g, "decoder/fc" + (hidden.length - i), h, hidden[i], s, ctx.training());
        }
        Tensor out = g.activate(g.linear("decoder/out", h, features, Init.xavierUniform(1.0)), s.outputActivation());
        long[] shape = ctx.inputSpec().batchShape();
        Tensor reconstruction = shape.length == 2 ? out : g.reshape(out, shape);
        if (!s.varianceHead()) {
            return FamilyOutputs.of(latent, reconstruction);
        }
        // Second head from the same last hidden layer: sigma² = softplus(s) + eps stays positive and finite.
        Tensor head = g.linear("decoder/variance", h, features, Init.xavierUniform(1.0));
        Tensor logVariance = g.log(g.add(g.softplus(head), VARIANCE_EPSILON));
        return new FamilyOutputs(latent, reconstruction, Map.of(),
                Map.of(FamilyOutputs.LOG_VARIANCE, shape.length == 2 ? logVariance : g.reshape(logVariance, shape)));
    }

    private static Tensor layer(Graph g, String name, Tensor x, long width, DenseSettings s, boolean training) {
        Init init = s.activation() == Activation.RELU || s.activation() == Activation.GELU ? Init.heUniform()
                : Init.xavierUniform(1.0);
        Tensor h = g.activate(g.linear(name, x, width, init), s.activation());
        if (training && s.dropout() > 0) {
            // Inverted dropout: keep with probability 1-p and scale by 1/(1-p), so inference needs no change.
            Tensor keep = g.randomInput(name + "/dropout", Shape.batchOf(width), Noise.bernoulli(1 - s.dropout()));
            h = g.mul(g.mul(h, keep), 1 / (1 - s.dropout()));
        }
        return h;
    }

    /** Denoising: the encoder sees a corrupted input, the loss compares with the clean one. */
    private static Tensor corrupt(Graph g, Tensor x, DenseSettings s, long features) {
        switch (s.noise()) {
            case GAUSSIAN:
                return g.add(x, g.randomInput("dense/noise", Shape.batchOf(features), Noise.normal(0, s.noiseLevel())));
            case MASKING:
                return g.mul(x, g.randomInput("dense/noise", Shape.batchOf(features), Noise.bernoulli(1 - s.noiseLevel())));
            default:
                return x;
        }
    }
}
