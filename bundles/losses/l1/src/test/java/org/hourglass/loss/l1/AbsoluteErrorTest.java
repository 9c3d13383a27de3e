package org.hourglass.loss.l1;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.HashMap;
import java.util.Map;
import org.hourglass.graph.Graph;
import org.hourglass.graph.InferenceModel;
import org.hourglass.graph.Shape;
import org.hourglass.graph.Tensor;
import org.hourglass.testing.GraphRunner;
import org.junit.jupiter.api.Test;

class AbsoluteErrorTest {

    private static float[] run(boolean weighted, float[] x, float[] r, float[] w) {
        Graph g = Graph.create(1);
        Tensor in = g.input("x", Shape.batchOf(2, 2));
        Tensor rec = g.input("r", Shape.batchOf(2, 2));
        Tensor weights = weighted ? g.input("w", Shape.batchOf(2, 2)) : null;
        Tensor loss = new L1Loss().perSample(g, in, rec, weights, null);
        try (GraphRunner runner = new GraphRunner()) {
            Map<String, GraphRunner.Input> inputs = new HashMap<>(Map.of(
                    "x", new GraphRunner.Input(x, 2, 2, 2), "r", new GraphRunner.Input(r, 2, 2, 2)));
            if (weighted) {
                inputs.put("w", new GraphRunner.Input(w, 2, 2, 2));
            }
            return runner.run(InferenceModel.builder(g).output("loss", loss).build(), inputs).get("loss");
        }
    }

    @Test
    void perSampleMeanOfAbsoluteDifferences() {
        float[] x = {0, 1, 2, 3, 0, 0, 0, 0};
        float[] r = {1, 1, 2, 1, 0, -2, 0, 0.5f};
        // sample 0: (1 + 0 + 0 + 2) / 4; sample 1: (2 + 0.5) / 4
        assertArrayEquals(new float[] {0.75f, 0.625f}, run(false, x, r, null), 1e-6f);
    }

    @Test
    void weightsCountOnlyTheWeightedEntriesAndAnAllZeroMaskGivesZero() {
        float[] x = {0, 1, 2, 3, 5, 5, 5, 5};
        float[] r = {1, 1, 2, 1, 0, 0, 0, 0};
        float[] w = {1, 0, 0, 1, 0, 0, 0, 0};
        // sample 0: (1 + 2) / 2; sample 1: nothing weighted → 0, not NaN
        assertArrayEquals(new float[] {1.5f, 0f}, run(true, x, r, w), 1e-6f);
    }
}
