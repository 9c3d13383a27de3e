package org.hourglass.masking.block;

import org.hourglass.spi.HourglassName;
import org.hourglass.spi.MaskingStrategy;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/**
 * The instance that exists without configuration: {@code block}, ratio 0.75, patches of 4x4, blocks of at least 4
 * patches with aspect ratios between 0.3 and 1/0.3.
 */
@Component(service = MaskingStrategy.class, configurationPolicy = ConfigurationPolicy.IGNORE)
@HourglassName("block")
public class DefaultBlockMasking extends BlockMasking {

    @Activate
    public DefaultBlockMasking(Config config) {
        super(config);
    }
}
