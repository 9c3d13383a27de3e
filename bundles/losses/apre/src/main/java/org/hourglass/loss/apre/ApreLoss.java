package org.hourglass.loss.apre;

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
 * APRE loss per sample for families that predict a variance (factory PID {@value #PID}): precision-weighted
 * squared error plus a log-variance penalty; {@code alpha = beta = 1} is the Gaussian negative log-likelihood up
 * to constants.
 */
@RequireConfigurator // default instances: OSGI-INF/configurator/defaults.json
@Component(service = ReconstructionLoss.class, configurationPid = ApreLoss.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = PluginProperties.NAME_HINT)
@Designate(ocd = ApreLoss.Config.class, factory = true)
public class ApreLoss implements ReconstructionLoss {

    static final String PID = "org.hourglass.loss.apre";

    @ObjectClassDefinition(name = "Hourglass loss: APRE",
            description = "Per sample alpha * sum (r - x)² / (σ² + epsilon) + beta * sum log(σ² + epsilon), σ² from "
                    + "the family's predicted log-variance (needs a variance head, e.g. dense with variance.head=true); "
                    + "with a mask, over the masked entries only.")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "Name pipelines use to pick this loss instance.")
        String hourglass_name();

        @AttributeDefinition(name = "Alpha", description = "Weight of the precision-weighted squared error (> 0).")
        double alpha() default 1.0;

        @AttributeDefinition(name = "Beta", description = "Weight of the log-variance penalty (>= 0).")
        double beta() default 1.0;

        @AttributeDefinition(name = "Epsilon", description = "Added to the variance before dividing and taking "
                + "the log (>= 0).")
        double epsilon() default 1e-6;
    }

    private final double alpha;
    private final double beta;
    private final double epsilon;

    @Activate
    public ApreLoss(Config config) {
        this(named(config).alpha(), config.beta(), config.epsilon());
    }

    private static Config named(Config config) {
        PluginProperties.requireName(config.hourglass_name(), PID);
        return config;
    }

    /** For tests. */
    ApreLoss(double alpha, double beta, double epsilon) {
        this.alpha = check("alpha", alpha, false);
        this.beta = check("beta", beta, true);
        this.epsilon = check("epsilon", epsilon, true);
    }

    private static double check(String name, double value, boolean zeroAllowed) {
        if (!(zeroAllowed ? value >= 0 : value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(name + " must be a finite number " + (zeroAllowed ? ">= 0" : "> 0")
                    + ", was " + value);
        }
        return value;
    }

    @Override
    public Tensor perSample(Graph graph, Tensor input, Tensor reconstruction, Tensor weights, Tensor logVariance) {
        return ApreError.perSample(graph, input, reconstruction, weights, logVariance, alpha, beta, epsilon);
    }
}
