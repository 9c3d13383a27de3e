package org.hourglass.family.batchtopk;

import java.util.Map;
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

/** BatchTopK sparse autoencoder instances configured in the console (factory PID {@value #PID}). */
@RequireConfigurator // default instances: OSGI-INF/configurator/defaults.json
@Component(service = AutoencoderFamily.class, configurationPid = BatchTopkFamily.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = PluginProperties.NAME_HINT)
@Designate(ocd = BatchTopkFamily.Config.class, factory = true)
public class BatchTopkFamily implements AutoencoderFamily {

    static final String PID = "org.hourglass.family.batchtopk";

    @ObjectClassDefinition(name = "Hourglass family: BatchTopK sparse autoencoder",
            description = "Training keeps the k*B largest pre-activations of a batch of B samples (ReLU'd), so k "
                    + "latents per sample on average; a threshold learnt as the running average of the smallest "
                    + "kept activation replaces the batch selection in the inference model (z = pre if pre > "
                    + "threshold, else 0). Unit-norm decoder rows, b_pre started at the data mean, AuxK on dead "
                    + "latents; L0, FVU, MSE, cosine similarity, dead latents and the threshold per epoch. Use "
                    + "normalization=none.")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "Name pipelines use to pick this family instance.")
        String hourglass_name();

        @AttributeDefinition(name = "k", description = "Mean active latents per sample (<= latent.size).",
                min = "1")
        int k() default 32;

        @AttributeDefinition(name = "Threshold momentum", description = "Weight of the previous threshold in "
                + "its running average (theta <- m * theta + (1 - m) * smallest kept activation); in [0, 1).")
        double threshold_momentum() default 0.99;

        @AttributeDefinition(name = "AuxK latents", description = "How many of the dead latents' largest "
                + "pre-activations reconstruct the residual in the AuxK term; 0 = half the input width.", min = "0")
        int aux_k() default 0;

        @AttributeDefinition(name = "AuxK coefficient", description = "Weight of the AuxK term (0 = off).")
        double aux_coefficient() default 1.0 / 32;

        @AttributeDefinition(name = "Dead after (samples)", description = "A latent that has not fired for this "
                + "many training samples (tokens) in a row counts as dead: it is reported and AuxK trains it.",
                min = "1")
        long dead_tokens() default 100_000;
    }

    private final BatchTopkSettings settings;

    @Activate
    public BatchTopkFamily(Config config) {
        PluginProperties.requireName(config.hourglass_name(), PID);
        this.settings = BatchTopkSettings.of(config);
    }

    @Override
    public FamilyOutputs build(FamilyContext context) {
        return BatchTopkNetwork.build(settings, context);
    }

    @Override
    public Map<String, Object> summarize(Map<String, double[]> epochMeans) {
        return BatchTopkNetwork.summarize(epochMeans);
    }
}
