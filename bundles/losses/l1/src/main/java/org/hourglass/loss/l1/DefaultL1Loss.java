package org.hourglass.loss.l1;

import org.hourglass.spi.HourglassName;
import org.hourglass.spi.ReconstructionLoss;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/** The instance that exists without configuration: {@code l1}. */
@Component(service = ReconstructionLoss.class, configurationPolicy = ConfigurationPolicy.IGNORE)
@HourglassName("l1")
public class DefaultL1Loss extends L1Loss {

    public DefaultL1Loss() {
        super();
    }
}
