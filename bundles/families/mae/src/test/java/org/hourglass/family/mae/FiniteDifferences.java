package org.hourglass.family.mae;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.hourglass.family.mae.Transformer.Params;
import org.hourglass.graph.DType;
import org.hourglass.graph.Graph;
import org.hourglass.graph.InferenceModel;
import org.hourglass.graph.Shape;
import org.hourglass.graph.Tensor;

/**
 * Finite-difference gradient check of a float64 graph through ONNX Runtime: for {@code L = sum(y * R)} with a fixed
 * random R, the engine's symbolic gradients of every differentiated input must match central differences of L
 * (h = 1e-6 relative) within 1e-6 absolute + 1e-5 relative, the tolerance of the graph module's own checks.
 */
final class FiniteDifferences {

    private final Graph g = new Graph(DType.DOUBLE, 11);
    private final Map<String, double[]> values = new LinkedHashMap<>();
    private final Map<String, long[]> shapes = new LinkedHashMap<>();
    private final Map<String, Tensor> differentiated = new LinkedHashMap<>();
    private final SplittableRandom random = new SplittableRandom(5);

    Graph graph() {
        return g;
    }

    /** A differentiated input with the given values. */
    Tensor input(String name, double[] v, long... shape) {
        Tensor t = g.input(name, DType.DOUBLE, Shape.of(shape));
        values.put(name, v.clone());
        shapes.put(name, shape.clone());
        differentiated.put(name, t);
        return t;
    }

    /** An input that is fed but not differentiated (a mask). */
    Tensor constantInput(String name, double[] v, long... shape) {
        Tensor t = g.input(name, DType.DOUBLE, Shape.of(shape));
        values.put(name, v.clone());
        shapes.put(name, shape.clone());
        return t;
    }

    /**
     * Parameters as differentiated inputs: each starts at its initializer's draw plus noise of scale 0.3, so
     * LayerNorm scales and biases are not the trivial ones and every path carries signal.
     */
    Params params() {
        return (name, shape, init) -> {
            double[] v = init.sample(shape.dims(), random);
            for (int i = 0; i < v.length; i++) {
                v[i] += 0.3 * (random.nextDouble() * 2 - 1);
            }
            return input(name, v, shape.dims());
        };
    }

    /** Checks all gradients of {@code sum(y * R)}; {@code yShape} is y's run-time shape. Returns the entries checked. */
    int check(Tensor y, long... yShape) {
        int size = 1;
        for (long d : yShape) {
            size *= (int) d;
        }
        double[] r = new double[size];
        for (int i = 0; i < size; i++) {
            r[i] = random.nextDouble() * 2 - 1;
        }
        Tensor rt = g.input("r", DType.DOUBLE, y.shape());
        values.put("r", r);
        shapes.put("r", yShape);
        Tensor loss = g.sum(g.mul(y, rt));
        List<Tensor> wrt = List.copyOf(differentiated.values());
        Map<Tensor, Tensor> grads = g.gradients(loss, wrt);
        InferenceModel.Builder gb = InferenceModel.builder(g).output("loss", loss);
        for (Map.Entry<String, Tensor> e : differentiated.entrySet()) {
            gb.output("grad/" + e.getKey(), grads.get(e.getValue()));
        }
        int checked = 0;
        try (DoubleRunner gradients = new DoubleRunner(gb.build());
             DoubleRunner lossOnly = new DoubleRunner(InferenceModel.builder(g).output("loss", loss).build())) {
            Map<String, double[]> analytic = gradients.run(values, shapes);
            double worst = 0;
            String worstAt = "";
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
            if (worst >= 1) {
                fail("gradient mismatch (" + String.format("%.3g", worst) + " x tolerance) at " + worstAt);
            }
        }
        return checked;
    }

    /** Values of an input, e.g. to derive a test's expectation. */
    double[] values(String name) {
        return values.get(name);
    }
}
