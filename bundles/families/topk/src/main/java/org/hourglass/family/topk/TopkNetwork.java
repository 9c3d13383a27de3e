package org.hourglass.family.topk;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.hourglass.graph.Graph;
import org.hourglass.graph.Init;
import org.hourglass.graph.Shape;
import org.hourglass.graph.Tensor;
import org.hourglass.spi.FamilyContext;
import org.hourglass.spi.FamilyOutputs;

/**
 * Builds the TopK sparse autoencoder: {@code pre = (x - b_pre) W_enc + b_enc}, {@code z = ReLU} of the {@code k}
 * largest entries of each row of {@code pre} (the rest 0), {@code x̂ = z W_dec + b_pre}. Plain code, testable
 * without a framework.
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

    static final String W_ENC = "sae/W_enc";
    static final String B_ENC = "sae/b_enc";
    static final String W_DEC = "sae/W_dec";
    static final String B_PRE = "sae/b_pre";
    static final String IDLE = "sae/idle";
    /** Loss term of the auxiliary reconstruction. */
    static final String AUX = "auxk";
    /** Diagnostics (means over an epoch's samples). */
    static final String FIRED = "fired";
    static final String SQUARED_ERROR = "squared_error";
    static final String VARIANCE = "variance";
    static final String MSE = "mse";
    static final String COSINE = "cosine";
    static final String DEAD = "dead";

    /** Far below any pre-activation: fills the places of live latents before the AuxK selection. */
    private static final double FAR_BELOW = -1e30;

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
        Tensor x = g.flatten(ctx.input(), 1);
        long seed = g.seed() * 0x9E3779B97F4A7C15L + 0x5AE;
        Tensor wEnc = g.param(W_ENC, Shape.of(d, n), (shape, random) -> transpose(unitRows(n, d, seed), n, d));
        Tensor bEnc = g.param(B_ENC, Shape.of(n), Init.zeros());
        Tensor wDec = g.param(W_DEC, Shape.of(n, d), (shape, random) -> unitRows(n, d, seed));
        Tensor bPre = g.param(B_PRE, Shape.of(d), Init.zeros());
        // Inference models must carry every buffer the train step has, so both graphs create it.
        Tensor idle = g.buffer(IDLE, Shape.of(n), Init.zeros());

        Tensor dead = ctx.training() && s.auxCoefficient() > 0
                ? g.cast(g.greaterOrEqual(idle, g.scalar(s.deadTokens())), g.floatType()) : null;
        Forward f = forward(g, x, wEnc, bEnc, wDec, bPre, s.k());
        Tensor aux = dead == null ? null : auxLoss(g, f.pre(), wDec,
                g.stopGradient(g.sub(x, f.reconstruction())), dead, s.auxK(d, n), s.auxCoefficient());
        long[] shape = ctx.inputSpec().batchShape();
        Tensor reconstruction = shape.length == 2 ? f.reconstruction() : g.reshape(f.reconstruction(), shape);
        if (!ctx.training()) {
            return FamilyOutputs.of(f.z(), reconstruction);
        }

        try (Graph.Scope scope = g.scope("sae_state")) {
            Tensor active = g.cast(g.greater(f.z(), g.scalar(0.0)), g.floatType());
            Tensor firedInBatch = g.greater(g.reduceMax(active, false, 0), g.scalar(0.0));
            Tensor idleNext = g.where(firedInBatch, g.scalar(0.0),
                    g.clip(g.add(idle, f.rows()), 0, 2.0 * s.deadTokens()));
            g.assign(idle, idleNext);
            g.constrain(wDec, updated -> g.div(updated, g.sqrt(g.add(g.reduceSum(g.mul(updated, updated), true, 1),
                    1e-12))));
            Tensor batchMean = g.reduceMean(g.stopGradient(x), false, 0);
            Tensor first = g.equal(g.trainingStep(), g.scalar(1.0));
            g.constrain(bPre, updated -> g.where(first, batchMean, updated));

            Map<String, Tensor> diagnostics = new LinkedHashMap<>();
            Tensor xs = g.stopGradient(x);
            Tensor xh = g.stopGradient(f.reconstruction());
            Tensor err = g.sub(xs, xh);
            Tensor centred = g.sub(xs, g.reduceMean(xs, true, 0));
            diagnostics.put(FIRED, g.reduceMean(active, false, 0));
            diagnostics.put(SQUARED_ERROR, perSampleMean(g, g.reduceSum(g.mul(err, err), false, 1)));
            diagnostics.put(MSE, perSampleMean(g, g.reduceMean(g.mul(err, err), false, 1)));
            diagnostics.put(VARIANCE, perSampleMean(g, g.reduceSum(g.mul(centred, centred), false, 1)));
            Tensor dot = g.reduceSum(g.mul(xs, xh), false, 1);
            Tensor norms = g.sqrt(g.add(g.mul(g.reduceSum(g.mul(xs, xs), false, 1),
                    g.reduceSum(g.mul(xh, xh), false, 1)), 1e-24));
            diagnostics.put(COSINE, perSampleMean(g, g.div(dot, norms)));
            diagnostics.put(DEAD, g.reshape(g.reduceSum(g.cast(g.greaterOrEqual(idleNext,
                    g.scalar(s.deadTokens())), g.floatType()), false, 0), 1));
            Map<String, Tensor> terms = aux == null ? Map.of() : Map.of(AUX, aux);
            return new FamilyOutputs(f.z(), reconstruction, terms, Map.of(), diagnostics);
        }
    }

    /** The SAE on {@code x [N, d]}; {@code rows} is the number of samples of the batch as a float scalar. */
    static Forward forward(Graph g, Tensor x, Tensor wEnc, Tensor bEnc, Tensor wDec, Tensor bPre, int k) {
        try (Graph.Scope scope = g.scope("sae")) {
            Tensor pre = g.add(g.matmul(g.sub(x, bPre), wEnc), bEnc);
            Graph.TopK top = g.topK(g.stopGradient(pre), k, 1);
            Tensor kth = g.slice(top.values(), new long[] {1}, new long[] {k - 1}, new long[] {k});
            Tensor z = g.where(g.greaterOrEqual(pre, kth), g.relu(pre), g.scalar(0.0));
            Tensor reconstruction = g.add(g.matmul(z, wDec), bPre);
            // Every row has a first TopK index >= 0, so this counts the batch's rows.
            Tensor first = g.slice(top.indices(), new long[] {1}, new long[] {0}, new long[] {1});
            Tensor rows = g.reduceSum(g.cast(g.greaterOrEqual(first, g.longs(0)), g.floatType()), false, 0, 1);
            return new Forward(pre, z, reconstruction, rows);
        }
    }

    /**
     * AuxK: the {@code auxK} largest pre-activations among the dead latents ({@code dead [n]}, 1 = dead), ReLU'd,
     * decode {@code residual} (the main reconstruction's error, a constant for the gradient).
     */
    static Tensor auxLoss(Graph g, Tensor pre, Tensor wDec, Tensor residual, Tensor dead, int auxK,
                          double coefficient) {
        try (Graph.Scope scope = g.scope("auxk")) {
            Tensor isDead = g.greater(dead, g.scalar(0.0));
            Tensor candidates = g.where(isDead, g.stopGradient(pre), g.scalar(FAR_BELOW));
            Graph.TopK top = g.topK(candidates, auxK, 1);
            Tensor kth = g.slice(top.values(), new long[] {1}, new long[] {auxK - 1}, new long[] {auxK});
            Tensor chosen = g.greaterOrEqual(candidates, kth);
            Tensor zAux = g.where(chosen, g.where(isDead, g.relu(pre), g.scalar(0.0)), g.scalar(0.0));
            Tensor estimate = g.matmul(zAux, wDec);
            Tensor diff = g.sub(estimate, residual);
            Tensor centred = g.sub(residual, g.reduceMean(residual, true, 0));
            Tensor scale = g.add(g.mean(g.mul(centred, centred)), 1e-12);
            Tensor anyDead = g.cast(g.greater(g.reduceSum(dead, false, 0), g.scalar(0.0)), g.floatType());
            return g.mul(g.mul(g.div(g.mean(g.mul(diff, diff)), scale), anyDead), coefficient);
        }
    }

    /** The batch mean of a per-sample value {@code [N]}, shaped {@code [1]} (diagnostics need a static shape). */
    private static Tensor perSampleMean(Graph g, Tensor perSample) {
        return g.reshape(g.reduceMean(perSample, false, 0), 1);
    }

    /** {@code n} random unit rows of length {@code d}, row-major. */
    static double[] unitRows(int n, long d, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int w = Math.toIntExact(d);
        double[] v = new double[n * w];
        for (int i = 0; i < n; i++) {
            double norm = 0;
            for (int j = 0; j < w; j++) {
                double u = gaussian(random);
                v[i * w + j] = u;
                norm += u * u;
            }
            norm = Math.sqrt(norm);
            for (int j = 0; j < w; j++) {
                v[i * w + j] /= norm;
            }
        }
        return v;
    }

    private static double[] transpose(double[] m, int rows, long cols) {
        int c = Math.toIntExact(cols);
        double[] t = new double[m.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < c; j++) {
                t[j * rows + i] = m[i * c + j];
            }
        }
        return t;
    }

    private static double gaussian(SplittableRandom r) {
        double u1 = r.nextDouble();
        double u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }

    /**
     * The epoch's figures: L0 (mean active latents per sample = the sum of firing frequencies), FVU and explained
     * variance (squared error over the batch variance around the batch mean), MSE per value, cosine similarity of
     * sample and reconstruction, dead latents (idle for dead.tokens samples; the epoch's mean count) and latents
     * that never fired in the epoch.
     */
    static Map<String, Object> summarize(Map<String, double[]> means) {
        Map<String, Object> out = new LinkedHashMap<>();
        double[] fired = means.get(FIRED);
        if (fired != null) {
            double l0 = 0;
            int silent = 0;
            for (double f : fired) {
                l0 += f;
                silent += f == 0 ? 1 : 0;
            }
            out.put("l0", l0);
            out.put("unfired_latents", silent);
        }
        double[] se = means.get(SQUARED_ERROR);
        double[] var = means.get(VARIANCE);
        if (se != null && var != null) {
            double fvu = var[0] > 0 ? se[0] / var[0] : Double.NaN;
            out.put("fvu", fvu);
            out.put("explained_variance", 1 - fvu);
        }
        if (means.get(MSE) != null) {
            out.put("mse", means.get(MSE)[0]);
        }
        if (means.get(COSINE) != null) {
            out.put("cosine_similarity", means.get(COSINE)[0]);
        }
        if (means.get(DEAD) != null) {
            out.put("dead_latents", means.get(DEAD)[0]);
        }
        return out;
    }
}
