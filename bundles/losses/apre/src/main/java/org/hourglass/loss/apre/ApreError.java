package org.hourglass.loss.apre;

import org.hourglass.graph.Graph;
import org.hourglass.graph.Ops;
import org.hourglass.graph.ShapeOps;
import org.hourglass.graph.Tensor;
import org.hourglass.spi.FamilyOutputs;

/**
 * Per-sample APRE loss, built into a graph: with {@code v = exp(logVariance) + epsilon},
 * {@code alpha * sum_j (r_j - x_j)² / v_j + beta * sum_j log v_j}; with weights, both sums run over the weighted
 * entries only.
 */
final class ApreError {

    private ApreError() {
    }

    /** Message when the family publishes no log-variance; the pipeline reports it as its failure. */
    static String noVarianceHead() {
        return "apre: the family has no variance head (it publishes no '" + FamilyOutputs.LOG_VARIANCE + "' output); use a family "
                + "that predicts a variance, e.g. a dense instance with variance.head=true";
    }

    static Tensor perSample(Graph g, Tensor input, Tensor reconstruction, Tensor weights, Tensor logVariance,
                            double alpha, double beta, double epsilon) {
        if (logVariance == null) {
            throw new IllegalStateException(noVarianceHead());
        }
        if (input.rank() != reconstruction.rank() || input.rank() != logVariance.rank()) {
            throw new IllegalArgumentException("apre: reconstruction " + reconstruction.shape() + " and log-variance "
                    + logVariance.shape() + " must match input " + input.shape());
        }
        Tensor d = ShapeOps.flatten(Ops.sub(reconstruction, input), 1);
        Tensor variance = Ops.add(Ops.exp(ShapeOps.flatten(logVariance, 1)), epsilon);
        Tensor e = Ops.add(Ops.mul(Ops.div(Ops.mul(d, d), variance), alpha), Ops.mul(Ops.log(variance), beta));
        if (weights != null) {
            e = Ops.mul(e, ShapeOps.flatten(weights, 1));
        }
        return Ops.reduceSum(e, false, 1);
    }
}
