package org.hourglass.loss.mse;

import org.hourglass.graph.Graph;
import org.hourglass.graph.Tensor;
import org.hourglass.spi.HourglassName;
import org.hourglass.spi.ReconstructionLoss;
import org.osgi.service.component.annotations.Component;

/**
 * Mean squared error per sample. It has no settings, so one instance named {@code mse} is all there is to
 * configure.
 */
@Component(service = ReconstructionLoss.class)
@HourglassName("mse")
public class MseLoss implements ReconstructionLoss {

    @Override
    public Tensor perSample(Graph graph, Tensor input, Tensor reconstruction, Tensor weights, Tensor logVariance) {
        return MeanSquaredError.perSample(graph, input, reconstruction, weights);
    }
}
