package org.hourglass.family.vae;

import org.hourglass.spi.AutoencoderFamily;
import org.hourglass.spi.HourglassName;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/** The instance that exists without configuration: {@code vae} with the defaults of {@link VaeFamily.Config}. */
@Component(service = AutoencoderFamily.class, configurationPolicy = ConfigurationPolicy.IGNORE)
@HourglassName("vae")
public class DefaultVaeFamily extends VaeFamily {

    @Activate
    public DefaultVaeFamily(Config config) {
        super(config);
    }
}
