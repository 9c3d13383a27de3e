package org.hourglass.loss.apre;

import org.hourglass.spi.HourglassName;
import org.hourglass.spi.ReconstructionLoss;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/** The instance that exists without configuration: {@code apre} with the defaults of {@link ApreLoss.Config}. */
@Component(service = ReconstructionLoss.class, configurationPolicy = ConfigurationPolicy.IGNORE)
@HourglassName("apre")
public class DefaultApreLoss extends ApreLoss {

    @Activate
    public DefaultApreLoss(Config config) {
        super(config);
    }
}
