package org.hourglass.loss.bce;

import org.hourglass.spi.HourglassName;
import org.hourglass.spi.ReconstructionLoss;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/** The instance that exists without configuration: {@code bce}. */
@Component(service = ReconstructionLoss.class, configurationPolicy = ConfigurationPolicy.IGNORE)
@HourglassName("bce")
public class DefaultBceLoss extends BceLoss {

    public DefaultBceLoss() {
        super();
    }
}
