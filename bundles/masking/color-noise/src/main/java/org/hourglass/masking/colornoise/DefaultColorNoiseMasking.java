package org.hourglass.masking.colornoise;

import org.hourglass.spi.HourglassName;
import org.hourglass.spi.MaskingStrategy;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/**
 * The instance that exists without configuration: {@code color-noise}, green noise, ratio 0.75, patches of 4x4 and
 * the blur widths of {@link ColorNoiseMasking.Config}. Other colours are factory instances.
 */
@Component(service = MaskingStrategy.class, configurationPolicy = ConfigurationPolicy.IGNORE)
@HourglassName("color-noise")
public class DefaultColorNoiseMasking extends ColorNoiseMasking {

    @Activate
    public DefaultColorNoiseMasking(Config config) {
        super(config);
    }
}
