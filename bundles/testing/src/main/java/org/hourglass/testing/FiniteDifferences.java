package org.hourglass.testing;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.DoubleBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.hourglass.api.executor.ModelSession;
import org.hourglass.graph.Autodiff;
import org.hourglass.graph.DType;
import org.hourglass.graph.Graph;
import org.hourglass.graph.InferenceModel;
import org.hourglass.graph.Ops;
import org.hourglass.graph.Shape;
import org.hourglass.graph.Tensor;

/**
 * Finite-difference gradient check of a float64 graph through ONNX Runtime, for plug-ins' own gradient paths: the
 * engine's symbolic gradients of a scalar loss with respect to every differentiated input must match central
 * differences (h = 1e-6 relative) within 1e-6 absolute + 1e-5 relative, the tolerance of the graph module's checks.
 * Build the graph on {@link #graph()} from the inputs made here, then call {@link #checkLoss} or {@link #check}.
 */
public final class FiniteDifferences {

    private final Graph g;
    private final SplittableRandom random;
    private final Map<String, double[]> values = new LinkedHashMap<>();
    private final Map<String, long[]> shapes = new LinkedHashMap<>();
    private final Map<String, Tensor> differentiated = new LinkedHashMap<>();

    public FiniteDifferences(int opset, long seed) {
        this.g = new Graph(DType.DOUBLE, opset);
        this.random = new SplittableRandom(seed);
    }

    public Graph graph() {
        return g;
    }

    /** The seeded source of this check's random values. */
    public SplittableRandom random() {
        return random;
    }

    /** {@code size} values drawn uniformly from [-1, 1). */
    public double[] uniform(int size) {
        double[] v = new double[size];
        for (int i = 0; i < size; i++) {
            v[i] = random.nextDouble() * 2 - 1;
        }
        return v;
    }

    /** A differentiated input with the given values. */
    public Tensor input(String name, double[] v, long... shape) {
        Tensor t = constantInput(name, v, shape);
        differentiated.put(name, t);
        return t;
    }

    /** A differentiated input with values drawn uniformly from [-1, 1). */
    public Tensor randomInput(String name, long... shape) {
        return input(name, uniform(Math.toIntExact(Shape.of(shape).size())), shape);
    }

    /** An input that is fed but not differentiated (a mask, a stopped-gradient target). */
    public Tensor constantInput(String name, double[] v, long... shape) {
        Tensor t = g.input(name, DType.DOUBLE, Shape.of(shape));
        values.put(name, v.clone());
        shapes.put(name, shape.clone());
        return t;
    }

    /** Values of an input, e.g. to derive a test's expectation. */
    public double[] values(String name) {
        return values.get(name);
    }

    /** Runs the graph once at the inputs' values and returns the named tensors. */
    public Map<String, double[]> evaluate(Map<String, Tensor> outputs) {
        InferenceModel.Builder b = InferenceModel.builder(g);
        outputs.forEach(b::output);
        try (Runner runner = new Runner(b.build())) {
            return runner.run(values, shapes);
        }
    }

    /**
     * Checks the gradients of {@code sum(y * R)} for a fixed random R; {@code yShape} is y's run-time shape.
     * Returns the number of entries checked.
     */
    public int check(Tensor y, long... yShape) {
        int size = 1;
        for (long d : yShape) {
            size = Math.multiplyExact(size, Math.toIntExact(d));
        }
        Tensor r = g.input("r", DType.DOUBLE, y.shape());
        values.put("r", uniform(size));
        shapes.put("r", yShape.clone());
        return checkLoss(Ops.sum(Ops.mul(y, r)));
    }

    /** Checks the gradients of the scalar {@code loss}; returns the number of entries checked. */
    public int checkLoss(Tensor loss) {
        Map<Tensor, Tensor> grads = Autodiff.gradients(loss, List.copyOf(differentiated.values()));
        InferenceModel.Builder gb = InferenceModel.builder(g).output("loss", loss);
        differentiated.forEach((name, t) -> gb.output("grad/" + name, grads.get(t)));
        int checked = 0;
        double worst = 0;
        String worstAt = "";
        try (Runner gradients = new Runner(gb.build());
             Runner lossOnly = new Runner(InferenceModel.builder(g).output("loss", loss).build())) {
            Map<String, double[]> analytic = gradients.run(values, shapes);
            for (String name : differentiated.keySet()) {
                double[] v = values.get(name);
                double[] ga = analytic.get("grad/" + name);
                for (int j = 0; j < v.length; j++) {
                    double orig = v[j];
                    double h = 1e-6 * Math.max(1, Math.abs(orig));
                    v[j] = orig + h;
                    double lp = lossOnly.run(values, shapes).get("loss")[0];
                    v[j] = orig - h;
                    double lm = lossOnly.run(values, shapes).get("loss")[0];
                    v[j] = orig;
                    double numeric = (lp - lm) / (2 * h);
                    double ratio = Math.abs(ga[j] - numeric) / (1e-6 + 1e-5 * Math.abs(numeric));
                    if (ratio > worst) {
                        worst = ratio;
                        worstAt = name + "[" + j + "]: symbolic " + ga[j] + ", numeric " + numeric;
                    }
                    checked++;
                }
            }
        }
        if (worst >= 1) {
            throw new AssertionError("gradient mismatch (" + String.format("%.3g", worst) + " x tolerance) at "
                    + worstAt);
        }
        return checked;
    }

    /** One float64 model, run many times on one session (finite differences need many runs). */
    private static final class Runner implements AutoCloseable {

        private final GraphRunner runner = new GraphRunner();
        private final ModelSession session;

        Runner(ai.onnx.proto.OnnxMl.ModelProto model) {
            session = runner.executor().load("finite-differences", model);
        }

        Map<String, double[]> run(Map<String, double[]> values, Map<String, long[]> shapes) {
            Map<String, OnnxTensor> in = new LinkedHashMap<>();
            try {
                for (Map.Entry<String, double[]> e : values.entrySet()) {
                    in.put(e.getKey(), OnnxTensor.createTensor(runner.executor().environment(),
                            DoubleBuffer.wrap(e.getValue()), shapes.get(e.getKey())));
                }
                try (OrtSession.Result result = session.run(in)) {
                    Map<String, double[]> out = new LinkedHashMap<>();
                    for (Map.Entry<String, OnnxValue> e : result) {
                        DoubleBuffer b = ((OnnxTensor) e.getValue()).getDoubleBuffer();
                        double[] v = new double[b.remaining()];
                        b.get(v);
                        out.put(e.getKey(), v);
                    }
                    return out;
                }
            } catch (OrtException e) {
                throw new IllegalStateException(e);
            } finally {
                in.values().forEach(OnnxTensor::close);
            }
        }

        @Override
        public void close() {
            session.close();
            runner.close();
        }
    }
}
