package org.hourglass.family.featurechoice;

import java.util.Map;
import org.hourglass.family.topk.blocks.ThresholdSae;
import org.hourglass.spi.AutoencoderFamily;
import org.hourglass.spi.FamilyContext;
import org.hourglass.spi.FamilyOutputs;
import org.hourglass.spi.PluginProperties;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.configurator.annotations.RequireConfigurator;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Feature Choice sparse autoencoder instances configured in the console (factory PID {@value #PID}). */
@RequireConfigurator // default instances: OSGI-INF/configurator/defaults.json
@Component(service = AutoencoderFamily.class, configurationPid = FeatureChoiceFamily.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = PluginProperties.NAME_HINT)
@Designate(ocd = FeatureChoiceFamily.Config.class, factory = true)
public class FeatureChoiceFamily implements AutoencoderFamily {

    static final String PID = "org.hourglass.family.featurechoice";

    @ObjectClassDefinition(name = "Hourglass family: Feature Choice sparse autoencoder",
            description = "pre = W_enc(x - b_pre) + b_enc; in training each latent keeps its m largest entries "
                    + "over the batch's B tokens (ReLU'd; m = k*B/latent.size unless set), so tokens use k latents "
                    + "each on average; at inference a learned threshold per latent (JumpReLU). Unit-norm decoder "
                    + "rows, b_pre at the data mean, "
                    + "AuxK on dead latents. Reports L0, FVU, explained variance, MSE, cosine similarity, dead "
                    + "latents and the threshold per epoch. Use normalization=none.")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "Name pipelines use to pick this family instance.")
        String hourglass_name();

        @AttributeDefinition(name = "k", description = "Mean active latents per sample when m is 0: each latent "
                + "keeps m = floor(k*B/latent.size) of a batch's B tokens (at least 1). k <= latent.size.", min = "1")
        int k() default 32;

        @AttributeDefinition(name = "m", description = "Tokens each latent keeps per batch (at most the batch); "
                + "0 = floor(k*B/latent.size).", min = "0")
        int m() default 0;

        @AttributeDefinition(name = "AuxK latents", description = "How many of the dead latents' largest "
                + "pre-activations reconstruct the residual in the AuxK term; 0 = half the input width.", min = "0")
        int aux_k() default 0;

        @AttributeDefinition(name = "AuxK coefficient", description = "Weight of the AuxK term (0 = off).")
        double aux_coefficient() default 1.0 / 32;

        @AttributeDefinition(name = "Dead after (samples)", description = "A latent that has not fired for this "
                + "many training samples (tokens) in a row counts as dead: it is reported and AuxK trains it.",
                min = "1")
        long dead_tokens() default 100_000;

        @AttributeDefinition(name = "Threshold decay", description = "The inference threshold is a running "
                + "average of each batch's smallest kept value of each latent: threshold <- decay * threshold + (1 - decay) * "
                + "value, in [0, 1).")
        double threshold_decay() default 0.99;
    }

    private final FeatureChoiceSettings settings;

    @Activate
    public FeatureChoiceFamily(Config config) {
        PluginProperties.requireName(config.hourglass_name(), PID);
        this.settings = FeatureChoiceSettings.of(config);
    }

    @Override
    public FamilyOutputs build(FamilyContext context) {
        return FeatureChoiceNetwork.build(settings, context);
    }

    @Override
    public Map<String, Object> summarize(Map<String, double[]> epochMeans) {
        return ThresholdSae.summarize(epochMeans);
    }
}
