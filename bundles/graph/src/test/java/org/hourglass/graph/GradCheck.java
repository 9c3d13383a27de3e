package org.hourglass.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import ai.onnxruntime.OnnxTensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.hourglass.api.executor.ModelSession;

/**
 * The one finite-difference gradient check. For a case {@code y = f(x1..xk)} it builds the scalar
 * {@code L = sum(y * R)} with a fixed random {@code R} (a random vector-Jacobian product, so every entry of the
 * Jacobian counts), takes the symbolic gradients dL/dxi from the graph engine and runs them through ONNX
 * Runtime, and compares them with central differences of L.
 *
 * <ul>
 *   <li>Without a Java reference the whole case is built in float64 and the differences are taken through ONNX
 *       Runtime too (h = 1e-6 relative; rounding error about 1e-16 * |L| / h ~ 1e-9, truncation h^2 ~ 1e-12), so a
 *       tolerance of 1e-6 absolute + 1e-5 relative is loose by orders of magnitude yet catches any wrong rule.</li>
 *   <li>For ops without float64 kernels in ONNX Runtime (Conv, ConvTranspose, AveragePool, Resize, Erf/GELU,
 *       Softplus at opset 17) the case runs in float32 and the differences are taken on a plain-Java float64
 *       implementation of the forward op (itself checked against ONNX Runtime's forward). The symbolic gradient then
 *       carries float32 rounding: about 6e-8 relative per operation over sums of at most a few hundred terms, so
 *       2e-4 absolute + 2e-3 relative leaves a wide margin while a wrong rule is off by O(1).</li>
  <li>float32 cases take the gradients a train step takes, whose matrix products may be ONNX Runtime's
       {@code FusedMatMul} (no float64 kernel), so those products are checked here.</li>
 * </ul>
 */
final class GradCheck {

    /** A differentiated input: name, shape (first dimension declared dynamic when asked) and values. */
    record Input(String name, long[] shape, double[] values, boolean dynamicBatch) {
        static Input of(String name, double[] values, long... shape) {
            return new Input(name, shape, values, false);
        }

        Input dynamic() {
            return new Input(name, shape, values, true);
        }
    }

    /** Builds the op under test from the symbolic inputs. */
    @FunctionalInterface
    interface Forward {
        Tensor build(Graph g, List<Tensor> xs);
    }

    /** A float64 Java implementation of the forward op, on row-major arrays. */
    @FunctionalInterface
    interface Reference {
        double[] apply(List<double[]> xs);
    }

    /** A gradient-check case. */
    record Case(String name, List<Input> inputs, Forward forward, Reference reference) {
        @Override
        public String toString() {
            return name;
        }

        /** The forward graph alone (no ONNX Runtime), for coverage checks. */
        Graph buildForward() {
            Graph g = new Graph(reference == null ? DType.DOUBLE : DType.FLOAT, 7);
            List<Tensor> xs = new ArrayList<>();
            for (Input in : inputs) {
                xs.add(g.input(in.name(), g.floatType(), shape(in)));
            }
            forward.build(g, xs);
            return g;
        }
    }

    static final double DOUBLE_ATOL = 1e-6;
    static final double DOUBLE_RTOL = 1e-5;
    static final double FLOAT_ATOL = 2e-4;
    static final double FLOAT_RTOL = 2e-3;

    private GradCheck() {
    }

    private static Shape shape(Input in) {
        long[] s = in.shape().clone();
        if (in.dynamicBatch()) {
            s[0] = Shape.DYNAMIC;
        }
        return Shape.of(s);
    }

    /** Runs the check; returns the worst error relative to the tolerance (< 1 passes). */
    static double check(Case c) {
        boolean exact = c.reference() == null;
        DType dt = exact ? DType.DOUBLE : DType.FLOAT;
        Graph g = new Graph(dt, 7);
        List<Tensor> xs = new ArrayList<>();
        for (Input in : c.inputs()) {
            xs.add(g.input(in.name(), dt, shape(in)));
        }
        Tensor y = c.forward().build(g, xs);
        Tensor r = g.input("r", dt, y.shape());
        Tensor loss = Ops.sum(Ops.mul(y, r));
        // float32 cases take the train step's gradients (matrix products as FusedMatMul), float64 the plain ones.
        Map<Tensor, Tensor> grads = Autodiff.gradients(loss, xs, !exact);

        InferenceModel.Builder fb = InferenceModel.builder(g).output("y", y);
        InferenceModel.Builder lb = InferenceModel.builder(g).output("loss", loss);
        InferenceModel.Builder gb = InferenceModel.builder(g).output("loss", loss);
        for (int i = 0; i < xs.size(); i++) {
            gb.output("grad/" + c.inputs().get(i).name(), grads.get(xs.get(i)));
        }
        try (ModelSession fwd = Ort.load(c.name() + "/forward", fb.build());
             ModelSession lossModel = Ort.load(c.name() + "/loss", lb.build());
             ModelSession gradModel = Ort.load(c.name() + "/grad", gb.build())) {
            List<double[]> x0 = new ArrayList<>();
            for (Input in : c.inputs()) {
                x0.add(in.values().clone());
            }
            Map<String, long[]> shapes = new HashMap<>();
            double[] yv = runWith(fwd, c, x0, dt, null, null, shapes).get("y");
            long[] yShape = shapes.get("y");
            if (!exact) {
                double[] yr = c.reference().apply(x0);
                assertEquals(yv.length, yr.length, c.name() + ": reference output size");
                for (int i = 0; i < yr.length; i++) {
                    double err = Math.abs(yv[i] - yr[i]);
                    if (err > 1e-4 + 1e-4 * Math.abs(yr[i])) {
                        fail(c.name() + ": ONNX Runtime forward " + yv[i] + " != Java reference " + yr[i] + " at " + i);
                    }
                }
            }
            SplittableRandom rng = new SplittableRandom(c.name().hashCode());
            double[] rv = new double[yv.length];
            for (int i = 0; i < rv.length; i++) {
                rv[i] = Init.gaussian(rng);
            }
            Map<String, double[]> analytic = runWith(gradModel, c, x0, dt, rv, yShape, null);
            double worst = 0;
            String worstAt = "";
            for (int i = 0; i < xs.size(); i++) {
                Input in = c.inputs().get(i);
                double[] ga = analytic.get("grad/" + in.name());
                for (int j = 0; j < in.values().length; j++) {
                    double orig = x0.get(i)[j];
                    double h = 1e-6 * Math.max(1, Math.abs(orig));
                    x0.get(i)[j] = orig + h;
                    double lp = exact ? runWith(lossModel, c, x0, dt, rv, yShape, null).get("loss")[0] : refLoss(c, x0, rv);
                    x0.get(i)[j] = orig - h;
                    double lm = exact ? runWith(lossModel, c, x0, dt, rv, yShape, null).get("loss")[0] : refLoss(c, x0, rv);
                    x0.get(i)[j] = orig;
                    double numeric = (lp - lm) / (2 * h);
                    double tol = exact ? DOUBLE_ATOL + DOUBLE_RTOL * Math.abs(numeric)
                            : FLOAT_ATOL + FLOAT_RTOL * Math.abs(numeric);
                    double ratio = Math.abs(ga[j] - numeric) / tol;
                    if (ratio > worst) {
                        worst = ratio;
                        worstAt = in.name() + "[" + j + "]: symbolic " + ga[j] + ", numeric " + numeric;
                    }
                }
            }
            if (worst >= 1) {
                fail(c.name() + ": gradient mismatch (error " + String.format("%.3g", worst) + " x tolerance) at " + worstAt);
            }
            return worst;
        }
    }

    private static double refLoss(Case c, List<double[]> xs, double[] r) {
        double[] y = c.reference().apply(xs);
        double s = 0;
        for (int i = 0; i < y.length; i++) {
            s += y[i] * r[i];
        }
        return s;
    }

    private static Map<String, double[]> runWith(ModelSession s, Case c, List<double[]> xs, DType dt, double[] r,
                                                 long[] rShape, Map<String, long[]> shapes) {
        Map<String, OnnxTensor> in = new LinkedHashMap<>();
        try {
            for (int i = 0; i < xs.size(); i++) {
                Input spec = c.inputs().get(i);
                in.put(spec.name(), Ort.tensor(dt, xs.get(i), spec.shape()));
            }
            if (r != null && s.inputs().containsKey("r")) {
                in.put("r", Ort.tensor(dt, r, rShape));
            }
            return Ort.run(s, in, shapes);
        } finally {
            for (OnnxTensor t : in.values()) {
                t.close();
            }
        }
    }
}
