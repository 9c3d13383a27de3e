package org.hourglass.family.mae;

import org.hourglass.spi.AutoencoderFamily;
import org.hourglass.spi.HourglassName;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/** The instance that exists without configuration: {@code mae} with the defaults of {@link MaeFamily.Config}. */
@Component(service = AutoencoderFamily.class, configurationPolicy = ConfigurationPolicy.IGNORE)
@HourglassName("mae")
public class DefaultMaeFamily extends MaeFamily {

    @Activate
    public DefaultMaeFamily(Config config) {
        super(config);
    }
}
