package org.hourglass.family.mutualchoice;

import org.hourglass.spi.AutoencoderFamily;
import org.hourglass.spi.HourglassName;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/** The instance that exists without configuration: {@code mutual-choice} with the defaults of its Config. */
@Component(service = AutoencoderFamily.class, configurationPolicy = ConfigurationPolicy.IGNORE)
@HourglassName("mutual-choice")
public class DefaultMutualChoiceFamily extends MutualChoiceFamily {

    @Activate
    public DefaultMutualChoiceFamily(Config config) {
        super(config);
    }
}
