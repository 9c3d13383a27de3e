package org.hourglass.family.cevae;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hourglass.family.vae.blocks.VaeModel;
import org.hourglass.family.vae.blocks.VaeSpec;
import org.hourglass.graph.Autodiff;
import org.hourglass.graph.Graph;
import org.hourglass.graph.HostTensor;
import org.hourglass.graph.Noise;
import org.hourglass.graph.Ops;
import org.hourglass.graph.Shape;
import org.hourglass.graph.ShapeOps;
import org.hourglass.graph.Tensor;
import org.hourglass.spi.FamilyContext;
import org.hourglass.spi.FamilyOutputs;
import org.hourglass.spi.InputSpec;

/**
 * The context-encoding VAE: one {@link VaeModel} trained two ways at once. The VAE branch encodes the clean input,
 * samples z and reconstructs (pipeline loss + KL term); the context-encoder branch encodes a copy with 0–3 random
 * rectangles filled with noise and must restore the clean input from the posterior mean (the pipeline's loss of that
 * pair, the loss term {@value #CONTEXT}). The objective (1 − c)·L_VAE + c·L_CE is trained divided by (1 − c), i.e.
 * L_VAE + c/(1 − c)·L_CE: the pipeline adds its reconstruction loss with weight 1, and Adam does not see the scale.
 * The inference model adds the anomaly map normalised |∂KL/∂x| ⊙ (x − x̂)².
 */
final class CeVaeNetwork {

    /** Loss term (and training metric): c/(1 − c) times the context-encoder branch's reconstruction loss. */
    static final String CONTEXT = "context";
    /** Inference output: the per-entry anomaly map, same shape as the input. */
    static final String ANOMALY_MAP = "anomaly_map";
    /** Uniform random input [batch, 3, 5]: per rectangle slot the count draw, x, y, width and height draws. */
    static final String RECTANGLES = "cevae/rectangles";
    /** Uniform random input [batch, features]: the values the rectangles are filled with. */
    static final String FILL = "cevae/fill";
    /** Rectangle slots: 0–3 rectangles per sample, each count equally likely. */
    static final int SLOTS = 3;

    private CeVaeNetwork() {
    }

    static FamilyOutputs build(VaeSpec spec, double c, FamilyContext ctx, String name) {
        Graph g = ctx.graph();
        VaeModel m = VaeModel.create(spec, ctx, "ce-vae '" + name + "'");
        Tensor x = ctx.input();
        VaeModel.Posterior p = m.encode(x);
        if (!ctx.training()) {
            Tensor reconstruction = m.reconstruction(p.mean());
            Map<String, Tensor> outputs = new LinkedHashMap<>();
            outputs.put(VaeModel.KL_OUTPUT, m.klOutput(p));
            if (spec.likelihoodSamples() > 0) {
                outputs.put(VaeModel.LOG_LIKELIHOOD, m.logLikelihood(x, p));
            }
            outputs.put(ANOMALY_MAP, anomalyMap(g, m, x, p, reconstruction, ctx.inputSpec()));
            return new FamilyOutputs(p.mean(), reconstruction, Map.of(), outputs);
        }
        Map<String, Tensor> terms = new LinkedHashMap<>();
        terms.put(VaeModel.KL, m.klLossTerm(p));
        if (c > 0) {
            Tensor restored = m.reconstruction(m.encode(corrupt(g, x, ctx.inputSpec())).mean());
            terms.put(CONTEXT, Ops.mul(Ops.mean(ctx.reconstructionLoss(x, restored)), c / (1 - c)));
        }
        return new FamilyOutputs(p.mean(), m.reconstruction(m.sample(p)), terms, Map.of(),
                Map.of(VaeModel.KL_PER_DIMENSION, m.klPerDimension(p)));
    }

    /**
     * normalise(|∂ KL/∂x|) ⊙ (x − E[x | mean])²: the gradient of the summed KL with respect to the input (each
     * sample's KL depends only on its own input), its magnitude divided by the sample's largest, times the squared
     * error of the expected reconstruction.
     */
    static Tensor anomalyMap(Graph g, VaeModel m, Tensor x, VaeModel.Posterior p, Tensor reconstruction,
                             InputSpec spec) {
        Tensor grad = Autodiff.gradients(Ops.sum(m.klPerSample(p)), List.of(x)).get(x);
        Tensor magnitude = Ops.abs(ShapeOps.flatten(grad, 1));
        Tensor normalised = Ops.div(magnitude, Ops.add(Ops.reduceMax(magnitude, true, 1), 1e-12));
        Tensor d = Ops.sub(ShapeOps.flatten(x, 1), ShapeOps.flatten(m.expectation(reconstruction), 1));
        Tensor map = Ops.mul(normalised, Ops.mul(d, d));
        long[] shape = spec.batchShape();
        return shape.length == 2 ? map : ShapeOps.reshape(map, shape);
    }

    /**
     * x with 0–3 rectangles (per sample; each count equally likely) replaced by uniform noise in [0, 1) (the range of
     * min-max normalised data). Rectangles lie inside the last two dimensions of the sample ([H, W]; a 1-D sample is
     * one row), with sides from 1 to half the image, and cover every channel. Built from the seeded random inputs
     * {@value #RECTANGLES} and {@value #FILL}, so training stays reproducible.
     */
    static Tensor corrupt(Graph g, Tensor x, InputSpec spec) {
        long[] s = spec.sampleShape();
        long width = s[s.length - 1];
        long height = s.length >= 2 ? s[s.length - 2] : 1;
        int features = spec.features();
        double[] col = new double[features];
        double[] row = new double[features];
        for (int i = 0; i < features; i++) {
            col[i] = i % width + 0.5;
            row[i] = (i / width) % height + 0.5;
        }
        double[] slot = new double[SLOTS];
        for (int k = 0; k < SLOTS; k++) {
            slot[k] = (k + 1) / (SLOTS + 1.0);
        }
        Tensor cols = g.constant("cevae/columns", HostTensor.of(g.floatType(), col, 1, 1, features));
        Tensor rows = g.constant("cevae/rows", HostTensor.of(g.floatType(), row, 1, 1, features));
        Tensor thresholds = g.constant("cevae/slots", HostTensor.of(g.floatType(), slot, 1, SLOTS, 1));
        Tensor draws = g.randomInput(RECTANGLES, Shape.batchOf(SLOTS, 5), Noise.uniform(0, 1));
        Tensor fill = g.randomInput(FILL, Shape.batchOf(features), Noise.uniform(0, 1));
        List<Tensor> u = ShapeOps.split(draws, 2, 1, 1, 1, 1, 1); // each [batch, SLOTS, 1]
        // n = floor(4 u) rectangles: slot k is on when u >= (k + 1) / 4, with the first slot's u for all slots.
        Tensor count = ShapeOps.slice(u.get(0), new long[] {1}, new long[] {0}, new long[] {1});
        Tensor on = bool(g, Ops.greaterOrEqual(count, thresholds));
        Tensor w = Ops.add(Ops.mul(u.get(3), Math.max(width / 2.0, 1) - 1), 1.0);
        Tensor h = Ops.add(Ops.mul(u.get(4), Math.max(height / 2.0, 1) - 1), 1.0);
        Tensor x0 = Ops.mul(u.get(1), Ops.sub(width, w));
        Tensor y0 = Ops.mul(u.get(2), Ops.sub(height, h));
        Tensor inside = Ops.mul(Ops.mul(bool(g, Ops.greaterOrEqual(cols, x0)), bool(g, Ops.less(cols, Ops.add(x0, w)))),
                Ops.mul(bool(g, Ops.greaterOrEqual(rows, y0)), bool(g, Ops.less(rows, Ops.add(y0, h)))));
        Tensor mask = Ops.reduceMax(Ops.mul(inside, on), false, 1); // [batch, features]: union of the rectangles
        Tensor flat = ShapeOps.flatten(x, 1);
        Tensor corrupted = Ops.add(Ops.mul(flat, Ops.sub(1.0, mask)), Ops.mul(fill, mask));
        long[] shape = spec.batchShape();
        return shape.length == 2 ? corrupted : ShapeOps.reshape(corrupted, shape);
    }

    private static Tensor bool(Graph g, Tensor condition) {
        return Ops.cast(condition, g.floatType());
    }
}
