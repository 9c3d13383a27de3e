package org.hourglass.family.dense;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.hourglass.api.executor.ModelSession;
import org.hourglass.api.executor.OnnxExecutor;
import org.hourglass.graph.Autodiff;
import org.hourglass.graph.DType;
import org.hourglass.graph.Graph;
import org.hourglass.graph.HostTensor;
import org.hourglass.graph.InferenceModel;
import org.hourglass.graph.Layers.Activation;
import org.hourglass.graph.Layers;
import org.hourglass.graph.Ops;
import org.hourglass.graph.Optimizer;
import org.hourglass.graph.Shape;
import org.hourglass.graph.Tensor;
import org.hourglass.graph.TrainStep;
import org.hourglass.spi.FamilyOutputs;
import org.hourglass.spi.InputSpec;
import org.hourglass.testing.Configs;
import org.hourglass.testing.FamilyTraining;
import org.hourglass.testing.GraphRunner;
import org.hourglass.testing.TestContext;
import org.hourglass.training.Trainer;
import org.hourglass.training.TrainingConfig;
import org.hourglass.training.TrainingData;
import org.junit.jupiter.api.Test;

/**
 * The contractive penalty against a plain-Java float64 reference that builds each sample's encoder Jacobian
 * explicitly (J = Wzᵀ D_L W_Lᵀ ... D_1 W_1ᵀ), independent of the closed form and the forward-mode products the
 * family uses; its gradients against central differences of that reference.
 */
class ContractiveTest {

    private static final int F = 5;
    private static final int LATENT = 2;
    private static final int N = 3;
    private static final String DIRECTIONS = "contractive/directions";

    private static DenseSettings settings(long[] hidden, Activation act, double weight, int projections) {
        return new DenseSettings(hidden, act, Activation.SIGMOID, 0, DenseSettings.NoiseKind.NONE, 0.1, false, weight,
                projections);
    }

    private static double[] inputs(int n, int f, long seed) {
        Random r = new Random(seed);
        double[] x = new double[n * f];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextDouble();
        }
        return x;
    }

    private static double[] normals(int count, long seed) {
        Random r = new Random(seed);
        double[] u = new double[count];
        for (int i = 0; i < count; i++) {
            u[i] = r.nextGaussian();
        }
        return u;
    }

    // ------------------------------------------------------------------------------------- Java reference

    /** erf by its Taylor series (the arguments here are small, so 60 terms are exact to double precision). */
    private static double erf(double x) {
        double term = x;
        double sum = x;
        for (int n = 1; n < 60; n++) {
            term *= -x * x / n;
            sum += term / (2 * n + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }

    private static double act(Activation a, double v) {
        switch (a) {
            case RELU: return Math.max(v, 0);
            case TANH: return Math.tanh(v);
            case SIGMOID: return 1 / (1 + Math.exp(-v));
            case GELU: return 0.5 * v * (1 + erf(v / Math.sqrt(2)));
            default: return v;
        }
    }

    private static double slope(Activation a, double v) {
        switch (a) {
            case RELU: return v > 0 ? 1 : 0;
            case TANH: return 1 - Math.tanh(v) * Math.tanh(v);
            case SIGMOID: return act(a, v) * (1 - act(a, v));
            case GELU: return 0.5 * (1 + erf(v / Math.sqrt(2))) + v * Math.exp(-v * v / 2) / Math.sqrt(2 * Math.PI);
            default: return 1;
        }
    }

    /** The encoder Jacobian of one sample, [latent][f], from weights by parameter name. */
    private static double[][] jacobian(Map<String, double[]> w, long[] hidden, Activation a, double[] x, int s) {
        double[] h = java.util.Arrays.copyOfRange(x, s * F, (s + 1) * F);
        double[][] t = new double[F][F]; // d h / d x, [width][f]
        for (int i = 0; i < F; i++) {
            t[i][i] = 1;
        }
        int in = F;
        for (int l = 0; l < hidden.length; l++) {
            int out = (int) hidden[l];
            double[] wl = w.get("encoder/fc" + (l + 1) + "/weight");
            double[] bl = w.get("encoder/fc" + (l + 1) + "/bias");
            double[] next = new double[out];
            double[][] tn = new double[out][F];
            for (int j = 0; j < out; j++) {
                double pre = bl[j];
                for (int i = 0; i < in; i++) {
                    pre += h[i] * wl[i * out + j];
                }
                next[j] = act(a, pre);
                double d = slope(a, pre);
                for (int c = 0; c < F; c++) {
                    double acc = 0;
                    for (int i = 0; i < in; i++) {
                        acc += wl[i * out + j] * t[i][c];
                    }
                    tn[j][c] = d * acc;
                }
            }
            h = next;
            t = tn;
            in = out;
        }
        double[] wz = w.get("encoder/latent/weight");
        double[][] j = new double[LATENT][F];
        for (int l = 0; l < LATENT; l++) {
            for (int c = 0; c < F; c++) {
                for (int i = 0; i < in; i++) {
                    j[l][c] += wz[i * LATENT + l] * t[i][c];
                }
            }
        }
        return j;
    }

    /** Batch mean of ||J||²_F, or with directions u [N, P, F] the mean over samples of Σ_p ||J u_p||² / P. */
    private static double penalty(Map<String, double[]> w, long[] hidden, Activation a, double[] x, double[] u, int p) {
        double total = 0;
        for (int s = 0; s < N; s++) {
            double[][] j = jacobian(w, hidden, a, x, s);
            if (u == null) {
                for (double[] row : j) {
                    for (double v : row) {
                        total += v * v;
                    }
                }
            } else {
                for (int q = 0; q < p; q++) {
                    for (double[] row : j) {
                        double ju = 0;
                        for (int c = 0; c < F; c++) {
                            ju += row[c] * u[(s * p + q) * F + c];
                        }
                        total += ju * ju / p;
                    }
                }
            }
        }
        return total / N;
    }

    // ------------------------------------------------------------------------------------------ helpers

    private static Map<String, double[]> weights(Graph g) {
        Map<String, double[]> w = new HashMap<>();
        g.initialValues().forEach((name, v) -> w.put(name, v.toDoubles()));
        return w;
    }

    /** Runs a model on double or float inputs and returns every output as doubles. */
    private static Map<String, double[]> run(OnnxExecutor ex, OnnxMl.ModelProto model, DType type,
                                             Map<String, double[]> values, Map<String, long[]> shapes) {
        Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
        try (ModelSession session = ex.load("contractive-test", model)) {
            java.util.Set<String> declared = new java.util.HashSet<>();
            model.getGraph().getInputList().forEach(i -> declared.add(i.getName()));
            for (Map.Entry<String, double[]> e : values.entrySet()) {
                if (!declared.contains(e.getKey())) {
                    continue; // e.g. x for an encoder without hidden layers, whose Jacobian is constant
                }
                double[] v = e.getValue();
                if (type == DType.DOUBLE) {
                    tensors.put(e.getKey(), OnnxTensor.createTensor(ex.environment(), DoubleBuffer.wrap(v),
                            shapes.get(e.getKey())));
                } else {
                    float[] f = new float[v.length];
                    for (int i = 0; i < v.length; i++) {
                        f[i] = (float) v[i];
                    }
                    tensors.put(e.getKey(), OnnxTensor.createTensor(ex.environment(), FloatBuffer.wrap(f),
                            shapes.get(e.getKey())));
                }
            }
            try (OrtSession.Result result = session.run(tensors)) {
                Map<String, double[]> out = new LinkedHashMap<>();
                for (Map.Entry<String, OnnxValue> e : result) {
                    OnnxTensor t = (OnnxTensor) e.getValue();
                    double[] v;
                    if (type == DType.DOUBLE) {
                        DoubleBuffer b = t.getDoubleBuffer();
                        v = new double[b.remaining()];
                        b.get(v);
                    } else {
                        FloatBuffer b = t.getFloatBuffer();
                        v = new double[b.remaining()];
                        for (int i = 0; i < v.length; i++) {
                            v[i] = b.get(i);
                        }
                    }
                    out.put(e.getKey(), v);
                }
                return out;
            }
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        } finally {
            tensors.values().forEach(OnnxTensor::close);
        }
    }

    private static TestContext context(DType type, long seed) {
        Graph g = new Graph(type, seed);
        InputSpec spec = InputSpec.of(F);
        return new TestContext(g, g.input("x", Shape.of(spec.batchShape())), spec, LATENT, true);
    }

    // ------------------------------------------------------------------------------------------------ tests

    @Test
    void penaltyEqualsTheJacobianNormForEveryActivationAndDepth() {
        double weight = 2.5;
        double[] x = inputs(N, F, 4);
        try (GraphRunner runner = new GraphRunner()) {
            for (long[] hidden : List.of(new long[0], new long[] {4}, new long[] {4, 3})) {
                for (Activation a : List.of(Activation.RELU, Activation.TANH, Activation.SIGMOID, Activation.GELU)) {
                    int p = 3;
                    TestContext ctx = context(DType.FLOAT, 13);
                    FamilyOutputs out = DenseNetwork.build(settings(hidden, a, weight, p), ctx);
                    Tensor term = out.lossTerms().get(DenseNetwork.CONTRACTIVE);
                    Map<String, double[]> feed = new HashMap<>(Map.of("x", x));
                    Map<String, long[]> shapes = new HashMap<>(Map.of("x", new long[] {N, F}));
                    double[] u = null;
                    if (hidden.length > 1) {
                        u = normals(N * p * F, 5);
                        feed.put(DIRECTIONS, u);
                        shapes.put(DIRECTIONS, new long[] {N, p, F});
                    }
                    double got = run(runner.executor(), InferenceModel.builder(ctx.graph()).output("c", term).build(),
                            DType.FLOAT, feed, shapes).get("c")[0];
                    double expected = weight * penalty(weights(ctx.graph()), hidden, a, x, u, p);
                    String what = hidden.length + " hidden layers, " + a;
                    assertTrue(expected > 1e-3, what + ": a trivial case " + expected);
                    assertEquals(expected, got, 1e-4 * expected, what);
                }
            }
        }
    }

    @Test
    void projectionsEstimateTheExactNormWithoutBias() {
        // E ||J u||² = ||J||²_F for u ~ N(0, I): the mean over many directions approaches the exact value
        long[] hidden = {4, 3};
        double[] x = inputs(N, F, 4);
        TestContext ctx = context(DType.FLOAT, 13);
        DenseNetwork.build(settings(hidden, Activation.TANH, 1, 1), ctx);
        Map<String, double[]> w = weights(ctx.graph());
        int p = 20000;
        double estimate = penalty(w, hidden, Activation.TANH, x, normals(N * p * F, 8), p);
        double exact = penalty(w, hidden, Activation.TANH, x, null, 1);
        assertEquals(exact, estimate, 0.03 * exact);
    }

    @Test
    void gradientsMatchCentralDifferencesOfTheReference() {
        double[] x = inputs(N, F, 6);
        try (GraphRunner runner = new GraphRunner()) {
            for (long[] hidden : List.of(new long[] {4}, new long[] {4, 3})) {
                for (Activation a : List.of(Activation.TANH, Activation.SIGMOID)) {
                    int p = 2;
                    TestContext ctx = context(DType.DOUBLE, 17);
                    Graph g = ctx.graph();
                    Tensor term = DenseNetwork.build(settings(hidden, a, 1.0, p), ctx).lossTerms()
                            .get(DenseNetwork.CONTRACTIVE);
                    List<Tensor> params = new ArrayList<>();
                    for (Tensor t : g.params()) {
                        if (t.name().startsWith("encoder/")) {
                            params.add(t);
                        }
                    }
                    Map<Tensor, Tensor> grads = Autodiff.gradients(term, params);
                    InferenceModel.Builder b = InferenceModel.builder(g);
                    for (int i = 0; i < params.size(); i++) {
                        b.output("g" + i, grads.get(params.get(i)));
                    }
                    Map<String, double[]> feed = new HashMap<>(Map.of("x", x));
                    Map<String, long[]> shapes = new HashMap<>(Map.of("x", new long[] {N, F}));
                    double[] u = null;
                    if (hidden.length > 1) {
                        u = normals(N * p * F, 5);
                        feed.put(DIRECTIONS, u);
                        shapes.put(DIRECTIONS, new long[] {N, p, F});
                    }
                    Map<String, double[]> symbolic = run(runner.executor(), b.build(), DType.DOUBLE, feed, shapes);
                    Map<String, double[]> w = weights(g);
                    int checked = 0;
                    for (int i = 0; i < params.size(); i++) {
                        String name = params.get(i).name();
                        double[] values = w.get(name);
                        double[] got = symbolic.get("g" + i);
                        for (int k = 0; k < values.length; k++) {
                            double keep = values[k];
                            double h = 1e-6 * Math.max(1, Math.abs(keep));
                            values[k] = keep + h;
                            double up = penalty(w, hidden, a, x, u, p);
                            values[k] = keep - h;
                            double down = penalty(w, hidden, a, x, u, p);
                            values[k] = keep;
                            double fd = (up - down) / (2 * h);
                            assertEquals(fd, got[k], 1e-6 + 1e-5 * Math.abs(fd),
                                    hidden.length + " hidden, " + a + ": d/d " + name + "[" + k + "]");
                            checked++;
                        }
                    }
                    assertTrue(checked > 20, "checked " + checked);
                    // the latent bias does not move the Jacobian; every weight matrix does
                    assertTrue(java.util.Arrays.stream(symbolic.get("g" + (params.size() - 1))).allMatch(v -> v == 0));
                    assertTrue(java.util.Arrays.stream(symbolic.get("g0")).anyMatch(v -> Math.abs(v) > 1e-6));
                }
            }
        }
    }

    @Test
    void penaltyOnlyWhenTrainingAndAsked() {
        TestContext infer = TestContext.of(InputSpec.of(F), LATENT, false, 1);
        assertTrue(DenseNetwork.build(settings(new long[] {4}, Activation.RELU, 1, 1), infer).lossTerms().isEmpty());
        TestContext off = TestContext.of(InputSpec.of(F), LATENT, true, 1);
        assertTrue(DenseNetwork.build(settings(new long[] {4}, Activation.RELU, 0, 1), off).lossTerms().isEmpty());
        TestContext deep = TestContext.of(InputSpec.of(F), LATENT, true, 1);
        DenseNetwork.build(settings(new long[] {4, 3}, Activation.RELU, 1, 2), deep);
        assertEquals(List.of(DIRECTIONS), deep.graph().randomInputs().keySet().stream().map(Tensor::name).toList());
        TestContext exact = TestContext.of(InputSpec.of(F), LATENT, true, 1);
        DenseNetwork.build(settings(new long[] {4}, Activation.RELU, 1, 2), exact);
        assertTrue(exact.graph().randomInputs().isEmpty(), "one hidden layer: exact, no random directions");

        DenseSettings fromConfig = DenseSettings.of(Configs.of(DenseFamily.Config.class, Map.of("hourglass_name", "d",
                "contractive_weight", 0.01)));
        assertEquals(0.01, fromConfig.contractiveWeight());
        assertEquals(4, fromConfig.contractiveProjections());
        assertEquals(0.0, DenseSettings.defaults().contractiveWeight());
        IllegalArgumentException w = assertThrows(IllegalArgumentException.class,
                () -> settings(new long[] {4}, Activation.RELU, -1, 1));
        assertTrue(w.getMessage().contains("contractive.weight"), w.getMessage());
        IllegalArgumentException p = assertThrows(IllegalArgumentException.class,
                () -> settings(new long[] {4}, Activation.RELU, 1, 0));
        assertTrue(p.getMessage().contains("contractive.projections"), p.getMessage());
    }

    @Test
    void trainingWithThePenaltyContractsTheEncoder() {
        // same data, seed and steps; only the penalty differs
        int n = 64;
        float[] x = new float[n * F];
        double[] xd = inputs(n, F, 12);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) xd[i];
        }
        double[] norms = new double[2];
        double[] reconstruction = new double[2];
        long[] hidden = {8};
        for (int run = 0; run < 2; run++) {
            TestContext ctx = context(DType.FLOAT, 21);
            FamilyOutputs out = DenseNetwork.build(settings(hidden, Activation.TANH, run == 0 ? 0 : 0.05, 1), ctx);
            Graph g = ctx.graph();
            Tensor mse = FamilyTraining.mse(out.reconstruction(), ctx.input());
            Tensor loss = mse;
            for (Tensor t : out.lossTerms().values()) {
                loss = Ops.add(loss, t);
            }
            assertEquals(run == 1, !out.lossTerms().isEmpty());
            try (GraphRunner runner = new GraphRunner();
                 Trainer trainer = new Trainer(runner.executor(), TrainStep.builder(g).loss(loss)
                         .metric("mse", mse).optimizer(Optimizer.adam()).build(), "contractive-train")) {
                double[] lastMse = new double[1];
                trainer.fit(TrainingData.of("x", x, n), TrainingConfig.of(30, 16, 0.01, 3),
                        progress -> lastMse[0] = progress.metrics().get("mse"));
                Map<String, double[]> w = new HashMap<>();
                for (Map.Entry<String, HostTensor> e : trainer.params().entrySet()) {
                    w.put(e.getKey(), e.getValue().toDoubles());
                }
                double sum = 0;
                for (int s = 0; s < n; s += N) {
                    if (s + N <= n) {
                        sum += penalty(w, hidden, Activation.TANH, java.util.Arrays.copyOfRange(xd, s * F, (s + N) * F),
                                null, 1);
                    }
                }
                norms[run] = sum;
                reconstruction[run] = lastMse[0];
            }
        }
        assertTrue(norms[1] < 0.5 * norms[0], "penalised ||J||² " + norms[1] + " vs plain " + norms[0]);
        assertFalse(Double.isNaN(reconstruction[1]));
    }
}
