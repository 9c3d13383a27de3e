package org.hourglass.family.transcoder;

import java.util.Map;
import org.hourglass.family.topk.blocks.SaeBlocks;
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

/** TopK transcoder instances configured in the console (factory PID {@value #PID}). */
@RequireConfigurator // default instances: OSGI-INF/configurator/defaults.json
@Component(service = AutoencoderFamily.class, configurationPid = TranscoderFamily.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = PluginProperties.NAME_HINT)
@Designate(ocd = TranscoderFamily.Config.class, factory = true)
public class TranscoderFamily implements AutoencoderFamily {

    static final String PID = "org.hourglass.family.transcoder";

    @ObjectClassDefinition(name = "Hourglass family: TopK transcoder",
            description = "Rows [x | y] of twice the width (onnx-activations with target.tensor): z = ReLU(TopK_k("
                    + "W_enc(x - b_pre) + b_enc)), y' = W_dec z + b_dec, reconstruction [x | y'] with x passed "
                    + "through without gradient, so the pipeline's loss is the error on y (halved by the mean over "
                    + "2d values). Unit-norm decoder rows, b_pre and b_dec started at the data means, AuxK on dead "
                    + "latents; L0, FVU, MSE, cosine similarity and dead latents of y' against y per epoch. Use "
                    + "normalization=none.")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "Name pipelines use to pick this family instance.")
        String hourglass_name();

        @AttributeDefinition(name = "k", description = "Active latents per sample (<= latent.size).", min = "1")
        int k() default 32;

        @AttributeDefinition(name = "AuxK latents", description = "How many of the dead latents' largest "
                + "pre-activations predict the target's residual in the AuxK term; 0 = half the target width.",
                min = "0")
        int aux_k() default 0;

        @AttributeDefinition(name = "AuxK coefficient", description = "Weight of the AuxK term (0 = off).")
        double aux_coefficient() default 1.0 / 32;

        @AttributeDefinition(name = "Dead after (samples)", description = "A latent that has not fired for this "
                + "many training samples (tokens) in a row counts as dead: it is reported and AuxK trains it.",
                min = "1")
        long dead_tokens() default 100_000;
    }

    private final TranscoderSettings settings;

    @Activate
    public TranscoderFamily(Config config) {
        PluginProperties.requireName(config.hourglass_name(), PID);
        this.settings = TranscoderSettings.of(config);
    }

    @Override
    public FamilyOutputs build(FamilyContext context) {
        return TranscoderNetwork.build(settings, context);
    }

    @Override
    public Map<String, Object> summarize(Map<String, double[]> epochMeans) {
        return SaeBlocks.summarize(epochMeans);
    }
}
