package org.hourglass.family.featurechoice;

import org.hourglass.spi.AutoencoderFamily;
import org.hourglass.spi.HourglassName;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;

/** The instance that exists without configuration: {@code feature-choice} with the defaults of its Config. */
@Component(service = AutoencoderFamily.class, configurationPolicy = ConfigurationPolicy.IGNORE)
@HourglassName("feature-choice")
public class DefaultFeatureChoiceFamily extends FeatureChoiceFamily {

    @Activate
    public DefaultFeatureChoiceFamily(Config config) {
        super(config);
    }
}
