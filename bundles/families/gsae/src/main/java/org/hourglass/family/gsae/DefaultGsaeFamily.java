package org.hourglass.family.gsae;

import org.hourglass.spi.AutoencoderFamily;
import org.hourglass.spi.HourglassName;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/** The instance that exists without configuration: {@code g-sae} with the defaults of {@link GsaeFamily.Config}. */
@Component(service = AutoencoderFamily.class, configurationPolicy = ConfigurationPolicy.IGNORE)
@HourglassName("g-sae")
public class DefaultGsaeFamily extends GsaeFamily {

    @Activate
    public DefaultGsaeFamily(Config config) {
        super(config);
    }
}
