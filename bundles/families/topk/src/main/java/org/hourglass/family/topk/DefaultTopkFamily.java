package org.hourglass.family.topk;

import org.hourglass.spi.AutoencoderFamily;
import org.hourglass.spi.HourglassName;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/** The instance that exists without configuration: {@code topk} with the defaults of {@link TopkFamily.Config}. */
@Component(service = AutoencoderFamily.class, configurationPolicy = ConfigurationPolicy.IGNORE)
@HourglassName("topk")
public class DefaultTopkFamily extends TopkFamily {

    @Activate
    public DefaultTopkFamily(Config config) {
        super(config);
    }
}
