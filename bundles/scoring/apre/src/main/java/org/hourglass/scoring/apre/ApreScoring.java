package org.hourglass.scoring.apre;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.hourglass.spi.FamilyOutputs;
import org.hourglass.spi.ModelOutputs;
import org.hourglass.spi.PluginProperties;
import org.hourglass.spi.Samples;
import org.hourglass.spi.ScoringMethod;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.configurator.annotations.RequireConfigurator;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Score = {@code alpha * mean_j (x_j - r_j)² / σ²_j + beta * mean_j log σ²_j}, σ² from the model's
 * {@code log_variance} output (a family with a variance head). Fitting records the reference scores' mean and
 * standard deviation and alpha/beta; the stored alpha/beta win at scoring time, so a stored model keeps its scores.
 */
@RequireConfigurator // default instances: OSGI-INF/configurator/defaults.json
@Component(service = ScoringMethod.class, configurationPid = ApreScoring.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = PluginProperties.NAME_HINT)
@Designate(ocd = ApreScoring.Config.class, factory = true)
public class ApreScoring implements ScoringMethod {

    static final String PID = "org.hourglass.scoring.apre";

    @ObjectClassDefinition(name = "Hourglass scoring: APRE",
            description = "Anomaly score = alpha * mean (x - r)² / σ² + beta * mean log σ² over the sample's entries, "
                    + "with σ² the model's predicted variance (needs a family with a variance head).")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "Name pipelines use to pick this scoring instance.")
        String hourglass_name();

        @AttributeDefinition(name = "Alpha", description = "Weight of the precision-weighted squared error (>= 0).")
        double alpha() default 0.5;

        @AttributeDefinition(name = "Beta", description = "Weight of the mean log-variance (>= 0).")
        double beta() default 2.0;
    }

    private final double alpha;
    private final double beta;

    @Activate
    public ApreScoring(Config config) {
        this(named(config).alpha(), config.beta());
    }

    ApreScoring(double alpha, double beta) {
        this.alpha = check("alpha", alpha);
        this.beta = check("beta", beta);
    }

    private static Config named(Config config) {
        PluginProperties.requireName(config.hourglass_name(), PID);
        return config;
    }

    private static double check(String name, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(name + " must be a finite number >= 0, was " + value);
        }
        return value;
    }

    @Override
    public Set<String> requiredOutputs() {
        return Set.of(ModelOutputs.RECONSTRUCTION, FamilyOutputs.LOG_VARIANCE);
    }

    @Override
    public Map<String, Object> fit(ModelOutputs reference) {
        double[] s = scores(reference, alpha, beta);
        Map<String, Object> stats = ScoringMethod.referenceStatistics("apre", s);
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("alpha", alpha);
        state.put("beta", beta);
        state.putAll(stats);
        return state;
    }

    @Override
    public double[] score(ModelOutputs batch, Map<String, Object> state) {
        // The stored weights win over this instance's settings: a model keeps the scores it was fitted with.
        return scores(batch, stored(state, "alpha", alpha), stored(state, "beta", beta));
    }

    private static double stored(Map<String, Object> state, String key, double fallback) {
        Object v = state.get(key);
        return v instanceof Number n ? n.doubleValue() : v == null ? fallback : Double.parseDouble(v.toString());
    }

    static double[] scores(ModelOutputs batch, double alpha, double beta) {
        Samples x = batch.input();
        Samples r = batch.output(ModelOutputs.RECONSTRUCTION);
        Samples lv = batch.output(FamilyOutputs.LOG_VARIANCE);
        for (Samples o : new Samples[] {r, lv}) {
            if (o.width() != x.width() || o.count() != x.count()) {
                throw new IllegalArgumentException("model outputs have " + o.count() + "x" + o.width()
                        + " values, input " + x.count() + "x" + x.width());
            }
        }
        int w = x.width();
        double[] s = new double[x.count()];
        for (int i = 0; i < s.length; i++) {
            double err = 0;
            double logVar = 0;
            for (int j = i * w; j < (i + 1) * w; j++) {
                double d = x.values()[j] - r.values()[j];
                err += d * d * Math.exp(-lv.values()[j]);
                logVar += lv.values()[j];
            }
            s[i] = alpha * err / w + beta * logVar / w;
        }
        return s;
    }
}
