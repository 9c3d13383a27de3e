package org.hourglass.loss.bce;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.hourglass.graph.Graph;
import org.hourglass.graph.InferenceModel;
import org.hourglass.graph.Shape;
import org.hourglass.graph.Tensor;
import org.hourglass.testing.GraphRunner;
import org.junit.jupiter.api.Test;

class LogitCrossEntropyTest {

    private static float[] run(float[] x, float[] r, float[] w) {
        Graph g = Graph.create(1);
        Tensor in = g.input("x", Shape.batchOf(2, 2));
        Tensor rec = g.input("r", Shape.batchOf(2, 2));
        Tensor weights = w != null ? g.input("w", Shape.batchOf(2, 2)) : null;
        Tensor loss = new BceLoss().perSample(g, in, rec, weights, null);
        try (GraphRunner runner = new GraphRunner()) {
            Map<String, GraphRunner.Input> inputs = new HashMap<>(Map.of(
                    "x", new GraphRunner.Input(x, 2, 2, 2), "r", new GraphRunner.Input(r, 2, 2, 2)));
            if (w != null) {
                inputs.put("w", new GraphRunner.Input(w, 2, 2, 2));
            }
            return runner.run(InferenceModel.builder(g).output("loss", loss).build(), inputs).get("loss");
        }
    }

    /** The textbook form, in double: -x log σ(r) - (1-x) log(1-σ(r)). */
    private static double naive(double x, double r) {
        double s = 1 / (1 + Math.exp(-r));
        return -x * Math.log(s) - (1 - x) * Math.log(1 - s);
    }

    @Test
    void equalsTheTextbookFormPerSample() {
        float[] x = {0, 1, 0.3f, 0.5f, 1, 0, 0.9f, 0.2f};
        float[] r = {-2, 3, 0, 0.7f, -1.5f, 2.5f, 4, -0.3f};
        float[] got = run(x, r, null);
        for (int s = 0; s < 2; s++) {
            double want = 0;
            for (int i = 0; i < 4; i++) {
                want += naive(x[4 * s + i], r[4 * s + i]) / 4;
            }
            assertEquals(want, got[s], 1e-5, "sample " + s);
        }
    }

    @Test
    void largeLogitsStayFinite() {
        float[] x = {0, 1, 0, 1, 1, 0, 1, 0};
        float[] r = {200, -200, -200, 200, 90, -90, 1000, -1000};
        float[] got = run(x, r, null);
        // sample 0: two entries cost 200 each, two cost ~0
        assertEquals(100, got[0], 1e-3);
        assertEquals(0, got[1], 1e-6);
        assertTrue(Float.isFinite(got[1]));
    }

    @Test
    void weightsCountOnlyTheWeightedEntriesAndAnAllZeroMaskGivesZero() {
        float[] x = {0, 1, 0.3f, 0.5f, 1, 1, 1, 1};
        float[] r = {-2, 3, 0, 0.7f, 0, 0, 0, 0};
        float[] w = {1, 0, 0, 1, 0, 0, 0, 0};
        float[] got = run(x, r, w);
        assertEquals((naive(0, -2) + naive(0.5, 0.7)) / 2, got[0], 1e-5);
        assertEquals(0, got[1], 0.0, "nothing weighted gives 0, not NaN");
    }
}
