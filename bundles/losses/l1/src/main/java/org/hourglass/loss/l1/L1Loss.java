package org.hourglass.loss.l1;

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

/**
 * Mean absolute error per sample, honouring a mask. It has no settings besides its name; further instances exist
 * so pipelines can refer to a loss under names of their own choosing (factory PID {@value #PID}).
 */
@RequireConfigurator // default instances: OSGI-INF/configurator/defaults.json
@Component(service = ReconstructionLoss.class, configurationPid = L1Loss.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = PluginProperties.NAME_HINT)
@Designate(ocd = L1Loss.Config.class, factory = true)
public class L1Loss implements ReconstructionLoss {

    static final String PID = "org.hourglass.loss.l1";

    @ObjectClassDefinition(name = "Hourglass loss: L1 (mean absolute error)",
            description = "Per-sample mean of absolute differences between input and reconstruction; with a mask, "
                    + "the mean over the masked entries only.")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "Name pipelines use to pick this loss instance.")
        String hourglass_name();
    }

    @Activate
    public L1Loss(Config config) {
        PluginProperties.requireName(config.hourglass_name(), PID);
    }

    /** For tests. */
    L1Loss() {
    }

    @Override
    public Tensor perSample(Graph graph, Tensor input, Tensor reconstruction, Tensor weights, Tensor logVariance) {
        return AbsoluteError.perSample(graph, input, reconstruction, weights);
    }
}
