package org.hourglass.loss.mse;

import org.hourglass.graph.Graph;
import org.hourglass.graph.Ops;
import org.hourglass.graph.ShapeOps;
import org.hourglass.graph.Tensor;

/** Per-sample mean squared error, built into a graph; with weights, the mean over the weighted entries only. */
final class MeanSquaredError {

    /** Guards samples whose weights are all zero (nothing hidden by the mask) against 0/0. */
    private static final double MIN_WEIGHT = 1e-6;

    private MeanSquaredError() {
    }

    static Tensor perSample(Graph g, Tensor input, Tensor reconstruction, Tensor weights) {
        if (!input.shape().equals(reconstruction.shape()) && input.rank() != reconstruction.rank()) {
            throw new IllegalArgumentException("mse: reconstruction " + reconstruction.shape()
                    + " does not match input " + input.shape());
        }
        Tensor d = ShapeOps.flatten(Ops.sub(reconstruction, input), 1);
        Tensor sq = Ops.mul(d, d);
        if (weights == null) {
            return Ops.reduceMean(sq, false, 1);
        }
        Tensor w = ShapeOps.flatten(weights, 1);
        Tensor total = Ops.reduceSum(Ops.mul(sq, w), false, 1);
        Tensor count = Ops.reduceSum(w, false, 1);
        return Ops.div(total, Ops.clip(count, MIN_WEIGHT, Double.MAX_VALUE));
    }
}
