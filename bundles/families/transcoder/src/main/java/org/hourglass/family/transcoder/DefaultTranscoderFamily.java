package org.hourglass.family.transcoder;

import org.hourglass.spi.AutoencoderFamily;
import org.hourglass.spi.HourglassName;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/** The instance that exists without configuration: {@code transcoder} with the defaults of its Config. */
@Component(service = AutoencoderFamily.class, configurationPolicy = ConfigurationPolicy.IGNORE)
@HourglassName("transcoder")
public class DefaultTranscoderFamily extends TranscoderFamily {

    @Activate
    public DefaultTranscoderFamily(Config config) {
        super(config);
    }
}
