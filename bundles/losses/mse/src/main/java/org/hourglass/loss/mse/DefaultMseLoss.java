package org.hourglass.loss.mse;

import org.hourglass.spi.HourglassName;
import org.hourglass.spi.ReconstructionLoss;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/** The instance that exists without configuration: {@code mse}. */
@Component(service = ReconstructionLoss.class, configurationPolicy = ConfigurationPolicy.IGNORE)
@HourglassName("mse")
public class DefaultMseLoss extends MseLoss {

    public DefaultMseLoss() {
        super();
    }
}
