package org.hourglass.family.qlae;

import org.hourglass.spi.AutoencoderFamily;
import org.hourglass.spi.HourglassName;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/** The instance that exists without configuration: {@code qlae} with the defaults of {@link QlaeFamily.Config}. */
@Component(service = AutoencoderFamily.class, configurationPolicy = ConfigurationPolicy.IGNORE,
        property = {QlaeFamily.RECOMMENDED_OPTIMIZER, QlaeFamily.RECOMMENDED_WEIGHT_DECAY})
@HourglassName("qlae")
public class DefaultQlaeFamily extends QlaeFamily {

    @Activate
    public DefaultQlaeFamily(Config config) {
        super(config);
    }
}
