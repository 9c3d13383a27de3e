package org.hourglass.loss.apre;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hourglass.graph.Graph;
import org.hourglass.graph.Init;
import org.hourglass.graph.InferenceModel;
import org.hourglass.graph.Optimizer;
import org.hourglass.graph.Shape;
import org.hourglass.graph.Tensor;
import org.hourglass.graph.TrainStep;
import org.hourglass.graph.TrainStepModel;
import org.hourglass.graph.Ops;
import org.hourglass.training.Trainer;
import org.hourglass.training.TrainingConfig;
import org.hourglass.training.TrainingData;
import org.hourglass.training.TrainingResult;
import org.hourglass.testing.GraphRunner;
import org.junit.jupiter.api.Test;

class ApreLossTest {

    private static final float[] X = {0, 1, 2, 3, 0.5f, -1, 0, 0};
    private static final float[] R = {0.5f, 1, 4, 0, 0, -2, 0.25f, 3};
    private static final float[] LOG_VAR = {0, -1, 0.5f, 2, -3, 0, 1, -0.25f};

    private static float[] run(ApreLoss loss, float[] w) {
        Graph g = Graph.create(1);
        Tensor in = g.input("x", Shape.batchOf(2, 2));
        Tensor rec = g.input("r", Shape.batchOf(2, 2));
        Tensor lv = g.input("lv", Shape.batchOf(2, 2));
        Tensor weights = w != null ? g.input("w", Shape.batchOf(2, 2)) : null;
        Tensor out = loss.perSample(g, in, rec, weights, lv);
        Map<String, GraphRunner.Input> inputs = new HashMap<>(Map.of("x", new GraphRunner.Input(X, 2, 2, 2),
                "r", new GraphRunner.Input(R, 2, 2, 2), "lv", new GraphRunner.Input(LOG_VAR, 2, 2, 2)));
        if (w != null) {
            inputs.put("w", new GraphRunner.Input(w, 2, 2, 2));
        }
        try (GraphRunner runner = new GraphRunner()) {
            return runner.run(InferenceModel.builder(g).output("loss", out).build(), inputs).get("loss");
        }
    }

    /** The loss in plain Java doubles. */
    private static double[] expected(double alpha, double beta, double eps, float[] w) {
        double[] e = new double[2];
        for (int s = 0; s < 2; s++) {
            for (int j = 0; j < 4; j++) {
                int i = 4 * s + j;
                double v = Math.exp(LOG_VAR[i]) + eps;
                double d = R[i] - X[i];
                double term = alpha * d * d / v + beta * Math.log(v);
                e[s] += w == null ? term : w[i] * term;
            }
        }
        return e;
    }

    @Test
    void matchesThePlainJavaComputation() {
        double[][] settings = {{1, 1, 1e-6}, {0.5, 2, 1e-6}, {2, 0, 0.1}, {1, 0.25, 0}};
        for (double[] p : settings) {
            float[] got = run(new ApreLoss(p[0], p[1], p[2]), null);
            double[] want = expected(p[0], p[1], p[2], null);
            for (int s = 0; s < 2; s++) {
                assertEquals(want[s], got[s], 1e-4 * Math.max(1, Math.abs(want[s])), "settings " + List.of(p[0], p[1], p[2]));
            }
        }
        // alpha = beta = 1, sample 0 by hand (eps ignored): 0.25/1 + 0 + 4/e^0.5 + 9/e^2 + (0 - 1 + 0.5 + 2)
        double byHand = 0.25 + 4 / Math.exp(0.5) + 9 / Math.exp(2) + 1.5;
        assertEquals(byHand, run(new ApreLoss(1, 1, 0), null)[0], 1e-5);
    }

    @Test
    void weightsExcludeMaskedEntries() {
        float[] w = {1, 0, 0, 1, 0, 0, 0, 0};
        float[] got = run(new ApreLoss(1, 1, 1e-6), w);
        double[] want = expected(1, 1, 1e-6, w);
        assertEquals(want[0], got[0], 1e-5);
        assertEquals(0.25 + 9 / Math.exp(2) + 2, got[0], 1e-4);
        assertEquals(0, got[1], 0, "nothing counted → 0, not NaN");
    }

    @Test
    void withoutAVarianceHeadItFailsNamingTheOption() {
        Graph g = Graph.create(1);
        Tensor in = g.input("x", Shape.batchOf(4));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new ApreLoss(1, 1, 1e-6).perSample(g, in, Ops.identity(in), null, null));
        assertTrue(e.getMessage().contains("no variance head") && e.getMessage().contains("variance.head=true"),
                e.getMessage());
    }

    @Test
    void badAttributesAreNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ApreLoss(0, 1, 1e-6)).getMessage()
                .contains("alpha"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ApreLoss(1, -1, 1e-6)).getMessage()
                .contains("beta"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ApreLoss(1, 1, Double.NaN)).getMessage()
                .contains("epsilon"));
    }

    @Test
    void adamStepsOnMeanAndLogVarianceReduceTheLoss() {
        // Free parameters mu and log-variance per feature fitted to data: the loss must fall under Adam.
        Graph g = Graph.create(3);
        Tensor x = g.input("x", Shape.batchOf(4));
        Tensor mu = g.param("mu", Shape.of(1, 4), Init.zeros());
        Tensor lv = g.param("lv", Shape.of(1, 4), Init.constant(2.0));
        Tensor zeros = Ops.mul(x, 0.0);
        Tensor loss = Ops.mean(new ApreLoss(1, 1, 1e-6).perSample(g, x, Ops.add(zeros, mu), null, Ops.add(zeros, lv)));
        TrainStepModel m = TrainStep.builder(g).loss(loss).optimizer(Optimizer.adam()).build();
        int n = 64;
        float[] data = new float[n * 4];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 4; j++) {
                data[i * 4 + j] = (float) (j - 1.5 + 0.3 * Math.sin(i * 1.7 + j));
            }
        }
        try (GraphRunner runner = new GraphRunner();
             Trainer t = new Trainer(runner.executor(), m, "apre-grad")) {
            TrainingResult r = t.fit(TrainingData.of("x", data, n), TrainingConfig.of(5, 16, 0.05, 7), p -> { });
            assertTrue(Double.isFinite(r.finalLoss()) && r.finalLoss() < r.firstLoss(),
                    "loss went from " + r.firstLoss() + " to " + r.finalLoss());
        }
    }
}
