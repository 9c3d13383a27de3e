package org.hourglass.data.onnxactivations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.hourglass.api.executor.ModelSession;
import org.hourglass.api.executor.OnnxExecutor;
import org.hourglass.graph.DType;
import org.hourglass.graph.Graph;
import org.hourglass.graph.InferenceModel;
import org.hourglass.graph.OnnxImport;
import org.hourglass.graph.Shape;
import org.hourglass.graph.Tensor;
import org.hourglass.testing.GraphRunner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * MiniLM's blocks 4 and 5 imported into the graph engine, against ONNX Runtime running the same layers of the real
 * model: forward values, the vector-Jacobian products against finite differences of ONNX Runtime's forward pass,
 * and the probes' estimate of {@code ‖J w‖} against a finite-difference Jacobian-vector product.
 */
class EmbeddingProbesTest {

    private static final String LAYER3 = OnnxActivationsDataSourceTest.LAYER3;
    private static final String OUTPUT = "last_hidden_state";
    private static final int W = 384;

    private static final ModelFiles FILES = ModelFiles.read(MiniLm.jar(), null, (a, p) -> p);
    private static final ModelProto MODEL = TensorTap.parse(FILES.description(), FILES.model());

    static GraphRunner runner;

    @BeforeAll
    static void load() {
        runner = new GraphRunner();
    }

    @AfterAll
    static void close() {
        runner.close();
    }

    /** A padded batch: ids, mask, lengths. */
    private record Batch(int b, int s, long[] ids, long[] mask, int[] lengths) {
        static Batch of(List<String> docs) {
            List<WordPieceTokenizer.Encoding> enc = docs.stream().map(d -> FILES.tokenizer().encode(d, 64)).toList();
            int s = enc.stream().mapToInt(WordPieceTokenizer.Encoding::length).max().orElseThrow();
            long[] ids = new long[enc.size() * s];
            long[] mask = new long[ids.length];
            int[] lengths = new int[enc.size()];
            Arrays.fill(ids, FILES.tokenizer().padId());
            for (int i = 0; i < enc.size(); i++) {
                System.arraycopy(enc.get(i).ids(), 0, ids, i * s, enc.get(i).length());
                Arrays.fill(mask, i * s, i * s + enc.get(i).length(), 1L);
                lengths[i] = enc.get(i).length();
            }
            return new Batch(enc.size(), s, ids, mask, lengths);
        }
    }

    private static final Batch BATCH = Batch.of(List.of("A man is playing a guitar on the stage tonight.",
            "Cats sleep."));

    private static Map<String, float[]> run(ModelSession session, Map<String, Object> feeds, Set<String> outputs,
                                            int b, int s) {
        OnnxExecutor ex = runner.executor();
        Map<String, OnnxTensor> in = new LinkedHashMap<>();
        try {
            for (String name : session.inputs().keySet()) {
                Object v = feeds.get(name);
                if (v instanceof long[] l) {
                    in.put(name, OnnxTensor.createTensor(ex.environment(), LongBuffer.wrap(l), new long[] {b, s}));
                } else if (v instanceof float[] f) {
                    long last = f.length / ((long) b * s);
                    long[] shape = name.equals(EmbeddingProbes.U) ? new long[] {b, f.length / b}
                            : new long[] {b, s, last};
                    in.put(name, OnnxTensor.createTensor(ex.environment(), FloatBuffer.wrap(f), shape));
                } else {
                    throw new IllegalArgumentException("no feed for " + name);
                }
            }
            try (OrtSession.Result r = session.run(in, outputs)) {
                Map<String, float[]> out = new LinkedHashMap<>();
                for (String o : outputs) {
                    FloatBuffer fb = ((OnnxTensor) r.get(o).orElseThrow()).getFloatBuffer();
                    float[] v = new float[fb.remaining()];
                    fb.get(v);
                    out.put(o, v);
                }
                return out;
            }
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        } finally {
            in.values().forEach(OnnxTensor::close);
        }
    }

    /** ONNX Runtime's values of block 3's output and of the model's output for the batch. */
    private static Map<String, float[]> original(Batch b) {
        try (ModelSession s = runner.executor().load("tapped", TensorTap.tap(MODEL, List.of(LAYER3, OUTPUT)))) {
            return run(s, Map.of("input_ids", b.ids, "attention_mask", b.mask, "token_type_ids",
                    new long[b.ids.length]), Set.of(LAYER3, OUTPUT), b.b, b.s);
        }
    }

    /** The sentence embeddings (mean over attended tokens, L2-normalised) in double precision, [b][H]. */
    private static double[][] embed(float[] hidden, Batch b) {
        double[][] e = new double[b.b][W];
        for (int i = 0; i < b.b; i++) {
            for (int t = 0; t < b.lengths[i]; t++) {
                for (int j = 0; j < W; j++) {
                    e[i][j] += hidden[(i * b.s + t) * W + j];
                }
            }
            double n = Math.sqrt(Arrays.stream(e[i]).map(v -> v * v).sum());
            for (int j = 0; j < W; j++) {
                e[i][j] /= n;
            }
        }
        return e;
    }

    @Test
    void importedLayersComputeWhatOnnxRuntimeComputes() {
        Map<String, float[]> ort = original(BATCH);
        Graph g = Graph.create(0);
        Tensor x = g.input("x", Shape.of(Shape.DYNAMIC, Shape.DYNAMIC, W));
        Tensor mask = g.input("attention_mask", DType.INT64, Shape.of(Shape.DYNAMIC, Shape.DYNAMIC));
        Tensor out = OnnxImport.subgraph(g, MODEL, Map.of(LAYER3, x, "attention_mask", mask), List.of(OUTPUT))
                .get(OUTPUT);
        assertEquals(Shape.of(Shape.DYNAMIC, Shape.DYNAMIC, W), out.shape());
        ModelProto imported = InferenceModel.builder(g).output("y", out).build();
        // The import holds only blocks 4 and 5: their MatMul weights, not the 12 of blocks 0-5... nor embeddings.
        long matmuls = imported.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals("MatMul")).count();
        assertEquals(2 * 8, matmuls, "Q, K, V, scores, context, output, FFN in, FFN out per block");
        float[] y;
        try (ModelSession s = runner.executor().load("imported", imported)) {
            y = run(s, Map.of("x", ort.get(LAYER3), "attention_mask", BATCH.mask), Set.of("y"), BATCH.b, BATCH.s)
                    .get("y");
        }
        float[] expected = ort.get(OUTPUT);
        assertEquals(expected.length, y.length);
        double worst = 0;
        for (int i = 0; i < y.length; i++) {
            worst = Math.max(worst, Math.abs(y[i] - expected[i]));
        }
        assertTrue(worst < 1e-4, "largest difference to ONNX Runtime " + worst);
    }

    @Test
    void vectorJacobianProductsMatchFiniteDifferencesOfOnnxRuntime() {
        Map<String, float[]> ort = original(BATCH);
        float[] x = ort.get(LAYER3);
        Random r = new Random(11);
        float[] u = new float[BATCH.b * W];
        for (int i = 0; i < u.length; i++) {
            u[i] = (float) r.nextGaussian();
        }
        float[] grad;
        try (ModelSession s = runner.executor().load("probes",
                EmbeddingProbes.build(MODEL, LAYER3, W).model())) {
            grad = run(s, Map.of(EmbeddingProbes.X, x, EmbeddingProbes.MASK, BATCH.mask, EmbeddingProbes.U, u),
                    Set.of(EmbeddingProbes.GRADIENT), BATCH.b, BATCH.s).get(EmbeddingProbes.GRADIENT);
        }
        try (ModelSession cut = runner.executor().load("spliced", TensorTap.splice(MODEL, LAYER3, OUTPUT))) {
            for (int trial = 0; trial < 3; trial++) {
                // A random direction over the real tokens of both documents, unit norm.
                float[] v = new float[x.length];
                double norm = 0;
                for (int i = 0; i < BATCH.b; i++) {
                    for (int t = 0; t < BATCH.lengths[i]; t++) {
                        for (int j = 0; j < W; j++) {
                            double d = r.nextGaussian();
                            v[(i * BATCH.s + t) * W + j] = (float) d;
                            norm += d * d;
                        }
                    }
                }
                double analytic = 0;
                for (int i = 0; i < v.length; i++) {
                    v[i] /= (float) Math.sqrt(norm);
                    analytic += (double) grad[i] * v[i];
                }
                double eps = 0.05;
                double numeric = (objective(cut, x, v, eps, u) - objective(cut, x, v, -eps, u)) / (2 * eps);
                assertEquals(numeric, analytic, 2e-3 + 0.02 * Math.abs(numeric),
                        "trial " + trial + ": J^T u . v against (f(x + eps v) - f(x - eps v)) / 2 eps");
            }
        }
        // Padding positions do not reach the embedding.
        for (int t = BATCH.lengths[1]; t < BATCH.s; t++) {
            for (int j = 0; j < W; j++) {
                assertEquals(0.0, grad[(BATCH.s + t) * W + j], 1e-6);
            }
        }
    }

    /** {@code Σ_i u_i · e_i} with the tensor at {@code x + eps v}, through ONNX Runtime. */
    private static double objective(ModelSession cut, float[] x, float[] v, double eps, float[] u) {
        float[] moved = x.clone();
        for (int i = 0; i < moved.length; i++) {
            moved[i] += (float) (eps * v[i]);
        }
        Map<String, Object> feeds = new LinkedHashMap<>();
        feeds.put(TensorTap.SPLICE_INPUT, moved);
        feeds.put("attention_mask", BATCH.mask);
        feeds.put("input_ids", BATCH.ids);
        feeds.put("token_type_ids", new long[BATCH.ids.length]);
        double[][] e = embed(run(cut, feeds, Set.of(OUTPUT), BATCH.b, BATCH.s).get(OUTPUT), BATCH);
        double f = 0;
        for (int i = 0; i < BATCH.b; i++) {
            for (int j = 0; j < W; j++) {
                f += u[i * W + j] * e[i][j];
            }
        }
        return f;
    }

    @Test
    void probesEstimateTheEmbeddingChangePerUnitOfADirection() {
        Batch one = Batch.of(List.of("The quick brown fox jumps over the lazy dog."));
        Map<String, float[]> ort = original(one);
        float[] x = ort.get(LAYER3);
        Random r = new Random(3);
        int probes = 1024;
        try (EmbeddingProbes p = new EmbeddingProbes(runner.executor(), "test", MODEL, LAYER3, W);
             ModelSession cut = runner.executor().load("spliced", TensorTap.splice(MODEL, LAYER3, OUTPUT))) {
            // The basis of the embedding space as directions: the sum of squares is |J w|^2 exactly.
            float[] basis = new float[W * W];
            for (int j = 0; j < W; j++) {
                basis[j * W + j] = 1;
            }
            float[][] exact = p.gradients(x, one.mask, 1, one.s, new float[][] {basis}, W);
            float[][] random = p.gradients(x, one.mask, 1, one.s,
                    new float[][] {EmbeddingProbes.directions(0, probes, W)}, probes);
            for (int trial = 0; trial < 3; trial++) {
                int token = 1 + r.nextInt(one.lengths[0] - 2);
                double[] w = r.doubles(W).map(d -> d - 0.5).toArray();
                double wn = Math.sqrt(Arrays.stream(w).map(d -> d * d).sum());
                float[] v = new float[x.length];
                for (int j = 0; j < W; j++) {
                    v[token * W + j] = (float) (w[j] / wn);
                }
                double eps = 0.05;
                double[] plus = embed(spliced(cut, one, x, v, eps), one)[0];
                double[] minus = embed(spliced(cut, one, x, v, -eps), one)[0];
                double jw2 = 0;
                for (int j = 0; j < W; j++) {
                    double d = (plus[j] - minus[j]) / (2 * eps);
                    jw2 += d * d;
                }
                assertTrue(jw2 > 1e-8, "the embedding moves: " + jw2);
                double exactSum = meanSquare(exact, v, token) * W;
                assertEquals(jw2, exactSum, 0.03 * jw2, "basis directions: sum of (w . J^T e_j)^2 = |J w|^2");
                double estimate = meanSquare(random, v, token);
                // (w . g_k)^2 = |J w|^2 chi^2_1: the mean of r has relative standard deviation sqrt(2 / r).
                double sigma = Math.sqrt(2.0 / probes);
                assertEquals(1.0, estimate / jw2, 4 * sigma + 0.03,
                        "trial " + trial + ": estimate " + estimate + " vs " + jw2);
            }
        }
    }

    /** {@code (1/r) Σ_k (v · g_k)^2} restricted to one token's row. */
    private static double meanSquare(float[][] grads, float[] v, int token) {
        double s = 0;
        for (float[] g : grads) {
            double d = 0;
            for (int j = 0; j < W; j++) {
                d += (double) g[token * W + j] * v[token * W + j];
            }
            s += d * d;
        }
        return s / grads.length;
    }

    private static float[] spliced(ModelSession cut, Batch b, float[] x, float[] v, double eps) {
        float[] moved = x.clone();
        for (int i = 0; i < moved.length; i++) {
            moved[i] += (float) (eps * v[i]);
        }
        Map<String, Object> feeds = new LinkedHashMap<>();
        feeds.put(TensorTap.SPLICE_INPUT, moved);
        feeds.put("attention_mask", b.mask);
        feeds.put("input_ids", b.ids);
        feeds.put("token_type_ids", new long[b.ids.length]);
        return run(cut, feeds, Set.of(OUTPUT), b.b, b.s).get(OUTPUT);
    }
}
