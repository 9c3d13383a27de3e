package org.hourglass.family.vq;

import org.hourglass.spi.AutoencoderFamily;
import org.hourglass.spi.HourglassName;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/** The instance that exists without configuration: {@code vq} with the defaults of {@link VqFamily.Config}. */
@Component(service = AutoencoderFamily.class, configurationPolicy = ConfigurationPolicy.IGNORE)
@HourglassName("vq")
public class DefaultVqFamily extends VqFamily {

    @Activate
    public DefaultVqFamily(Config config) {
        super(config);
    }
}
