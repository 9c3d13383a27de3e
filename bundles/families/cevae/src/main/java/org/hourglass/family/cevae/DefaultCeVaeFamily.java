package org.hourglass.family.cevae;

import org.hourglass.spi.AutoencoderFamily;
import org.hourglass.spi.HourglassName;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/** The instance that exists without configuration: {@code ce-vae} with the defaults of {@link CeVaeFamily.Config}. */
@Component(service = AutoencoderFamily.class, configurationPolicy = ConfigurationPolicy.IGNORE)
@HourglassName("ce-vae")
public class DefaultCeVaeFamily extends CeVaeFamily {

    @Activate
    public DefaultCeVaeFamily(Config config) {
        super(config);
    }
}
