package org.hourglass.loss.huber;

import org.hourglass.graph.Graph;
import org.hourglass.graph.Tensor;

/**
 * Per-sample Huber loss, built into a graph: with {@code a = |r - x|}, each entry is {@code a²/2} for
 * {@code a <= delta} and {@code delta (a - delta/2)} beyond. With weights, the mean over the weighted entries only.
 */
final class HuberError {

    /** Guards samples whose weights are all zero (nothing hidden by the mask) against 0/0. */
    private static final double MIN_WEIGHT = 1e-6;

    private HuberError() {
    }

    static Tensor perSample(Graph g, Tensor input, Tensor reconstruction, Tensor weights, double delta) {
        if (input.rank() != reconstruction.rank()) {
            throw new IllegalArgumentException("huber: reconstruction " + reconstruction.shape()
                    + " does not match input " + input.shape());
        }
        Tensor a = g.abs(g.flatten(g.sub(reconstruction, input), 1));
        // q = min(a, delta): q²/2 + delta (a - q) is a²/2 inside and delta (a - delta/2) outside, without a branch.
        Tensor q = g.clip(a, 0, delta);
        Tensor e = g.add(g.mul(g.mul(q, q), 0.5), g.mul(g.sub(a, q), delta));
        if (weights == null) {
            return g.reduceMean(e, false, 1);
        }
        Tensor w = g.flatten(weights, 1);
        Tensor total = g.reduceSum(g.mul(e, w), false, 1);
        Tensor count = g.reduceSum(w, false, 1);
        return g.div(total, g.clip(count, MIN_WEIGHT, Double.MAX_VALUE));
    }
}
