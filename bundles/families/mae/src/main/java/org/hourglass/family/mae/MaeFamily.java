package org.hourglass.family.mae;

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
import org.osgi.service.metatype.annotations.Option;

/** Masked autoencoder instances configured in the console (factory PID {@value #PID}). */
@RequireConfigurator // default instances: OSGI-INF/configurator/defaults.json
@Component(service = AutoencoderFamily.class, configurationPid = MaeFamily.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = PluginProperties.NAME_HINT)
@Designate(ocd = MaeFamily.Config.class, factory = true)
public class MaeFamily implements AutoencoderFamily {

    static final String PID = "org.hourglass.family.mae";

    @ObjectClassDefinition(name = "Hourglass family: masked autoencoder",
            description = "Cuts images [H, W] or [C, H, W] into square patches; a small Vision-Transformer encoder "
                    + "sees only the patches the pipeline's masking strategy leaves visible, a lighter decoder "
                    + "predicts the hidden ones from the encoder's tokens and a learned mask token. Needs a masking "
                    + "strategy with the same patch size and mask ratio. The latent output is the mean of the "
                    + "encoder's tokens over all patches (size embed.dim); patch_error is the per-patch error.")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "Name pipelines use to pick this family instance.")
        String hourglass_name();

        @AttributeDefinition(name = "Patch size", description = "Side of the square patches in pixels; must divide "
                + "the image's height and width and equal the masking strategy's patch.size.")
        int patch_size() default 4;

        @AttributeDefinition(name = "Mask ratio", description = "Fraction of patches hidden while training; must "
                + "equal the masking strategy's mask.ratio (the encoder takes round((1 - ratio) * patches) "
                + "patches, the most visible ones).")
        double mask_ratio() default 0.75;

        @AttributeDefinition(name = "Embedding width", description = "Width of the encoder's tokens and of the "
                + "latent output.")
        int embed_dim() default 64;

        @AttributeDefinition(name = "Encoder depth", description = "Number of encoder transformer blocks.")
        int depth() default 3;

        @AttributeDefinition(name = "Encoder heads", description = "Attention heads of the encoder; must divide "
                + "embed.dim.")
        int heads() default 4;

        @AttributeDefinition(name = "Decoder width", description = "Width of the decoder's tokens.")
        int decoder_dim() default 32;

        @AttributeDefinition(name = "Decoder depth", description = "Number of decoder transformer blocks (0: a "
                + "linear prediction head only).")
        int decoder_depth() default 1;

        @AttributeDefinition(name = "Decoder heads", description = "Attention heads of the decoder; must divide "
                + "decoder.dim.")
        int decoder_heads() default 4;

        @AttributeDefinition(name = "MLP ratio", description = "Hidden width of each block's GELU MLP as a multiple "
                + "of the token width.")
        int mlp_ratio() default 2;

        @AttributeDefinition(name = "Positions", description = "Positional embeddings: fixed 2-D sine-cosine "
                + "(needs widths divisible by 4) or learned.",
                options = {@Option(label = "sine-cosine", value = "sincos"), @Option(label = "learned", value = "learned")})
        String positions() default "sincos";

        @AttributeDefinition(name = "Output activation", description = "linear for normalised pixels of any range; "
                + "sigmoid for [0, 1] inputs.",
                options = {@Option(label = "linear", value = "linear"), @Option(label = "sigmoid", value = "sigmoid")})
        String output_activation() default "linear";
    }

    private final MaeSettings settings;

    @Activate
    public MaeFamily(Config config) {
        PluginProperties.requireName(config.hourglass_name(), PID);
        this.settings = MaeSettings.of(config);
    }

    @Override
    public FamilyOutputs build(FamilyContext context) {
        return MaeNetwork.build(settings, context);
    }
}
