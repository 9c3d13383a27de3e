package org.hourglass.masking.random;

import org.hourglass.spi.HourglassName;
import org.hourglass.spi.MaskingStrategy;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/** The instance that exists without configuration: {@code random}, ratio 0.75, patches of 4x4. */
@Component(service = MaskingStrategy.class, configurationPolicy = ConfigurationPolicy.IGNORE)
@HourglassName("random")
public class DefaultRandomMasking extends RandomMasking {

    @Activate
    public DefaultRandomMasking(Config config) {
        super(config);
    }
}
