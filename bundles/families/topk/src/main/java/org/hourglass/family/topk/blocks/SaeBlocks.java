package org.hourglass.family.topk.blocks;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.hourglass.graph.Graph;
import org.hourglass.graph.Init;
import org.hourglass.graph.Ops;
import org.hourglass.graph.Shape;
import org.hourglass.graph.ShapeOps;
import org.hourglass.graph.Tensor;

/**
 * Graph pieces of a sparse autoencoder {@code pre = (x - b_pre) W_enc + b_enc}, {@code x̂ = z W_dec + b_pre}; each
 * SAE family chooses its own selection of {@code z} from {@code pre}.
 *
 * <ul>
 *   <li>{@link #params}: {@code sae/W_enc [d, n]}, {@code sae/b_enc [n]}, {@code sae/W_dec [n, d]},
 *       {@code sae/b_pre [d]} and the buffer {@code sae/idle [n]}. {@code W_dec} starts as random unit rows and
 *       {@code W_enc} as their transpose.</li>
 *   <li>{@link #unitNormRows}: each decoder row (a latent's direction) is projected back to unit norm after every
 *       optimizer update.</li>
 *   <li>{@link #startAtBatchMean}: a parameter that starts at 0 is replaced by the first training batch's mean after
 *       the first step, whatever the pipeline's normalisation.</li>
 *   <li>{@link #auxLoss}: the {@code aux.k} largest pre-activations among the dead latents (ReLU'd) decode, without
 *       bias, the residual {@code e} of the main reconstruction:
 *       {@code α · mean((ê - e)²) / mean((e - mean_batch(e))²)}, zero when no latent is dead.</li>
 *   <li>{@link #trackIdle}: {@code sae/idle} counts the samples since each latent last fired.</li>
 *   <li>{@link #diagnostics} and {@link #summarize}: L0, FVU, explained variance, MSE, cosine similarity, dead and
 *       unfired latents.</li>
 * </ul>
 */
public final class SaeBlocks {

    public static final String W_ENC = "sae/W_enc";
    public static final String B_ENC = "sae/b_enc";
    public static final String W_DEC = "sae/W_dec";
    public static final String B_PRE = "sae/b_pre";
    public static final String IDLE = "sae/idle";
    /** Loss term of the auxiliary reconstruction. */
    public static final String AUX = "auxk";
    /** Diagnostics (means over an epoch's samples). */
    public static final String FIRED = "fired";
    public static final String SQUARED_ERROR = "squared_error";
    public static final String VARIANCE = "variance";
    public static final String MSE = "mse";
    public static final String COSINE = "cosine";
    public static final String DEAD = "dead";

    /** Far below any pre-activation: fills the places of live latents before the AuxK selection. */
    private static final double FAR_BELOW = -1e30;

    private SaeBlocks() {
    }

    /**
     * Checks the AuxK and dead-latent settings the SAE families share; messages name the attribute.
     *
     * @param width what {@code aux.k = 0} takes half of ("input", or "target" for transcoders)
     */
    public static void checkAuxSettings(int auxK, double auxCoefficient, long deadTokens, String width) {
        if (auxK < 0) {
            throw new IllegalArgumentException("aux.k must be >= 0 (0 = half the " + width + " width), was " + auxK);
        }
        if (!(auxCoefficient >= 0) || Double.isInfinite(auxCoefficient)) {
            throw new IllegalArgumentException("aux.coefficient must be finite and >= 0, was " + auxCoefficient);
        }
        if (deadTokens < 1) {
            throw new IllegalArgumentException("dead.tokens must be >= 1, was " + deadTokens);
        }
    }

    /** The AuxK count: the configured one, or half of {@code features} when 0; at most {@code latents}. */
    public static int auxK(int configured, long features, int latents) {
        long a = configured > 0 ? configured : Math.max(1, features / 2);
        return (int) Math.min(a, latents);
    }

    /** Checks a family's k: at least 1 (against the number of latents: {@link #requireLatents}). */
    public static void requireK(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, was " + k);
        }
    }

    /** Checks k against the pipeline's latent.size (the number of latents); {@code family} starts the message. */
    public static void requireLatents(String family, int k, int latents) {
        if (k > latents) {
            throw new IllegalArgumentException(family + ": k (" + k + ") must not exceed the pipeline's latent.size ("
                    + latents + "), the number of latents");
        }
    }

    /** The SAE's parameters and idle-count buffer. */
    public record Params(Tensor wEnc, Tensor bEnc, Tensor wDec, Tensor bPre, Tensor idle) {
    }

    /**
     * Creates the parameters for {@code d} input values and {@code n} latents. Inference graphs must create them
     * too (including the buffer), so parameters carry over by name.
     */
    public static Params params(Graph g, long d, int n) {
        long seed = g.seed() * 0x9E3779B97F4A7C15L + 0x5AE;
        Tensor wEnc = g.param(W_ENC, Shape.of(d, n), (shape, random) -> transpose(unitRows(n, d, seed), n, d));
        Tensor bEnc = g.param(B_ENC, Shape.of(n), Init.zeros());
        Tensor wDec = g.param(W_DEC, Shape.of(n, d), (shape, random) -> unitRows(n, d, seed));
        Tensor bPre = g.param(B_PRE, Shape.of(d), Init.zeros());
        Tensor idle = g.buffer(IDLE, Shape.of(n), Init.zeros());
        return new Params(wEnc, bEnc, wDec, bPre, idle);
    }

    /** {@code (x - b_pre) W_enc + b_enc} for {@code x [N, d]}. */
    public static Tensor preActivations(Graph g, Tensor x, Tensor wEnc, Tensor bEnc, Tensor bPre) {
        return Ops.add(Ops.matmul(Ops.sub(x, bPre), wEnc), bEnc);
    }

    /** {@code z W_dec + bias}. */
    public static Tensor decode(Graph g, Tensor z, Tensor wDec, Tensor bias) {
        return Ops.add(Ops.matmul(z, wDec), bias);
    }

    /**
     * The number of rows of {@code x [N, m]} as a float scalar. Counts TopK indices of the first column, which are
     * {@code >= 0} whatever the values (NaN included).
     */
    public static Tensor rowCount(Graph g, Tensor x) {
        Tensor col = ShapeOps.slice(Ops.stopGradient(x), new long[] {1}, new long[] {0}, new long[] {1});
        Tensor index = ShapeOps.topK(col, 1, 1).indices();
        return Ops.reduceSum(Ops.cast(Ops.greaterOrEqual(index, g.longs(0)), g.floatType()), false, 0, 1);
    }

    /** 1 for latents idle for {@code deadTokens} samples or more before this step, else 0 ({@code [n]}). */
    public static Tensor deadMask(Graph g, Tensor idle, long deadTokens) {
        return Ops.cast(Ops.greaterOrEqual(idle, g.scalar(deadTokens)), g.floatType());
    }

    /**
     * AuxK: the {@code auxK} largest pre-activations among the dead latents ({@code dead [n]}, 1 = dead), ReLU'd,
     * decode {@code residual} (the main reconstruction's error, a constant for the gradient).
     */
    public static Tensor auxLoss(Graph g, Tensor pre, Tensor wDec, Tensor residual, Tensor dead, int auxK,
                                 double coefficient) {
        try (Graph.Scope scope = g.scope("auxk")) {
            Tensor isDead = Ops.greater(dead, g.scalar(0.0));
            Tensor candidates = Ops.where(isDead, Ops.stopGradient(pre), g.scalar(FAR_BELOW));
            ShapeOps.TopK top = ShapeOps.topK(candidates, auxK, 1);
            Tensor kth = ShapeOps.slice(top.values(), new long[] {1}, new long[] {auxK - 1}, new long[] {auxK});
            Tensor chosen = Ops.greaterOrEqual(candidates, kth);
            Tensor zAux = Ops.where(chosen, Ops.where(isDead, Ops.relu(pre), g.scalar(0.0)), g.scalar(0.0));
            Tensor estimate = Ops.matmul(zAux, wDec);
            Tensor diff = Ops.sub(estimate, residual);
            Tensor centred = Ops.sub(residual, Ops.reduceMean(residual, true, 0));
            Tensor scale = Ops.add(Ops.mean(Ops.mul(centred, centred)), 1e-12);
            Tensor anyDead = Ops.cast(Ops.greater(Ops.reduceSum(dead, false, 0), g.scalar(0.0)), g.floatType());
            return Ops.mul(Ops.mul(Ops.div(Ops.mean(Ops.mul(diff, diff)), scale), anyDead), coefficient);
        }
    }

    /** Projects each row of {@code wDec} back to unit norm after every optimizer update. */
    public static void unitNormRows(Graph g, Tensor wDec) {
        g.constrain(wDec, updated -> Ops.div(updated, Ops.sqrt(Ops.add(Ops.reduceSum(Ops.mul(updated, updated), true, 1),
                1e-12))));
    }

    /** Replaces {@code param [m]} by the batch mean of {@code data [N, m]} after training step 1. */
    public static void startAtBatchMean(Graph g, Tensor param, Tensor data) {
        Tensor batchMean = Ops.reduceMean(Ops.stopGradient(data), false, 0);
        Tensor first = Ops.equal(g.trainingStep(), g.scalar(1.0));
        g.constrain(param, updated -> Ops.where(first, batchMean, updated));
    }

    /**
     * Updates the idle counts: 0 for latents active ({@code active [N, n]}, 1 = non-zero) in this batch, else plus
     * the batch's {@code rows}, capped at twice {@code deadTokens}. Returns the counts after the step.
     */
    public static Tensor trackIdle(Graph g, Tensor idle, Tensor active, Tensor rows, long deadTokens) {
        Tensor firedInBatch = Ops.greater(Ops.reduceMax(active, false, 0), g.scalar(0.0));
        Tensor idleNext = Ops.where(firedInBatch, g.scalar(0.0), Ops.clip(Ops.add(idle, rows), 0, 2.0 * deadTokens));
        g.assign(idle, idleNext);
        return idleNext;
    }

    /** 1 where {@code z} is non-zero, else 0. */
    public static Tensor active(Graph g, Tensor z) {
        return Ops.cast(Ops.greater(Ops.stopGradient(z), g.scalar(0.0)), g.floatType());
    }

    /**
     * The per-epoch diagnostics of {@code estimate} against {@code target} (both {@code [N, m]}, gradients
     * stopped here), the latents' firing ({@code active [N, n]}) and the idle counts after the step.
     */
    public static Map<String, Tensor> diagnostics(Graph g, Tensor target, Tensor estimate, Tensor active,
                                                  Tensor idleNext, long deadTokens) {
        Map<String, Tensor> diagnostics = new LinkedHashMap<>();
        Tensor xs = Ops.stopGradient(target);
        Tensor xh = Ops.stopGradient(estimate);
        Tensor err = Ops.sub(xs, xh);
        Tensor centred = Ops.sub(xs, Ops.reduceMean(xs, true, 0));
        diagnostics.put(FIRED, Ops.reduceMean(active, false, 0));
        diagnostics.put(SQUARED_ERROR, perSampleMean(g, Ops.reduceSum(Ops.mul(err, err), false, 1)));
        diagnostics.put(MSE, perSampleMean(g, Ops.reduceMean(Ops.mul(err, err), false, 1)));
        diagnostics.put(VARIANCE, perSampleMean(g, Ops.reduceSum(Ops.mul(centred, centred), false, 1)));
        Tensor dot = Ops.reduceSum(Ops.mul(xs, xh), false, 1);
        Tensor norms = Ops.sqrt(Ops.add(Ops.mul(Ops.reduceSum(Ops.mul(xs, xs), false, 1),
                Ops.reduceSum(Ops.mul(xh, xh), false, 1)), 1e-24));
        diagnostics.put(COSINE, perSampleMean(g, Ops.div(dot, norms)));
        diagnostics.put(DEAD, ShapeOps.reshape(Ops.reduceSum(deadMask(g, idleNext, deadTokens), false, 0), 1));
        return diagnostics;
    }

    /** The batch mean of a per-sample value {@code [N]}, shaped {@code [1]} (diagnostics need a static shape). */
    private static Tensor perSampleMean(Graph g, Tensor perSample) {
        return ShapeOps.reshape(Ops.reduceMean(perSample, false, 0), 1);
    }

    /**
     * The epoch's figures: L0 (mean active latents per sample = the sum of firing frequencies), FVU and explained
     * variance (squared error over the batch variance around the batch mean), MSE per value, cosine similarity of
     * target and estimate, dead latents (the epoch's mean count) and latents that never fired in the epoch.
     */
    public static Map<String, Object> summarize(Map<String, double[]> means) {
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

    /** {@code n} random unit rows of length {@code d}, row-major. */
    public static double[] unitRows(int n, long d, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int w = Math.toIntExact(d);
        double[] v = new double[n * w];
        for (int i = 0; i < n; i++) {
            double norm = 0;
            for (int j = 0; j < w; j++) {
                double u1 = random.nextDouble();
                double u2 = random.nextDouble();
                double u = Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
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
}
