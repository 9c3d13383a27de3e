package org.hourglass.family.topk;

import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.hourglass.graph.DType;
import org.hourglass.graph.Graph;
import org.hourglass.graph.InferenceModel;
import org.hourglass.graph.Shape;
import org.hourglass.graph.Tensor;
import org.hourglass.testing.GraphRunner;
import org.junit.jupiter.api.Test;

/**
 * Finite-difference check of the whole TopK SAE loss (reconstruction MSE + AuxK on a given set of dead latents) in
 * float64 through ONNX Runtime: the engine's symbolic gradients with respect to x, W_enc, b_enc, W_dec and b_pre
 * against central differences (h = 1e-6 relative), tolerance 1e-6 absolute + 1e-5 relative.
 */
class TopkGradientTest {

    private static final int N = 5;
    private static final int D = 4;
    private static final int LATENTS = 10;

    @Test
    void lossGradientsMatchFiniteDifferences() throws OrtException {
        SplittableRandom random = new SplittableRandom(17);
        Graph g = new Graph(DType.DOUBLE, 3);
        Map<String, double[]> values = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        Map<String, Tensor> wrt = new LinkedHashMap<>();
        Tensor x = input(g, "x", random, values, shapes, wrt, N, D);
        Tensor wEnc = input(g, "w_enc", random, values, shapes, wrt, D, LATENTS);
        Tensor bEnc = input(g, "b_enc", random, values, shapes, wrt, LATENTS);
        Tensor wDec = input(g, "w_dec", random, values, shapes, wrt, LATENTS, D);
        Tensor bPre = input(g, "b_pre", random, values, shapes, wrt, D);
        Tensor dead = g.input("dead", DType.DOUBLE, Shape.of(LATENTS));
        double[] deadMask = {0, 1, 0, 1, 1, 0, 0, 1, 1, 0};
        values.put("dead", deadMask);
        shapes.put("dead", new long[] {LATENTS});

        // The residual AuxK fits is a constant for the gradient (stop-gradient of x - x̂), so it is a plain input
        // here: finite differences would otherwise see it move.
        Tensor residual = g.input("residual", DType.DOUBLE, Shape.of(N, D));
        double[] r = new double[N * D];
        for (int i = 0; i < r.length; i++) {
            r[i] = random.nextDouble() * 2 - 1;
        }
        values.put("residual", r);
        shapes.put("residual", new long[] {N, D});

        TopkNetwork.Forward f = TopkNetwork.forward(g, x, wEnc, bEnc, wDec, bPre, 3);
        Tensor aux = TopkNetwork.auxLoss(g, f.pre(), wDec, residual, dead, 3, 0.7);
        Tensor loss = g.add(g.mse(f.reconstruction(), x), aux);
        Map<Tensor, Tensor> grads = g.gradients(loss, List.copyOf(wrt.values()));
        InferenceModel.Builder withGrads = InferenceModel.builder(g).output("loss", loss).output("aux", aux);
        wrt.forEach((name, t) -> withGrads.output("grad/" + name, grads.get(t)));

        try (GraphRunner runner = new GraphRunner();
             ModelSession gradients = runner.executor().load("topk-grad", withGrads.build());
             ModelSession lossOnly = runner.executor().load("topk-loss",
                     InferenceModel.builder(g).output("loss", loss).build())) {
            Map<String, double[]> analytic = run(runner, gradients, values, shapes);
            assertTrue(analytic.get("aux")[0] > 0, "the AuxK term is active");
            double worst = 0;
            String worstAt = "";
            int checked = 0;
            for (String name : wrt.keySet()) {
                double[] v = values.get(name);
                double[] ga = analytic.get("grad/" + name);
                for (int j = 0; j < v.length; j++) {
                    double orig = v[j];
                    double h = 1e-6 * Math.max(1, Math.abs(orig));
                    v[j] = orig + h;
                    double lp = run(runner, lossOnly, values, shapes).get("loss")[0];
                    v[j] = orig - h;
                    double lm = run(runner, lossOnly, values, shapes).get("loss")[0];
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
            assertTrue(checked == N * D + 2 * D * LATENTS + LATENTS + D);
            assertTrue(worst < 1, "gradient mismatch (" + worst + " x tolerance) at " + worstAt);
        }
    }

    private static Tensor input(Graph g, String name, SplittableRandom random, Map<String, double[]> values,
                                Map<String, long[]> shapes, Map<String, Tensor> wrt, long... shape) {
        int size = 1;
        for (long s : shape) {
            size *= (int) s;
        }
        double[] v = new double[size];
        for (int i = 0; i < size; i++) {
            v[i] = random.nextDouble() * 2 - 1;
        }
        values.put(name, v);
        shapes.put(name, shape);
        Tensor t = g.input(name, DType.DOUBLE, Shape.of(shape));
        wrt.put(name, t);
        return t;
    }

    private static Map<String, double[]> run(GraphRunner runner, ModelSession session, Map<String, double[]> values,
                                             Map<String, long[]> shapes) throws OrtException {
        Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
        try {
            for (String name : values.keySet()) {
                inputs.put(name, OnnxTensor.createTensor(runner.executor().environment(),
                        DoubleBuffer.wrap(values.get(name)), shapes.get(name)));
            }
            try (OrtSession.Result result = session.run(inputs)) {
                Map<String, double[]> out = new LinkedHashMap<>();
                for (Map.Entry<String, OnnxValue> e : result) {
                    DoubleBuffer b = ((OnnxTensor) e.getValue()).getDoubleBuffer();
                    double[] v = new double[b.remaining()];
                    b.get(v);
                    out.put(e.getKey(), v);
                }
                return out;
            }
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

}
