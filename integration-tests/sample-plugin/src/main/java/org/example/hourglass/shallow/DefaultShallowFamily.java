package org.example.hourglass.shallow;

import org.hourglass.spi.AutoencoderFamily;
import org.hourglass.spi.HourglassName;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/**
 * The instance that exists as soon as the bundle starts, without any configuration: {@code shallow} with the
 * defaults of {@link ShallowFamily.Config}. DS fills the annotation's defaults in since the configuration is
 * ignored.
 */
@Component(service = AutoencoderFamily.class, configurationPolicy = ConfigurationPolicy.IGNORE)
@HourglassName("shallow")
public class DefaultShallowFamily extends ShallowFamily {

    @Activate
    public DefaultShallowFamily(Config config) {
        super(config);
    }
}
