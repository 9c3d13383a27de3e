package org.hourglass.family.topk;

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

/** TopK sparse autoencoder instances configured in the console (factory PID {@value #PID}). */
@RequireConfigurator // default instances: OSGI-INF/configurator/defaults.json
@Component(service = AutoencoderFamily.class, configurationPid = TopkFamily.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = PluginProperties.NAME_HINT)
@Designate(ocd = TopkFamily.Config.class, factory = true)
public class TopkFamily implements AutoencoderFamily {

    static final String PID = "org.hourglass.family.topk";

    @ObjectClassDefinition(name = "Hourglass family: TopK sparse autoencoder",
            description = "z = ReLU(TopK_k(W_enc(x - b_pre) + b_enc)), x' = W_dec z + b_pre, with latent.size "
                    + "latents, unit-norm decoder rows, b_pre started at the data mean and the AuxK loss on dead "
                    + "latents. Reports L0, FVU, explained variance, MSE, cosine similarity and dead latents per "
                    + "epoch. Use normalization=none (b_pre centres the data).")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "Name pipelines use to pick this family instance.")
        String hourglass_name();

        @AttributeDefinition(name = "k", description = "Active latents per sample (<= latent.size).", min = "1")
        int k() default 32;

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

    private final TopkSettings settings;

    @Activate
    public TopkFamily(Config config) {
        PluginProperties.requireName(config.hourglass_name(), PID);
        this.settings = TopkSettings.of(config);
    }

    @Override
    public FamilyOutputs build(FamilyContext context) {
        return TopkNetwork.build(settings, context);
    }

    @Override
    public Map<String, Object> summarize(Map<String, double[]> epochMeans) {
        return TopkNetwork.summarize(epochMeans);
    }
}
