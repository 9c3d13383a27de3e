package org.hourglass.scoring.reconstructionprobability;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
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
 * Score = − the mean log-likelihood of x under the decoder over L draws of z from the posterior, which a variational
 * family computes in its inference model and publishes as {@value #LOG_LIKELIHOOD} (per input entry); optionally
 * plus the family's weighted KL {@value #KL} (then the score is the negative ELBO per entry). Host-side scoring
 * cannot draw z itself: the draws belong in the model so a stored model keeps scoring the same way.
 */
@RequireConfigurator // default instances: OSGI-INF/configurator/defaults.json
@Component(service = ScoringMethod.class, configurationPid = ReconstructionProbabilityScoring.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = PluginProperties.NAME_HINT)
@Designate(ocd = ReconstructionProbabilityScoring.Config.class, factory = true)
public class ReconstructionProbabilityScoring implements ScoringMethod {

    static final String PID = "org.hourglass.scoring.reconstructionprobability";
    /** Model output: per sample, the mean over draws of z of log p(x | z) per input entry. */
    static final String LOG_LIKELIHOOD = "log_likelihood";
    /** Model output: per sample, the family's weighted KL divergence per input entry. */
    static final String KL = "kl";

    @ObjectClassDefinition(name = "Hourglass scoring: reconstruction probability",
            description = "For variational families (vae, ce-vae): anomaly score = − mean log-likelihood of the "
                    + "sample under the decoder over the family's draws of z (its likelihood.samples, default 16).")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "Name pipelines use to pick this scoring instance.")
        String hourglass_name();

        @AttributeDefinition(name = "Include KL", description = "Add the family's weighted KL term (beta · KL per "
                + "entry): the score becomes the negative ELBO, ce-vae's sample score.")
        boolean include_kl() default false;
    }

    private final boolean includeKl;

    @Activate
    public ReconstructionProbabilityScoring(Config config) {
        PluginProperties.requireName(config.hourglass_name(), PID);
        this.includeKl = config.include_kl();
    }

    ReconstructionProbabilityScoring(boolean includeKl) {
        this.includeKl = includeKl;
    }

    @Override
    public Set<String> requiredOutputs() {
        return includeKl ? Set.of(LOG_LIKELIHOOD, KL) : Set.of(LOG_LIKELIHOOD);
    }

    @Override
    public Map<String, Object> fit(ModelOutputs reference) {
        double[] s = scores(reference, includeKl);
        Map<String, Object> stats = ScoringMethod.referenceStatistics("reconstruction-probability", s);
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("include_kl", includeKl);
        state.putAll(stats);
        return state;
    }

    @Override
    public double[] score(ModelOutputs batch, Map<String, Object> state) {
        // The stored setting wins over this instance's: a model keeps the scores it was fitted with.
        Object stored = state.get("include_kl");
        return scores(batch, stored == null ? includeKl : Boolean.parseBoolean(stored.toString()));
    }

    static double[] scores(ModelOutputs batch, boolean withKl) {
        Samples ll = perSample(batch, LOG_LIKELIHOOD);
        Samples kl = withKl ? perSample(batch, KL) : null;
        double[] s = new double[ll.count()];
        for (int i = 0; i < s.length; i++) {
            s[i] = -ll.values()[i] + (kl == null ? 0 : kl.values()[i]);
        }
        return s;
    }

    private static Samples perSample(ModelOutputs batch, String name) {
        if (!batch.outputs().containsKey(name)) {
            throw new IllegalArgumentException("reconstruction-probability scoring needs the model output '" + name
                    + "', which only variational families (vae, ce-vae with likelihood.samples > 0) publish; have "
                    + batch.outputs().keySet());
        }
        Samples s = batch.output(name);
        if (s.width() != 1 || s.count() != batch.input().count()) {
            throw new IllegalArgumentException("model output '" + name + "' has " + s.count() + "x" + s.width()
                    + " values; expected one per sample (" + batch.input().count() + ")");
        }
        return s;
    }
}
