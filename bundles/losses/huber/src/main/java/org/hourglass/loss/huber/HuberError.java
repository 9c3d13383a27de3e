package org.hourglass.loss.huber;

import org.hourglass.graph.Graph;
import org.hourglass.graph.Ops;
import org.hourglass.graph.ShapeOps;
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
        Tensor a = Ops.abs(ShapeOps.flatten(Ops.sub(reconstruction, input), 1));
        // q = min(a, delta): q²/2 + delta (a - q) is a²/2 inside and delta (a - delta/2) outside, without a branch.
        Tensor q = Ops.clip(a, 0, delta);
        Tensor e = Ops.add(Ops.mul(Ops.mul(q, q), 0.5), Ops.mul(Ops.sub(a, q), delta));
        if (weights == null) {
            return Ops.reduceMean(e, false, 1);
        }
        Tensor w = ShapeOps.flatten(weights, 1);
        Tensor total = Ops.reduceSum(Ops.mul(e, w), false, 1);
        Tensor count = Ops.reduceSum(w, false, 1);
        return Ops.div(total, Ops.clip(count, MIN_WEIGHT, Double.MAX_VALUE));
    }
}
