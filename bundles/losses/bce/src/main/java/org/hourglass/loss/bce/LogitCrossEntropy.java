package org.hourglass.loss.bce;

import org.hourglass.graph.Graph;
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
        Tensor r = g.flatten(reconstruction, 1);
        Tensor x = g.flatten(input, 1);
        // log(1 + exp(-|r|)) = softplus(-|r|): the argument is <= 0, so exp never overflows.
        Tensor e = g.add(g.sub(g.relu(r), g.mul(r, x)), g.softplus(g.neg(g.abs(r))));
        if (weights == null) {
            return g.reduceMean(e, false, 1);
        }
        Tensor w = g.flatten(weights, 1);
        Tensor total = g.reduceSum(g.mul(e, w), false, 1);
        Tensor count = g.reduceSum(w, false, 1);
        return g.div(total, g.clip(count, MIN_WEIGHT, Double.MAX_VALUE));
    }
}
