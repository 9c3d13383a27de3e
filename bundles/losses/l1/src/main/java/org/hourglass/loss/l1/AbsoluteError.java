package org.hourglass.loss.l1;

import org.hourglass.graph.Graph;
import org.hourglass.graph.Ops;
import org.hourglass.graph.ShapeOps;
import org.hourglass.graph.Tensor;

/** Per-sample mean absolute error, built into a graph; with weights, the mean over the weighted entries only. */
final class AbsoluteError {

    /** Guards samples whose weights are all zero (nothing hidden by the mask) against 0/0. */
    private static final double MIN_WEIGHT = 1e-6;

    private AbsoluteError() {
    }

    static Tensor perSample(Graph g, Tensor input, Tensor reconstruction, Tensor weights) {
        if (input.rank() != reconstruction.rank()) {
            throw new IllegalArgumentException("l1: reconstruction " + reconstruction.shape()
                    + " does not match input " + input.shape());
        }
        Tensor a = Ops.abs(ShapeOps.flatten(Ops.sub(reconstruction, input), 1));
        if (weights == null) {
            return Ops.reduceMean(a, false, 1);
        }
        Tensor w = ShapeOps.flatten(weights, 1);
        Tensor total = Ops.reduceSum(Ops.mul(a, w), false, 1);
        Tensor count = Ops.reduceSum(w, false, 1);
        return Ops.div(total, Ops.clip(count, MIN_WEIGHT, Double.MAX_VALUE));
    }
}
