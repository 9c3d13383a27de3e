package org.hourglass.scoring.latentknn;

import org.hourglass.api.executor.OnnxExecutor;
import org.hourglass.spi.HourglassName;
import org.hourglass.spi.ScoringMethod;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;

/** The instance that exists without configuration: {@code latent-knn} with k=5, Euclidean, 10,000 codes. */
@Component(service = ScoringMethod.class, configurationPolicy = ConfigurationPolicy.IGNORE)
@HourglassName("latent-knn")
public class DefaultLatentKnnScoring extends LatentKnnScoring {

    @Activate
    public DefaultLatentKnnScoring(Config config, @Reference(name = "executor") OnnxExecutor executor) {
        super(config, executor);
    }
}
