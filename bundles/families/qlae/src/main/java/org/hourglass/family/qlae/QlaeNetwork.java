package org.hourglass.family.qlae;

import java.util.LinkedHashMap;
import java.util.Map;
import org.hourglass.graph.Graph;
import org.hourglass.graph.Layers.Activation;
import org.hourglass.graph.Init;
import org.hourglass.graph.Shape;
import org.hourglass.graph.Tensor;
import org.hourglass.graph.Layers;
import org.hourglass.graph.Ops;
import org.hourglass.graph.ShapeOps;
import org.hourglass.spi.FamilyContext;
import org.hourglass.spi.FamilyOutputs;

/**
 * Builds the quantised-latent autoencoder: a dense encoder to {@code z [N, D]}, a scalar codebook per latent
 * dimension ({@code quantizer/codebook [D, n]}), each {@code z_d} replaced by the nearest value of codebook
 * {@code d}, and a dense decoder from the quantised code (the latent output). Plain code, testable without a framework.
 *
 * <p>The nearest value is chosen on gradient-stopped copies (a comparison has no gradient); the decoder sees
 * {@code z + stopGradient(q - z)} (straight-through: the forward value of {@code q}, the gradient of {@code z}).
 * Two loss terms, only in the training graph: {@code quantization = w_q mean((q - sg(z))²)} moves the codebook
 * values towards the codes and {@code commitment = w_c mean((z - sg(q))²)} keeps the codes near their values.
 */
final class QlaeNetwork {

    static final String QUANTIZATION = "quantization";
    static final String COMMITMENT = "commitment";
    /** Diagnostic: per latent dimension, the fraction of the batch assigned to each codebook value, {@code [D, n]}. */
    static final String USAGE = "usage";

    private QlaeNetwork() {
    }

    /** Every row the same evenly spaced values on [-range, range]. */
    static Init linspace(double range) {
        return (shape, random) -> {
            int rows = Math.toIntExact(shape[0]);
            int n = Math.toIntExact(shape[1]);
            double[] v = new double[rows * n];
            for (int r = 0; r < rows; r++) {
                for (int i = 0; i < n; i++) {
                    v[r * n + i] = -range + 2 * range * i / (n - 1);
                }
            }
            return v;
        };
    }

    static FamilyOutputs build(QlaeSettings s, FamilyContext ctx) {
        Graph g = ctx.graph();
        long features = ctx.inputSpec().features();
        long latentSize = ctx.latentSize();
        Init hidden = s.activation() == Activation.RELU || s.activation() == Activation.GELU ? Init.heUniform()
                : Init.xavierUniform(1.0);
        long[] widths = s.hiddenSizes();

        Tensor h = ShapeOps.flatten(ctx.input(), 1);
        for (int i = 0; i < widths.length; i++) {
            h = Layers.activate(Layers.linear("encoder/fc" + (i + 1), h, widths[i], hidden), s.activation());
        }
        Tensor z = Layers.linear("encoder/latent", h, latentSize, Init.xavierUniform(1.0));

        Tensor codebook = g.param("quantizer/codebook", Shape.of(latentSize, s.codebookSize()),
                linspace(s.codebookRange()));
        Assignment a = quantize(g, z, codebook);
        Tensor q = a.quantized();
        // Training: straight-through. Inference: q itself, so codes are exactly codebook values (z + (q - z) can be
        // off by a rounding step).
        Tensor latent = ctx.training() ? Ops.straightThrough(z, q) : q;

        h = latent;
        for (int i = widths.length - 1; i >= 0; i--) {
            h = Layers.activate(Layers.linear("decoder/fc" + (widths.length - i), h, widths[i], hidden), s.activation());
        }
        Tensor out = Layers.activate(Layers.linear("decoder/out", h, features, Init.xavierUniform(1.0)), s.outputActivation());
        long[] shape = ctx.inputSpec().batchShape();
        Tensor reconstruction = shape.length == 2 ? out : ShapeOps.reshape(out, shape);

        Map<String, Tensor> terms = new LinkedHashMap<>();
        if (ctx.training()) {
            if (s.quantizationWeight() > 0) {
                terms.put(QUANTIZATION, Ops.mul(Ops.mean(Ops.pow(Ops.sub(q, Ops.stopGradient(z)), 2)), s.quantizationWeight()));
            }
            if (s.commitmentWeight() > 0) {
                terms.put(COMMITMENT, Ops.mul(Ops.mean(Ops.pow(Ops.sub(z, Ops.stopGradient(q)), 2)), s.commitmentWeight()));
            }
        }
        return new FamilyOutputs(latent, reconstruction, terms, Map.of(),
                ctx.training() ? Map.of(USAGE, Ops.reduceMean(a.weights(), false, 0)) : Map.of());
    }

    /**
     * What the quantiser chose: {@code weights [N, D, n]} (1 at the nearest value of each dimension's codebook,
     * ties share 1 evenly) and the quantised code {@code [N, D]}.
     */
    record Assignment(Tensor weights, Tensor quantized) {
    }

    /** The nearest value of codebook row {@code d} for every {@code z[:, d]}. */
    static Assignment quantize(Graph g, Tensor z, Tensor codebook) {
        try (Graph.Scope scope = g.scope("quantizer")) {
            // squared distance of every code to every value of its dimension's codebook: [N, D, n]
            Tensor d = Ops.pow(Ops.sub(ShapeOps.unsqueeze(Ops.stopGradient(z), 2), Ops.stopGradient(codebook)), 2);
            Tensor negative = Ops.neg(d);
            Tensor nearest = Ops.cast(Ops.equal(negative, Ops.reduceMax(negative, true, 2)), g.floatType());
            // ties (equidistant values) average their values; the gradient reaches the codebook only
            Tensor weights = Ops.div(nearest, Ops.reduceSum(nearest, true, 2));
            return new Assignment(weights, Ops.reduceSum(Ops.mul(weights, codebook), false, 2));
        }
    }

    /**
     * The epoch's codebook usage per latent dimension from the mean assignment weights {@code [D, n]}: how many of
     * the dimension's values were used at all, and the perplexity {@code exp(-Σ p log p)} of its usage (n when all
     * values are used equally, 1 when one value takes every sample); plus their means over the dimensions.
     */
    static Map<String, Object> summarize(Map<String, double[]> epochMeans, int codebookSize) {
        double[] usage = epochMeans.get(USAGE);
        Map<String, Object> out = new LinkedHashMap<>();
        if (usage == null || usage.length % codebookSize != 0) {
            return out;
        }
        int dims = usage.length / codebookSize;
        java.util.List<Integer> used = new java.util.ArrayList<>();
        java.util.List<Double> perplexity = new java.util.ArrayList<>();
        double usedSum = 0;
        double perplexitySum = 0;
        for (int d = 0; d < dims; d++) {
            double total = 0;
            for (int i = 0; i < codebookSize; i++) {
                total += usage[d * codebookSize + i];
            }
            int count = 0;
            double entropy = 0;
            for (int i = 0; i < codebookSize; i++) {
                double p = usage[d * codebookSize + i];
                if (p > 0) {
                    count++;
                    entropy -= p / total * Math.log(p / total);
                }
            }
            double px = total > 0 ? Math.exp(entropy) : 0;
            used.add(count);
            perplexity.add(px);
            usedSum += count;
            perplexitySum += px;
        }
        out.put("mean_values_used", usedSum / dims);
        out.put("mean_perplexity", perplexitySum / dims);
        out.put("values_used", used);
        out.put("perplexity", perplexity);
        return out;
    }
}
