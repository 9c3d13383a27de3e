package org.hourglass.loss.bce;

import org.hourglass.graph.Graph;
import org.hourglass.graph.Ops;
import org.hourglass.graph.ShapeOps;
import org.hourglass.graph.Tensor;

/**
 * Per-sample binary cross-entropy with logits, built into a graph. The reconstruction {@code r} is taken as logits
 * and the input {@code x} as targets in [0, 1]; each entry is {@code max(r, 0) - r*x + log(1 + exp(-|r|))}, which
 * equals {@code -x log(sigmoid r) - (1 - x) log(1 - sigmoid r)} without overflowing for large {@code |r|}. With
 * weights, the mean over the weighted entries only.
 */
final class LogitCrossEntropy {

    /** Guards samples whose weights are all zero (nothing hidden by the mask) against 0/0. */
    private static final double MIN_WEIGHT = 1e-6;

    private LogitCrossEntropy() {
    }

    static Tensor perSample(Graph g, Tensor input, Tensor reconstruction, Tensor weights) {
        if (input.rank() != reconstruction.rank()) {
            throw new IllegalArgumentException("bce: reconstruction " + reconstruction.shape()
                    + " does not match input " + input.shape());
        }
        Tensor r = ShapeOps.flatten(reconstruction, 1);
        Tensor x = ShapeOps.flatten(input, 1);
        // log(1 + exp(-|r|)) = softplus(-|r|): the argument is <= 0, so exp never overflows.
        Tensor e = Ops.add(Ops.sub(Ops.relu(r), Ops.mul(r, x)), Ops.softplus(Ops.neg(Ops.abs(r))));
        if (weights == null) {
            return Ops.reduceMean(e, false, 1);
        }
        Tensor w = ShapeOps.flatten(weights, 1);
        Tensor total = Ops.reduceSum(Ops.mul(e, w), false, 1);
        Tensor count = Ops.reduceSum(w, false, 1);
        return Ops.div(total, Ops.clip(count, MIN_WEIGHT, Double.MAX_VALUE));
    }
}
