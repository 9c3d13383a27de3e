package org.hourglass.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hourglass.graph.DType;
import org.hourglass.graph.Graph;
import org.hourglass.graph.HostTensor;
import org.hourglass.graph.Init;
import org.hourglass.graph.Ops;
import org.hourglass.graph.Optimizer;
import org.hourglass.graph.Shape;
import org.hourglass.graph.Tensor;
import org.hourglass.graph.TrainStep;
import org.hourglass.graph.TrainStepModel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Optimizer update subgraphs against a Java float64 transcription of PyTorch's update rules. The train-step
 * model is built in float64 and run by the real {@link Trainer} (so the state feedback, the step counter and the
 * learning-rate input are exercised too). The loss has gradients known in closed form:
 * {@code L = 0.5 * sum((p - xbar)^2) + 1.5 * sum(q^2) + sum(q * xbar)} with {@code xbar} the batch mean of the
 * data, so {@code dL/dp = p - xbar} (broadcast over p's rows) and {@code dL/dq = 3q + xbar}.
 */
class OptimizerTest {

    record Setup(String name, Optimizer optimizer, double clip, boolean fuse) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Setup> setups() {
        return List.of(
                new Setup("SGD", Optimizer.sgd(0), 0, true),
                new Setup("SGD momentum 0.9 + weight decay", Optimizer.sgd(0.9, 0.01), 0, true),
                new Setup("SGD momentum 0.9, per-parameter updates", Optimizer.sgd(0.9), 0, false),
                new Setup("Adam", Optimizer.adam(0.9, 0.999, 1e-8), 0, true),
                new Setup("Adam, per-parameter updates", Optimizer.adam(0.9, 0.999, 1e-8), 0, false),
                new Setup("Adam with global-norm clipping", Optimizer.adam(0.8, 0.99, 1e-6), 0.5, true),
                new Setup("AdamW", Optimizer.adamW(0.9, 0.999, 1e-8, 0.1), 0, true),
                new Setup("AdamW, per-parameter updates", Optimizer.adamW(0.9, 0.999, 1e-8, 0.1), 0, false));
    }

    static final int ROWS = 6;
    static final int STEPS = 7;

    @ParameterizedTest(name = "{0}")
    @MethodSource("setups")
    void updatesMatchJavaReference(Setup setup) {
        Graph g = new Graph(DType.DOUBLE, 11);
        Tensor x = g.input("x", Shape.batchOf(4));
        Tensor p = g.param("p", Shape.of(3, 4), Init.normal(0, 1));
        Tensor q = g.param("q", Shape.of(4), Init.uniform(-1, 1));
        Tensor xbar = Ops.reduceMean(x, false, 0);
        Tensor d = Ops.sub(p, xbar);
        Tensor loss = Ops.add(Ops.add(Ops.mul(Ops.sum(Ops.mul(d, d)), 0.5), Ops.mul(Ops.sum(Ops.mul(q, q)), 1.5)), Ops.sum(Ops.mul(q, xbar)));
        TrainStep ts = TrainStep.builder(g).loss(loss).optimizer(setup.optimizer()).fuseUpdatesBelow(setup.fuse() ? 65536 : 0);
        if (setup.clip() > 0) {
            ts.clipGradientNorm(setup.clip());
        }
        TrainStepModel model = ts.build();

        float[] data = new float[ROWS * 4];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) Math.sin(i * 1.7);
        }
        double[] xb = new double[4];
        for (int r = 0; r < ROWS; r++) {
            for (int j = 0; j < 4; j++) {
                xb[j] += data[r * 4 + j] / (double) ROWS;
            }
        }
        LearningRate lr = (step, epoch) -> 0.1 / step;

        // Java reference, PyTorch's formulas.
        double[] pv = model.initialState().get("p").doubles().clone();
        double[] qv = model.initialState().get("q").doubles().clone();
        Map<String, double[]> ref = new LinkedHashMap<>();
        ref.put("p", pv);
        ref.put("q", qv);
        Map<String, double[]> m = new LinkedHashMap<>(Map.of("p", new double[12], "q", new double[4]));
        Map<String, double[]> v = new LinkedHashMap<>(Map.of("p", new double[12], "q", new double[4]));
        Optimizer o = setup.optimizer();
        for (int t = 1; t <= STEPS; t++) {
            double rate = lr.at(t, 0);
            Map<String, double[]> grads = new LinkedHashMap<>();
            double[] gp = new double[12];
            for (int i = 0; i < 12; i++) {
                gp[i] = pv[i] - xb[i % 4];
            }
            double[] gq = new double[4];
            for (int j = 0; j < 4; j++) {
                gq[j] = 3 * qv[j] + xb[j];
            }
            grads.put("p", gp);
            grads.put("q", gq);
            if (setup.clip() > 0) {
                double sq = 0;
                for (double[] gr : grads.values()) {
                    for (double e : gr) {
                        sq += e * e;
                    }
                }
                double coef = Math.min(1.0, setup.clip() / (Math.sqrt(sq) + 1e-6));
                for (double[] gr : grads.values()) {
                    for (int i = 0; i < gr.length; i++) {
                        gr[i] *= coef;
                    }
                }
            }
            for (String name : ref.keySet()) {
                double[] w = ref.get(name);
                double[] gr = grads.get(name);
                double[] mm = m.get(name);
                double[] vv = v.get(name);
                for (int i = 0; i < w.length; i++) {
                    switch (o.kind()) {
                        case SGD: {
                            double di = gr[i] + o.weightDecay() * w[i];
                            if (o.momentum() > 0) {
                                mm[i] = t == 1 ? di : o.momentum() * mm[i] + di;
                                di = mm[i];
                            }
                            w[i] -= rate * di;
                            break;
                        }
                        default: {
                            if (o.kind() == Optimizer.Kind.ADAMW) {
                                w[i] *= 1 - rate * o.weightDecay();
                            }
                            mm[i] = o.beta1() * mm[i] + (1 - o.beta1()) * gr[i];
                            vv[i] = o.beta2() * vv[i] + (1 - o.beta2()) * gr[i] * gr[i];
                            double mhat = mm[i] / (1 - Math.pow(o.beta1(), t));
                            double vhat = vv[i] / (1 - Math.pow(o.beta2(), t));
                            w[i] -= rate * mhat / (Math.sqrt(vhat) + o.epsilon());
                        }
                    }
                }
            }
        }

        List<Double> gradNorms = new ArrayList<>();
        try (Trainer trainer = new Trainer(Ort.executor(), model, "optimizer-test")) {
            TrainingConfig cfg = new TrainingConfig(STEPS, ROWS, lr, 3, true, false);
            trainer.fit(TrainingData.of("x", data, ROWS), cfg, new TrainingListener() {
                @Override
                public void onStep(Progress pr) {
                    if (pr.metrics().containsKey("grad_norm")) {
                        gradNorms.add(pr.metrics().get("grad_norm"));
                    }
                }
            });
            assertEquals(STEPS, trainer.step());
            Map<String, HostTensor> state = trainer.state();
            for (String name : ref.keySet()) {
                assertClose(setup + " " + name, ref.get(name), state.get(name).doubles());
                for (String slot : o.slots()) {
                    // Adam's slots hold m / (1 - beta1) and v / (1 - beta2) (see Optimizer.update).
                    double scale = o.kind() == Optimizer.Kind.SGD ? 1 : 1 / (1 - (slot.equals("v") ? o.beta2() : o.beta1()));
                    double[] expected = (slot.equals("v") ? v.get(name) : m.get(name)).clone();
                    for (int i = 0; i < expected.length; i++) {
                        expected[i] *= scale;
                    }
                    assertClose(setup + " " + slot + " of " + name, expected,
                            state.get("opt/" + slot + "/" + name).doubles());
                }
            }
        }
        if (setup.clip() > 0) {
            assertEquals(STEPS, gradNorms.size());
            assertTrue(gradNorms.get(0) > setup.clip(), "the test should exercise clipping");
        }
    }

    private static void assertClose(String what, double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            double tol = 1e-10 + 1e-9 * Math.abs(expected[i]);
            if (Math.abs(expected[i] - actual[i]) > tol) {
                throw new AssertionError(what + "[" + i + "]: expected " + expected[i] + ", ONNX Runtime gave " + actual[i]);
            }
        }
    }
}
