package org.hourglass.family.vq;

import java.util.LinkedHashMap;
import java.util.Map;
import org.hourglass.graph.DType;
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

/**
 * Builds the vector-quantised autoencoder: a dense encoder to {@code z [N, D]}, cut into {@code M = D / c} vectors
 * of length {@code c} (code.dim); each vector is replaced by the nearest of the {@code K} rows of
 * {@code quantizer/codebook [K, c]}; a dense decoder reconstructs from the quantised code (the latent output).
 * Plain code, testable without a framework.
 *
 * <p>Nearest code: squared distances {@code |z|² - 2 z Eᵀ + |E|²} by one matrix product on gradient-stopped copies,
 * the index of the smallest by TopK of the negated distances, then a one-hot matrix times the codebook (so the
 * codebook's gradient is a plain MatMul gradient). Training: straight-through ({@code z + sg(q - z)}); terms
 * {@code codebook = mean((q - sg(z))²)} (without EMA) and {@code commitment = β mean((z - sg(q))²)}.
 *
 * <p>With EMA the codebook is a buffer: after each step {@code n ← γn + (1-γ)·count}, {@code E ← (γ n E + (1-γ)
 * Σ assigned z) / n'}, the usual VQ-VAE moving averages kept as count and mean. With dead-code restarts, the buffer
 * {@code quantizer/idle} counts the steps since each code was last assigned; a code idle for
 * {@code dead.code.steps} steps is set to an encoder output of the batch picked at random (a seeded random input),
 * its idle count to 0 and, with EMA, its count to 1.
 */
final class VqNetwork {

    static final String CODEBOOK = "codebook";
    static final String COMMITMENT = "commitment";
    /** Diagnostic: the fraction of the batch's code vectors assigned to each code, {@code [K]}. */
    static final String USAGE = "usage";
    static final String CODEBOOK_PARAM = "quantizer/codebook";
    static final String EMA_COUNT = "quantizer/ema_count";
    static final String IDLE = "quantizer/idle";
    static final String RESTART_INPUT = "vq/restart";

    /** Below this EMA count a code keeps its vector instead of dividing by (almost) zero. */
    private static final double MIN_COUNT = 1e-6;

    private VqNetwork() {
    }

    /** What the quantiser produced for a matrix of code vectors {@code [R, c]}. */
    record Assignment(Tensor onehot, Tensor quantized) {
    }

    static FamilyOutputs build(VqSettings s, FamilyContext ctx) {
        Graph g = ctx.graph();
        long features = ctx.inputSpec().features();
        int latentSize = ctx.latentSize();
        s.codesPerSample(latentSize);
        int k = s.codebookSize();
        int c = s.codeDim();
        long[] hidden = s.hiddenSizes();

        long[] encoderWidths = java.util.Arrays.copyOf(hidden, hidden.length + 1);
        encoderWidths[hidden.length] = latentSize;
        Tensor z = Layers.mlp("encoder", ShapeOps.flatten(ctx.input(), 1), encoderWidths, s.activation(), Activation.NONE);

        Init init = Init.uniform(-s.codebookRange(), s.codebookRange());
        Tensor codebook = s.ema() ? g.buffer(CODEBOOK_PARAM, Shape.of(k, c), init)
                : g.param(CODEBOOK_PARAM, Shape.of(k, c), init);
        // Inference models must carry every buffer the train step has, so both graphs create them.
        Tensor count = s.ema() ? g.buffer(EMA_COUNT, Shape.of(k), Init.ones()) : null;
        Tensor idle = s.deadCodeSteps() > 0 ? g.buffer(IDLE, Shape.of(k), Init.zeros()) : null;

        Tensor rows = ShapeOps.reshape(z, -1, c);
        Assignment a = quantize(g, rows, codebook);
        // Training: straight-through. Inference: the codebook vectors themselves.
        Tensor codeRows = ctx.training() ? Ops.straightThrough(rows, a.quantized()) : a.quantized();
        Tensor latent = ShapeOps.reshape(codeRows, -1, latentSize);

        long[] decoderWidths = new long[hidden.length + 1];
        for (int i = 0; i < hidden.length; i++) {
            decoderWidths[i] = hidden[hidden.length - 1 - i];
        }
        decoderWidths[hidden.length] = features;
        Tensor out = Layers.mlp("decoder", latent, decoderWidths, s.activation(), s.outputActivation());
        long[] shape = ctx.inputSpec().batchShape();
        Tensor reconstruction = shape.length == 2 ? out : ShapeOps.reshape(out, shape);
        if (!ctx.training()) {
            return FamilyOutputs.of(latent, reconstruction);
        }

        Map<String, Tensor> terms = new LinkedHashMap<>();
        if (!s.ema()) {
            terms.put(CODEBOOK, Ops.mean(Ops.pow(Ops.sub(a.quantized(), Ops.stopGradient(rows)), 2)));
        }
        if (s.beta() > 0) {
            terms.put(COMMITMENT, Ops.mul(Ops.mean(Ops.pow(Ops.sub(rows, Ops.stopGradient(a.quantized())), 2)), s.beta()));
        }
        try (Graph.Scope scope = g.scope("quantizer_state")) {
            updateState(g, s, rows, a.onehot(), codebook, count, idle);
        }
        return new FamilyOutputs(latent, reconstruction, terms, Map.of(),
                Map.of(USAGE, Ops.reduceMean(a.onehot(), false, 0)));
    }

    /** Nearest codebook row for every row of {@code rows [R, c]}: one-hot {@code [R, K]} and the rows' codes. */
    static Assignment quantize(Graph g, Tensor rows, Tensor codebook) {
        try (Graph.Scope scope = g.scope("quantizer")) {
            Tensor r = Ops.stopGradient(rows);
            Tensor e = Ops.stopGradient(codebook);
            // |r|² - 2 r Eᵀ + |E|²: [R, K] from one matrix product
            Tensor cross = Ops.gemm(r, e, null, -2.0, 0.0, false, true);
            Tensor d = Ops.add(Ops.add(cross, Ops.reduceSum(Ops.mul(r, r), true, 1)), Ops.reduceSum(Ops.mul(e, e), false, 1));
            Tensor index = ShapeOps.topK(Ops.neg(d), 1, 1).indices();
            long[] ids = new long[Math.toIntExact(codebook.shape().dim(0))];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = i;
            }
            Tensor onehot = Ops.cast(Ops.equal(index, g.longs(ids)), g.floatType());
            return new Assignment(onehot, Ops.matmul(onehot, codebook));
        }
    }

    /** EMA codebook and dead-code restarts: the buffers' values after the step, and the codebook's projection. */
    private static void updateState(Graph g, VqSettings s, Tensor rows, Tensor onehot, Tensor codebook, Tensor count,
                                    Tensor idle) {
        Tensor assigned = Ops.reduceSum(onehot, false, 0);
        Tensor codebookNext = codebook;
        Tensor countNext = count;
        if (s.ema()) {
            double gamma = s.emaDecay();
            Tensor sums = Ops.gemm(onehot, Ops.stopGradient(rows), null, 1.0, 0.0, true, false);
            countNext = Ops.add(Ops.mul(count, gamma), Ops.mul(assigned, 1 - gamma));
            Tensor mass = Ops.add(Ops.mul(Ops.mul(codebook, ShapeOps.unsqueeze(count, 1)), gamma), Ops.mul(sums, 1 - gamma));
            Tensor enough = Ops.greater(countNext, MIN_COUNT);
            Tensor safe = Ops.where(enough, countNext, g.scalar(1.0));
            codebookNext = Ops.where(ShapeOps.unsqueeze(enough, 1), Ops.div(mass, ShapeOps.unsqueeze(safe, 1)), codebook);
        }
        if (idle != null) {
            Tensor unused = Ops.cast(Ops.equal(assigned, g.scalar(0.0)), g.floatType());
            Tensor idleNext = Ops.mul(Ops.add(idle, 1.0), unused);
            Tensor dead = Ops.greaterOrEqual(idleNext, g.scalar(s.deadCodeSteps()));
            Tensor deadRows = ShapeOps.unsqueeze(dead, 1);
            // A random row of the batch's encoder outputs for every code: floor(u (R - 1/2)) is in [0, R - 1].
            // (Random inputs are drawn per sample; the first sample's row of K draws is enough.)
            Tensor draws = g.randomInput(RESTART_INPUT, Shape.batchOf(s.codebookSize()), Noise.uniform(0, 1));
            Tensor u = ShapeOps.reshape(ShapeOps.slice(draws, new long[] {0}, new long[] {0}, new long[] {1}), s.codebookSize());
            Tensor total = Ops.reduceSum(assigned, false, 0);
            Tensor pick = Ops.cast(Ops.mul(u, Ops.sub(total, 0.5)), DType.INT64);
            Tensor restart = ShapeOps.gather(Ops.stopGradient(rows), pick, 0);
            g.assign(idle, Ops.where(dead, g.scalar(0.0), idleNext));
            if (s.ema()) {
                codebookNext = Ops.where(deadRows, restart, codebookNext);
                countNext = Ops.where(dead, g.scalar(1.0), countNext);
            } else {
                g.constrain(codebook, updated -> Ops.where(deadRows, restart, updated));
            }
        }
        if (s.ema()) {
            g.assign(codebook, codebookNext);
            g.assign(count, countNext);
        }
    }

    /**
     * The epoch's figures from the mean usage of each code: perplexity {@code exp(-Σ p log p)} of the usage
     * distribution (K when all codes are used equally, 1 when one code takes everything), codes used and dead
     * (never assigned in the epoch).
     */
    static Map<String, Object> summarize(Map<String, double[]> epochMeans) {
        double[] usage = epochMeans.get(USAGE);
        Map<String, Object> out = new LinkedHashMap<>();
        if (usage == null) {
            return out;
        }
        double total = 0;
        for (double p : usage) {
            total += p;
        }
        double entropy = 0;
        int used = 0;
        for (double p : usage) {
            if (p > 0) {
                used++;
                double q = p / total;
                entropy -= q * Math.log(q);
            }
        }
        out.put("perplexity", total > 0 ? Math.exp(entropy) : 0.0);
        out.put("codes_used", used);
        out.put("dead_codes", usage.length - used);
        return out;
    }
}
