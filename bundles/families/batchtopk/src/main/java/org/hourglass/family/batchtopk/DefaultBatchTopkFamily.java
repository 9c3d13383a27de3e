package org.hourglass.family.batchtopk;

import org.hourglass.spi.AutoencoderFamily;
import org.hourglass.spi.HourglassName;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/** The instance that exists without configuration: {@code batchtopk} with the defaults of its Config. */
@Component(service = AutoencoderFamily.class, configurationPolicy = ConfigurationPolicy.IGNORE)
@HourglassName("batchtopk")
public class DefaultBatchTopkFamily extends BatchTopkFamily {

    @Activate
    public DefaultBatchTopkFamily(Config config) {
        super(config);
    }
}
