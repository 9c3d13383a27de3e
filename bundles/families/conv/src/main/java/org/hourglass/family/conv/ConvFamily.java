package org.hourglass.family.conv;

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

/** Convolutional autoencoder instances configured in the console (factory PID {@value #PID}). */
@RequireConfigurator // default instances: OSGI-INF/configurator/defaults.json
@Component(service = AutoencoderFamily.class, configurationPid = ConvFamily.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = PluginProperties.NAME_HINT)
@Designate(ocd = ConvFamily.Config.class, factory = true)
public class ConvFamily implements AutoencoderFamily {

    static final String PID = "org.hourglass.family.conv";

    @ObjectClassDefinition(name = "Hourglass family: convolutional autoencoder",
            description = "Strided convolutions to a dense bottleneck of the latent size, and a decoder of "
                    + "transposed convolutions mirroring them back to the input's shape. Needs image samples "
                    + "[H, W] or [C, H, W] of any size.")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "Name pipelines use to pick this family instance.")
        String hourglass_name();

        @AttributeDefinition(name = "Channels", description = "Output channels of the encoder's stride-2 "
                + "convolutions, input side first; each halves the image. The decoder mirrors them.")
        int[] channels() default {16, 32};

        @AttributeDefinition(name = "Kernel size", description = "Side of the convolution kernels (stride 2, "
                + "padding 1).", options = {@Option(label = "3x3", value = "3"), @Option(label = "4x4", value = "4")})
        int kernel_size() default 3;

        @AttributeDefinition(name = "Activation", description = "Activation after each convolution and the "
                + "decoder's dense layer.",
                options = {@Option(label = "ReLU", value = "relu"), @Option(label = "tanh", value = "tanh"),
                        @Option(label = "sigmoid", value = "sigmoid"), @Option(label = "GELU", value = "gelu")})
        String activation() default "relu";

        @AttributeDefinition(name = "Output activation", description = "sigmoid for inputs normalised to [0, 1] "
                + "(min-max) with mse, l1, huber or ms-ssim; linear for bce (which takes logits) or unbounded "
                + "inputs.",
                options = {@Option(label = "sigmoid", value = "sigmoid"), @Option(label = "linear", value = "linear")})
        String output_activation() default "sigmoid";

        @AttributeDefinition(name = "Variance head", description = "Adds a second last transposed convolution that "
                + "predicts a per-pixel variance (softplus + 1e-6), published as the output log_variance for losses "
                + "and scorings that use it (apre).")
        boolean variance_head() default false;
    }

    private final ConvSettings settings;

    @Activate
    public ConvFamily(Config config) {
        PluginProperties.requireName(config.hourglass_name(), PID);
        this.settings = ConvSettings.of(config);
    }

    @Override
    public FamilyOutputs build(FamilyContext context) {
        return ConvNetwork.build(settings, context);
    }
}
