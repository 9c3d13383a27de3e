package org.hourglass.family.vae.blocks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.hourglass.graph.Graph;
import org.hourglass.graph.Layers.Activation;
import org.hourglass.graph.HostTensor;
import org.hourglass.graph.Init;
import org.hourglass.graph.Noise;
import org.hourglass.graph.Shape;
import org.hourglass.graph.Tensor;
import org.hourglass.graph.Layers;
import org.hourglass.graph.Ops;
import org.hourglass.graph.ShapeOps;
import org.hourglass.spi.FamilyContext;
import org.hourglass.spi.ReconstructionKind;

/**
 * One VAE's parameters in a graph, with the operations families combine: encode to a Gaussian posterior, sample it,
 * decode (any number of times, sharing the parameters), the KL divergence to N(0, I), and the Monte-Carlo
 * log-likelihood of the input. Parameters are created once, in a fixed order and under fixed names
 * ({@code encoder/fc<i>}, {@code encoder/mean}, {@code encoder/log_variance}, {@code decoder/fc<i>},
 * {@code decoder/out}), so the training and the inference graph of a pipeline carry over by name.
 *
 * <p>Losses of the pipeline are means over a sample's entries, so the KL term is divided by the number of entries
 * {@code D}: with {@code bce} (Bernoulli decoder) the training loss is exactly −ELBO / D, with {@code mse} it is
 * −ELBO / D of a Gaussian decoder with variance ½ up to a constant.
 */
public final class VaeModel {

    /** Loss term (and training metric): the weighted KL divergence per input entry. */
    public static final String KL = "kl";
    /** Inference output: per sample, the weighted KL divergence per input entry (the loss term's per-sample value). */
    public static final String KL_OUTPUT = "kl";
    /** Inference output: per sample, the mean over draws of z of log p(x | z) per input entry. */
    public static final String LOG_LIKELIHOOD = "log_likelihood";
    /** Diagnostic: KL (nats, batch mean) of each latent dimension. */
    public static final String KL_PER_DIMENSION = "kl_per_dimension";
    /** Standard-normal random input of the reparameterisation while training. */
    public static final String EPSILON = "vae/epsilon";
    /** Variance of the Gaussian decoder: its negative log-likelihood per entry is the squared error + ½ log π. */
    static final double GAUSSIAN_VARIANCE = 0.5;

    /** A Gaussian posterior per sample: mean and log-variance, {@code [batch, latent]}. */
    public record Posterior(Tensor mean, Tensor logVariance) {
    }

    private record Layer(Tensor weight, Tensor bias) {
        Tensor apply(Graph g, Tensor x) {
            return Ops.gemm(x, weight, bias, 1.0, 1.0, false, false);
        }
    }

    private final Graph g;
    private final VaeSpec spec;
    private final FamilyContext ctx;
    private final int features;
    private final int latent;
    private final Tensor condition;
    private final List<Layer> encoder = new ArrayList<>();
    private final Layer meanHead;
    private final Layer logVarianceHead;
    private final List<Layer> decoder = new ArrayList<>();
    private final Layer out;

    private VaeModel(VaeSpec spec, FamilyContext ctx) {
        this.g = ctx.graph();
        this.spec = spec;
        this.ctx = ctx;
        this.features = ctx.inputSpec().features();
        this.latent = ctx.latentSize();
        this.condition = spec.conditional() ? ctx.condition(spec.conditionSource(), spec.conditionClasses()) : null;
        int c = spec.conditionClasses();
        Init init = spec.activation() == Activation.RELU || spec.activation() == Activation.GELU ? Init.heUniform()
                : Init.xavierUniform(1.0);
        long[] hidden = spec.hiddenSizes();
        long width = features + c;
        for (int i = 0; i < hidden.length; i++) {
            encoder.add(layer("encoder/fc" + (i + 1), width, hidden[i], init));
            width = hidden[i];
        }
        meanHead = layer("encoder/mean", width, latent, Init.xavierUniform(1.0));
        logVarianceHead = layer("encoder/log_variance", width, latent, Init.xavierUniform(1.0));
        width = latent + c;
        for (int i = hidden.length - 1; i >= 0; i--) {
            decoder.add(layer("decoder/fc" + (hidden.length - i), width, hidden[i], init));
            width = hidden[i];
        }
        out = layer("decoder/out", width, features, Init.xavierUniform(1.0));
    }

    /**
     * Creates the parameters in {@code ctx.graph()} (and asks the context for the condition when the spec is
     * conditional). A Bernoulli decoder declares that it outputs logits: the pipeline fails with a loss that
     * does not read logits, naming both.
     */
    public static VaeModel create(VaeSpec spec, FamilyContext ctx, String familyName) {
        if (spec.decoder() == VaeSpec.Decoder.BERNOULLI) {
            ctx.declareReconstruction(ReconstructionKind.LOGITS, "decoder=bernoulli");
        }
        return new VaeModel(spec, ctx);
    }

    private Layer layer(String name, long in, long outWidth, Init init) {
        try (Graph.Scope s = g.scope(name)) {
            return new Layer(g.param("weight", Shape.of(in, outWidth), init), g.param("bias", Shape.of(outWidth),
                    Init.zeros()));
        }
    }

    public VaeSpec spec() {
        return spec;
    }

    public int features() {
        return features;
    }

    /** The condition input, or null for an unconditional VAE. */
    public Tensor condition() {
        return condition;
    }

    /** The posterior of {@code x} ({@code [batch, ...sample]}, flattened here). */
    public Posterior encode(Tensor x) {
        Tensor h = ShapeOps.flatten(x, 1);
        if (condition != null) {
            h = ShapeOps.concat(1, h, condition);
        }
        for (Layer l : encoder) {
            h = Layers.activate(l.apply(g, h), spec.activation());
        }
        return new Posterior(meanHead.apply(g, h), logVarianceHead.apply(g, h));
    }

    /** z = mean + exp(logvar / 2) · eps, the reparameterised sample. */
    public Tensor sample(Posterior p, Tensor eps) {
        return Ops.add(p.mean(), Ops.mul(Ops.exp(Ops.mul(p.logVariance(), 0.5)), eps));
    }

    /** A sample of the posterior with fresh standard-normal noise (the training graph's random input {@link #EPSILON}). */
    public Tensor sample(Posterior p) {
        return sample(p, g.randomInput(EPSILON, Shape.batchOf(latent), Noise.normal(0, 1)));
    }

    /**
     * The decoder's raw output {@code [n, features]} for codes {@code [n, latent]}: logits (Bernoulli) or the mean
     * before the output activation (Gaussian). {@code condition} is the matching {@code [n, classes]} condition,
     * null when unconditional.
     */
    public Tensor decodeRaw(Tensor z, Tensor conditionRows) {
        Tensor d = conditionRows == null ? z : ShapeOps.concat(1, z, conditionRows);
        for (Layer l : decoder) {
            d = Layers.activate(l.apply(g, d), spec.activation());
        }
        return out.apply(g, d);
    }

    /** The reconstruction in the input's shape as the pipeline's loss reads it: logits (Bernoulli) or the mean. */
    public Tensor reconstruction(Tensor z) {
        Tensor raw = decodeRaw(z, condition);
        Tensor r = spec.decoder() == VaeSpec.Decoder.BERNOULLI ? raw : Layers.activate(raw, spec.outputActivation());
        return inputShaped(r);
    }

    /** The expected value of x given the decoder's output in the input's shape: sigmoid of logits, or the mean. */
    public Tensor expectation(Tensor reconstruction) {
        return spec.decoder() == VaeSpec.Decoder.BERNOULLI ? Ops.sigmoid(reconstruction) : reconstruction;
    }

    private Tensor inputShaped(Tensor flat) {
        long[] shape = ctx.inputSpec().batchShape();
        return shape.length == 2 ? flat : ShapeOps.reshape(flat, shape);
    }

    /** Per sample {@code [batch]}: KL(N(mean, var) || N(0, I)) in nats. */
    public Tensor klPerSample(Posterior p) {
        return Ops.reduceSum(klTerms(p), false, 1);
    }

    /** Per latent dimension {@code [latent]}: the batch mean of its KL in nats (the posterior-collapse diagnostic). */
    public Tensor klPerDimension(Posterior p) {
        return Ops.reduceMean(klTerms(p), false, 0);
    }

    private Tensor klTerms(Posterior p) {
        Tensor lv = p.logVariance();
        Tensor m = p.mean();
        return Ops.mul(Ops.sub(Ops.add(Ops.exp(lv), Ops.mul(m, m)), Ops.add(lv, 1.0)), 0.5);
    }

    /**
     * The loss term: {@code w} · batch mean of KL / D, where {@code w} is beta, or while training with a warm-up
     * beta · min(1, step / kl.warmup.steps).
     */
    public Tensor klLossTerm(Posterior p) {
        Tensor term = Ops.mul(Ops.mean(klPerSample(p)), spec.beta() / features);
        if (ctx.training() && spec.warmupSteps() > 0) {
            term = Ops.mul(term, Ops.clip(Ops.mul(g.trainingStep(), 1.0 / spec.warmupSteps()), 0, 1));
        }
        return term;
    }

    /** Per sample {@code [batch]}: beta · KL / D, the inference output {@link #KL_OUTPUT}. */
    public Tensor klOutput(Posterior p) {
        return Ops.mul(klPerSample(p), spec.beta() / features);
    }

    /**
     * Per sample {@code [batch]}: the mean over {@code spec.likelihoodSamples()} draws of z from the posterior of
     * log p(x | z) / D. The draws use fixed standard-normal vectors stored in the model (seeded from the graph's
     * seed, in antithetic pairs ε, −ε to cancel the odd moments), so the output is deterministic and needs no random
     * input at inference.
     */
    public Tensor logLikelihood(Tensor x, Posterior p) {
        int draws = spec.likelihoodSamples();
        Tensor eps = g.constant("vae/likelihood_draws", draws(draws, latent, g.seed(), g.floatType()));
        // [batch, 1, latent] against [1, draws, latent] → [batch, draws, latent] → [batch * draws, latent]
        Tensor mean = ShapeOps.unsqueeze(p.mean(), 1);
        Tensor std = ShapeOps.unsqueeze(Ops.exp(Ops.mul(p.logVariance(), 0.5)), 1);
        Tensor z = ShapeOps.reshape(Ops.add(mean, Ops.mul(std, eps)), -1, latent);
        Tensor rows = null;
        if (condition != null) {
            Tensor zeros = g.constant("vae/likelihood_zeros",
                    HostTensor.of(g.floatType(), new double[draws], 1, draws, 1));
            rows = ShapeOps.reshape(Ops.add(ShapeOps.unsqueeze(condition, 1), zeros), -1, spec.conditionClasses());
        }
        Tensor raw = ShapeOps.reshape(decodeRaw(z, rows), -1, draws, features);
        Tensor target = ShapeOps.unsqueeze(ShapeOps.flatten(x, 1), 1);
        Tensor perEntry;
        if (spec.decoder() == VaeSpec.Decoder.BERNOULLI) {
            // log p = x·l − softplus(l) = −(max(l, 0) − l·x + log(1 + exp(−|l|)))
            perEntry = Ops.neg(Ops.add(Ops.sub(Ops.relu(raw), Ops.mul(raw, target)), Ops.softplus(Ops.neg(Ops.abs(raw)))));
        } else {
            Tensor d = Ops.sub(Layers.activate(raw, spec.outputActivation()), target);
            perEntry = Ops.sub(Ops.mul(Ops.mul(d, d), -1.0 / (2 * GAUSSIAN_VARIANCE)),
                    0.5 * Math.log(2 * Math.PI * GAUSSIAN_VARIANCE));
        }
        return Ops.reduceMean(Ops.reduceMean(perEntry, false, 2), false, 1);
    }

    /** {@code draws} standard-normal vectors {@code [1, draws, latent]}, in antithetic pairs. */
    static HostTensor draws(int draws, int latent, long seed, org.hourglass.graph.DType type) {
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 0x1CE);
        double[] v = new double[draws * latent];
        for (int i = 0; i < draws; i++) {
            for (int j = 0; j < latent; j++) {
                v[i * latent + j] = i % 2 == 1 ? -v[(i - 1) * latent + j] : gaussian(r);
            }
        }
        return HostTensor.of(type, v, 1, draws, latent);
    }

    /** A standard-normal draw (Box-Muller). */
    private static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    /**
     * The posterior-collapse summary of one epoch: {@code kl_per_dimension} (nats), {@code kl_total} and
     * {@code active_dimensions}, the number of dimensions whose KL exceeds {@code threshold}.
     */
    public static Map<String, Object> summarize(Map<String, double[]> epochMeans, double threshold) {
        Map<String, Object> out = new LinkedHashMap<>();
        double[] kl = epochMeans.get(KL_PER_DIMENSION);
        if (kl == null) {
            return out;
        }
        int active = 0;
        double total = 0;
        List<Double> list = new ArrayList<>();
        for (double v : kl) {
            list.add(v);
            total += v;
            if (v > threshold) {
                active++;
            }
        }
        out.put(KL_PER_DIMENSION, list);
        out.put("kl_total", total);
        out.put("active_dimensions", active);
        out.put("latent_dimensions", kl.length);
        return out;
    }
}
