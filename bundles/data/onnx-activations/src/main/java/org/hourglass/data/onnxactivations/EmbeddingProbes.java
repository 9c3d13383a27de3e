package org.hourglass.data.onnxactivations;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.hourglass.api.executor.ModelSession;
import org.hourglass.api.executor.OnnxExecutor;
import org.hourglass.graph.Autodiff;
import org.hourglass.graph.DType;
import org.hourglass.graph.Graph;
import org.hourglass.graph.InferenceModel;
import org.hourglass.graph.OnnxImport;
import org.hourglass.graph.Ops;
import org.hourglass.graph.Shape;
import org.hourglass.graph.ShapeOps;
import org.hourglass.graph.Tensor;
import org.hourglass.spi.DataException;

/**
 * The sentence embedding's sensitivity to a tensor inside the model, by random probes. The layers between the
 * tensor and the model's output are imported into the graph engine ({@link OnnxImport}), the sentence pooling is
 * appended (mean over the document's attended tokens, L2 normalisation: {@code e}), and the engine's autodiff
 * gives, for a direction {@code u} in embedding space, the vector-Jacobian product {@code J_tᵀ u} at every token
 * {@code t} (the gradient of {@code u·e} with respect to the tensor). With {@code u} standard Gaussian,
 * {@code E[(w · J_tᵀ u)²] = ‖J_t w‖²}, so {@code r} probes estimate {@code ‖J_t w‖² ≈ (1/r) Σ_k (w · g_k)²} for
 * any direction {@code w} (Hutchinson's estimator; relative standard deviation {@code sqrt(2/r)} for the square).
 *
 * <p>The probe directions are drawn from a generator seeded by the document's index, so rows are reproducible and
 * cacheable. One run feeds the batch {@code c} times (one copy per probe) and differentiates the sum of
 * {@code u·e} over all copies: each copy's gradient is its own probe's, since documents do not interact.
 */
final class EmbeddingProbes implements AutoCloseable {

    static final String X = "probe/x";
    static final String MASK = "attention_mask";
    static final String U = "probe/u";
    static final String GRADIENT = "gradient";
    static final String EMBEDDING = "embedding";
    /** Seed of the probe directions (mixed with the document index). */
    static final long SEED = 0x6A09E667F3BCC908L;
    /** Tokens (copies x documents x sequence) per run, to bound the memory of a run. */
    private static final long TOKENS_PER_RUN = 8192;

    private final OnnxExecutor executor;
    private final ModelSession session;
    private final int width;
    private final int embeddingWidth;

    /**
     * @param model  the model (its graph input {@value #MASK} and first output are used)
     * @param tensor the tensor whose rows get the probes, of shape [batch, sequence, width]
     */
    EmbeddingProbes(OnnxExecutor executor, String description, ModelProto model, String tensor, int width) {
        this.executor = executor;
        this.width = width;
        Built b = build(model, tensor, width);
        this.embeddingWidth = b.embeddingWidth();
        this.session = executor.load("embedding probes of " + tensor + " in " + description, b.model());
    }

    /** The gradient model and the embedding's width. */
    record Built(ModelProto model, int embeddingWidth) {
    }

    /**
     * The model {@code (x [N, S, width], attention_mask [N, S], u [N, H]) -> gradient [N, S, width]} (the gradient
     * of {@code Σ_n u_n · e_n} with respect to {@code x}) and {@code embedding [N, H]}.
     */
    static Built build(ModelProto model, String tensor, int width) {
        String output = model.getGraph().getOutput(0).getName();
        Graph g = Graph.create(0);
        Tensor x = g.input(X, Shape.of(Shape.DYNAMIC, Shape.DYNAMIC, width));
        Tensor mask = g.input(MASK, DType.INT64, Shape.of(Shape.DYNAMIC, Shape.DYNAMIC));
        Tensor hidden;
        try {
            hidden = OnnxImport.subgraph(g, model, Map.of(tensor, x, MASK, mask), List.of(output)).get(output);
        } catch (IllegalArgumentException e) {
            throw new DataException("gradient=embedding for tensor '" + tensor + "': the layers between it and the "
                    + "output '" + output + "' cannot be differentiated: " + e.getMessage(), e);
        }
        if (hidden.rank() != 3 || hidden.shape().dim(2) == Shape.DYNAMIC) {
            throw new DataException("gradient=embedding: the output '" + output + "' has shape " + hidden.shape()
                    + "; the sentence embedding is pooled from a [batch, sequence, width] output");
        }
        int h = (int) hidden.shape().dim(2);
        Tensor u = g.input(U, Shape.of(Shape.DYNAMIC, h));
        Tensor m = Ops.cast(mask, DType.FLOAT);
        Tensor sum = Ops.reduceSum(Ops.mul(hidden, ShapeOps.unsqueeze(m, 2)), false, 1);
        Tensor mean = Ops.div(sum, Ops.reduceSum(m, true, 1));
        Tensor e = Ops.div(mean, Ops.sqrt(Ops.reduceSum(Ops.mul(mean, mean), true, 1)));
        Tensor loss = Ops.sum(Ops.mul(e, u));
        Tensor grad = Autodiff.gradients(loss, List.of(x)).get(x);
        ModelProto built = InferenceModel.builder(g).name("embedding-probes").output(GRADIENT, grad)
                .output(EMBEDDING, e).build();
        return new Built(built, h);
    }

    int embeddingWidth() {
        return embeddingWidth;
    }

    /**
     * The probe directions of one document: {@code probes} standard Gaussian vectors of the embedding's width,
     * probe-major.
     */
    static float[] directions(int document, int probes, int embeddingWidth) {
        SplittableRandom r = new SplittableRandom(SEED ^ (document * 0x9E3779B97F4A7C15L));
        float[] u = new float[probes * embeddingWidth];
        for (int i = 0; i < u.length; i++) {
            u[i] = (float) r.nextGaussian();
        }
        return u;
    }

    /**
     * The probes' gradients for one padded batch.
     *
     * @param x          the tensor {@code [b, s, width]}
     * @param mask       the attention mask {@code [b, s]}
     * @param directions per document, {@code probes} directions (see {@link #directions})
     * @return {@code [probes][b * s * width]}: probe k's gradient with respect to {@code x}
     */
    float[][] gradients(float[] x, long[] mask, int b, int s, float[][] directions, int probes) {
        float[][] out = new float[probes][];
        int step = (int) Math.max(1, Math.min(probes, TOKENS_PER_RUN / Math.max(1, (long) b * s)));
        for (int first = 0; first < probes; first += step) {
            int c = Math.min(step, probes - first);
            float[] xs = new float[c * x.length];
            long[] ms = new long[c * mask.length];
            float[] us = new float[c * b * embeddingWidth];
            for (int k = 0; k < c; k++) {
                System.arraycopy(x, 0, xs, k * x.length, x.length);
                System.arraycopy(mask, 0, ms, k * mask.length, mask.length);
                for (int i = 0; i < b; i++) {
                    System.arraycopy(directions[i], (first + k) * embeddingWidth, us, (k * b + i) * embeddingWidth,
                            embeddingWidth);
                }
            }
            float[] grads = run(xs, ms, us, c * b, s);
            for (int k = 0; k < c; k++) {
                out[first + k] = java.util.Arrays.copyOfRange(grads, k * x.length, (k + 1) * x.length);
            }
        }
        return out;
    }

    private float[] run(float[] x, long[] mask, float[] u, int n, int s) {
        Map<String, OnnxTensor> in = new LinkedHashMap<>();
        try {
            in.put(X, OnnxTensor.createTensor(executor.environment(), FloatBuffer.wrap(x), new long[] {n, s, width}));
            in.put(MASK, OnnxTensor.createTensor(executor.environment(), LongBuffer.wrap(mask), new long[] {n, s}));
            in.put(U, OnnxTensor.createTensor(executor.environment(), FloatBuffer.wrap(u),
                    new long[] {n, embeddingWidth}));
            try (OrtSession.Result r = session.run(in, java.util.Set.of(GRADIENT))) {
                FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
                float[] v = new float[fb.remaining()];
                fb.get(v);
                return v;
            }
        } catch (OrtException e) {
            throw new DataException("running " + session.name() + " failed: " + e.getMessage(), e);
        } finally {
            in.values().forEach(OnnxTensor::close);
        }
    }

    @Override
    public void close() {
        session.close();
    }
}
