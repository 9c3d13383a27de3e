package org.hourglass.family.dense;

import org.hourglass.spi.AutoencoderFamily;
import org.hourglass.spi.HourglassName;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/** The instance that exists without configuration: {@code dense} with the defaults of {@link DenseFamily.Config}. */
@Component(service = AutoencoderFamily.class, configurationPolicy = ConfigurationPolicy.IGNORE)
@HourglassName("dense")
public class DefaultDenseFamily extends DenseFamily {

    @Activate
    public DefaultDenseFamily(Config config) {
        super(config);
    }
}
