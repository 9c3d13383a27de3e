package org.hourglass.scoring.combined;

import org.hourglass.api.executor.OnnxExecutor;
import org.hourglass.spi.HourglassName;
import org.hourglass.spi.ScoringMethod;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;

/** The instance that exists without configuration: {@code combined}, reconstruction and latent k-NN, z-averaged. */
@Component(service = ScoringMethod.class, configurationPolicy = ConfigurationPolicy.IGNORE)
@HourglassName("combined")
public class DefaultCombinedScoring extends CombinedScoring {

    @Activate
    public DefaultCombinedScoring(Config config, @Reference(name = "executor") OnnxExecutor executor) {
        super(config, executor);
    }
}
