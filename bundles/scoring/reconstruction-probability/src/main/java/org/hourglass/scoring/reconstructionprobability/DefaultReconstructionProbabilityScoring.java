package org.hourglass.scoring.reconstructionprobability;

import org.hourglass.spi.HourglassName;
import org.hourglass.spi.ScoringMethod;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/** The instance that exists without configuration: {@code reconstruction-probability} without the KL. */
@Component(service = ScoringMethod.class, configurationPolicy = ConfigurationPolicy.IGNORE)
@HourglassName("reconstruction-probability")
public class DefaultReconstructionProbabilityScoring extends ReconstructionProbabilityScoring {

    public DefaultReconstructionProbabilityScoring() {
        super(false);
    }
}
