package org.hourglass.scoring.reconstructionerror;

import org.hourglass.spi.HourglassName;
import org.hourglass.spi.ScoringMethod;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/** The instance that exists without configuration: {@code reconstruction-error}, mean squared error. */
@Component(service = ScoringMethod.class, configurationPolicy = ConfigurationPolicy.IGNORE)
@HourglassName("reconstruction-error")
public class DefaultReconstructionErrorScoring extends ReconstructionErrorScoring {

    @Activate
    public DefaultReconstructionErrorScoring(Config config) {
        super(config);
    }
}
