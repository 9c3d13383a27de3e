package org.hourglass.loss.huber;

import org.hourglass.spi.HourglassName;
import org.hourglass.spi.ReconstructionLoss;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/** The instance that exists without configuration: {@code huber} with the defaults of {@link HuberLoss.Config}. */
@Component(service = ReconstructionLoss.class, configurationPolicy = ConfigurationPolicy.IGNORE)
@HourglassName("huber")
public class DefaultHuberLoss extends HuberLoss {

    @Activate
    public DefaultHuberLoss(Config config) {
        super(config);
    }
}
