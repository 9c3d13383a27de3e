package org.hourglass.loss.msssim;

import org.hourglass.spi.HourglassName;
import org.hourglass.spi.ReconstructionLoss;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/** The instance that exists without configuration: {@code ms-ssim} with the defaults of {@link MsSsimLoss.Config}. */
@Component(service = ReconstructionLoss.class, configurationPolicy = ConfigurationPolicy.IGNORE)
@HourglassName("ms-ssim")
public class DefaultMsSsimLoss extends MsSsimLoss {

    @Activate
    public DefaultMsSsimLoss(Config config) {
        super(config);
    }
}
