package org.hourglass.spi;

import org.hourglass.graph.Graph;
import org.hourglass.graph.Tensor;
import org.osgi.annotation.versioning.ConsumerType;

/** A reconstruction loss, built per sample so pipelines can weight, mask and report it. */
@ConsumerType
public interface ReconstructionLoss {

    /**
     * @param graph          the graph to add nodes to
     * @param input          the clean input, float {@code [batch, ...]}
     * @param reconstruction the family's reconstruction, same shape
     * @param weights        null, or same shape with 1 where an entry counts and 0 where it does not (masking)
     * @param logVariance    null, or the family's predicted log-variance (same shape as input)
     * @return the loss per sample, float {@code [batch]}
     */
    Tensor perSample(Graph graph, Tensor input, Tensor reconstruction, Tensor weights, Tensor logVariance);
}
