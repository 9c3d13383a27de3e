package org.hourglass.loss.huber;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.hourglass.graph.Graph;
import org.hourglass.graph.InferenceModel;
import org.hourglass.graph.Shape;
import org.hourglass.graph.Tensor;
import org.hourglass.testing.GraphRunner;
import org.junit.jupiter.api.Test;

class HuberErrorTest {

    private static float[] run(double delta, float[] x, float[] r, float[] w) {
        Graph g = Graph.create(1);
        Tensor in = g.input("x", Shape.batchOf(2, 2));
        Tensor rec = g.input("r", Shape.batchOf(2, 2));
        Tensor weights = w != null ? g.input("w", Shape.batchOf(2, 2)) : null;
        Tensor loss = new HuberLoss(delta).perSample(g, in, rec, weights, null);
        try (GraphRunner runner = new GraphRunner()) {
            Map<String, GraphRunner.Input> inputs = new HashMap<>(Map.of(
                    "x", new GraphRunner.Input(x, 2, 2, 2), "r", new GraphRunner.Input(r, 2, 2, 2)));
            if (w != null) {
                inputs.put("w", new GraphRunner.Input(w, 2, 2, 2));
            }
            return runner.run(InferenceModel.builder(g).output("loss", loss).build(), inputs).get("loss");
        }
    }

    private static double huber(double d, double delta) {
        double a = Math.abs(d);
        return a <= delta ? 0.5 * a * a : delta * (a - 0.5 * delta);
    }

    @Test
    void quadraticInsideDeltaLinearOutside() {
        float[] x = {0, 1, 2, 3, 0, 0, 0, 0};
        float[] r = {0.5f, 1, 4, 0, 0, -2, 0.25f, 3};
        for (double delta : new double[] {1.0, 0.5, 2.5}) {
            float[] got = run(delta, x, r, null);
            for (int s = 0; s < 2; s++) {
                double want = 0;
                for (int i = 0; i < 4; i++) {
                    want += huber(r[4 * s + i] - x[4 * s + i], delta) / 4;
                }
                assertEquals(want, got[s], 1e-6, "delta " + delta + ", sample " + s);
            }
        }
        // delta 1: sample 0 = (0.125 + 0 + 1.5 + 2.5) / 4
        assertArrayEquals(new float[] {1.03125f}, new float[] {run(1.0, x, r, null)[0]}, 1e-6f);
    }

    @Test
    void weightsCountOnlyTheWeightedEntriesAndAnAllZeroMaskGivesZero() {
        float[] x = {0, 1, 2, 3, 5, 5, 5, 5};
        float[] r = {0.5f, 1, 2, 0, 0, 0, 0, 0};
        float[] w = {1, 0, 0, 1, 0, 0, 0, 0};
        // sample 0: (0.125 + 2.5) / 2; sample 1: nothing weighted → 0, not NaN
        assertArrayEquals(new float[] {1.3125f, 0f}, run(1.0, x, r, w), 1e-6f);
    }

    @Test
    void badDeltaIsNamed() {
        for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new HuberLoss(bad));
            assertTrue(e.getMessage().contains("delta"), e.getMessage());
        }
    }
}
