package org.hourglass.loss.huber;

import org.hourglass.graph.Graph;
import org.hourglass.graph.Tensor;
import org.hourglass.spi.PluginProperties;
import org.hourglass.spi.ReconstructionLoss;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.configurator.annotations.RequireConfigurator;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Huber (smooth L1) loss per sample, honouring a mask (factory PID {@value #PID}). */
@RequireConfigurator // default instances: OSGI-INF/configurator/defaults.json
@Component(service = ReconstructionLoss.class, configurationPid = HuberLoss.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = PluginProperties.NAME_HINT)
@Designate(ocd = HuberLoss.Config.class, factory = true)
public class HuberLoss implements ReconstructionLoss {

    static final String PID = "org.hourglass.loss.huber";

    @ObjectClassDefinition(name = "Hourglass loss: Huber",
            description = "Per-sample mean of the Huber loss of the differences between input and reconstruction: "
                    + "quadratic (a²/2) up to delta, linear (delta (a - delta/2)) beyond; with a mask, the mean over "
                    + "the masked entries only.")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "Name pipelines use to pick this loss instance.")
        String hourglass_name();

        @AttributeDefinition(name = "Delta", description = "Absolute difference where the loss turns from "
                + "quadratic to linear (> 0); in the units of the normalised input.")
        double delta() default 1.0;
    }

    private final double delta;

    @Activate
    public HuberLoss(Config config) {
        PluginProperties.requireName(config.hourglass_name(), PID);
        this.delta = checkDelta(config.delta());
    }

    /** For tests. */
    HuberLoss(double delta) {
        this.delta = checkDelta(delta);
    }

    static double checkDelta(double delta) {
        if (!(delta > 0) || Double.isInfinite(delta)) {
            throw new IllegalArgumentException("delta must be a finite number > 0, was " + delta);
        }
        return delta;
    }

    double delta() {
        return delta;
    }

    @Override
    public Tensor perSample(Graph graph, Tensor input, Tensor reconstruction, Tensor weights, Tensor logVariance) {
        return HuberError.perSample(graph, input, reconstruction, weights, delta);
    }
}
