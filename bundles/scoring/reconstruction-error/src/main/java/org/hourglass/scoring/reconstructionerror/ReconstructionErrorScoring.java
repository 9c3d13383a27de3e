package org.hourglass.scoring.reconstructionerror;

import java.util.LinkedHashMap;
import java.util.Map;
import org.hourglass.spi.ModelOutputs;
import org.hourglass.spi.PluginProperties;
import org.hourglass.spi.ScoringMethod;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.configurator.annotations.RequireConfigurator;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * Score = the sample's reconstruction error. Fitting records the reference errors' mean and standard deviation
 * (stored with the model, shown as metrics) and the metric, so a stored model keeps scoring the same way.
 */
@RequireConfigurator // default instances: OSGI-INF/configurator/defaults.json
@Component(service = ScoringMethod.class, configurationPid = ReconstructionErrorScoring.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = PluginProperties.NAME_HINT)
@Designate(ocd = ReconstructionErrorScoring.Config.class, factory = true)
public class ReconstructionErrorScoring implements ScoringMethod {

    static final String PID = "org.hourglass.scoring.reconstructionerror";

    @ObjectClassDefinition(name = "Hourglass scoring: reconstruction error",
            description = "Anomaly score = how badly the autoencoder reconstructs a sample.")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "Name pipelines use to pick this scoring instance.")
        String hourglass_name();

        @AttributeDefinition(name = "Metric", description = "Mean squared (mse) or mean absolute (mae) error "
                + "over the sample's entries.",
                options = {@Option(label = "mean squared error", value = "mse"),
                        @Option(label = "mean absolute error", value = "mae")})
        String metric() default "mse";
    }

    private final ErrorMetric metric;

    @Activate
    public ReconstructionErrorScoring(Config config) {
        PluginProperties.requireName(config.hourglass_name(), PID);
        this.metric = ErrorMetric.parse(config.metric());
    }

    ReconstructionErrorScoring(ErrorMetric metric) {
        this.metric = metric;
    }

    @Override
    public Map<String, Object> fit(ModelOutputs reference) {
        double[] e = metric.errors(reference);
        Map<String, Object> stats = ScoringMethod.referenceStatistics("reconstruction-error", e);
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("metric", metric.name().toLowerCase(java.util.Locale.ROOT));
        state.putAll(stats);
        return state;
    }

    @Override
    public double[] score(ModelOutputs batch, Map<String, Object> state) {
        // The stored metric wins over this instance's setting: a model keeps the scores it was fitted with.
        Object stored = state.get("metric");
        ErrorMetric m = stored == null ? metric : ErrorMetric.parse(stored.toString());
        return m.errors(batch);
    }
}
