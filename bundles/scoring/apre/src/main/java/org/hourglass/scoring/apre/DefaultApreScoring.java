package org.hourglass.scoring.apre;

import org.hourglass.spi.HourglassName;
import org.hourglass.spi.ScoringMethod;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/** The instance that exists without configuration: {@code apre} with alpha 0.5 and beta 2. */
@Component(service = ScoringMethod.class, configurationPolicy = ConfigurationPolicy.IGNORE)
@HourglassName("apre")
public class DefaultApreScoring extends ApreScoring {

    @Activate
    public DefaultApreScoring(Config config) {
        super(config);
    }
}
