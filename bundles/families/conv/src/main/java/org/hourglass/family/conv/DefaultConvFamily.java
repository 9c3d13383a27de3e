package org.hourglass.family.conv;

import org.hourglass.spi.AutoencoderFamily;
import org.hourglass.spi.HourglassName;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/** The instance that exists without configuration: {@code conv} with the defaults of {@link ConvFamily.Config}. */
@Component(service = AutoencoderFamily.class, configurationPolicy = ConfigurationPolicy.IGNORE)
@HourglassName("conv")
public class DefaultConvFamily extends ConvFamily {

    @Activate
    public DefaultConvFamily(Config config) {
        super(config);
    }
}
