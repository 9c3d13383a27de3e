package org.hourglass.scoring.meanshift;

import org.hourglass.api.executor.OnnxExecutor;
import org.hourglass.spi.HourglassName;
import org.hourglass.spi.ScoringMethod;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;

/** The instance that exists without configuration: {@code mean-shift} with k=5, t=1, metric mse. */
@Component(service = ScoringMethod.class, configurationPolicy = ConfigurationPolicy.IGNORE)
@HourglassName("mean-shift")
public class DefaultMeanShiftScoring extends MeanShiftScoring {

    @Activate
    public DefaultMeanShiftScoring(Config config, @Reference(name = "executor") OnnxExecutor executor) {
        super(config, executor);
    }
}
