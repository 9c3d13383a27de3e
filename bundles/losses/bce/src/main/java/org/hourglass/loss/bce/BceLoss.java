package org.hourglass.loss.bce;

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
 * Binary cross-entropy with logits per sample, honouring a mask (factory PID {@value #PID}). The family's
 * reconstruction is read as logits, so families used with it should have a linear output (no sigmoid); the input,
 * min-max normalised by the pipeline, is the target in [0, 1].
 */
@RequireConfigurator // default instances: OSGI-INF/configurator/defaults.json
@Component(service = ReconstructionLoss.class, configurationPid = BceLoss.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE,
        property = {PluginProperties.NAME_HINT, PluginProperties.READS + "=logits"}) // the composer checks it
@Designate(ocd = BceLoss.Config.class, factory = true)
public class BceLoss implements ReconstructionLoss {

    static final String PID = "org.hourglass.loss.bce";

    @ObjectClassDefinition(name = "Hourglass loss: binary cross-entropy with logits",
            description = "Per-sample mean of max(r,0) - r*x + log(1+exp(-|r|)) with the reconstruction r taken as "
                    + "logits and the input x in [0, 1] as targets; use a family with a linear output. With a mask, "
                    + "the mean over the masked entries only.")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "Name pipelines use to pick this loss instance.")
        String hourglass_name();
    }

    @Activate
    public BceLoss(Config config) {
        PluginProperties.requireName(config.hourglass_name(), PID);
    }

    /** For tests. */
    BceLoss() {
    }

    @Override
    public Tensor perSample(Graph graph, Tensor input, Tensor reconstruction, Tensor weights, Tensor logVariance) {
        return LogitCrossEntropy.perSample(graph, input, reconstruction, weights);
    }
}
