package org.hourglass.family.vae;

import org.hourglass.spi.AutoencoderFamily;
import org.hourglass.spi.FamilyContext;
import org.hourglass.spi.FamilyOutputs;
import org.hourglass.spi.PluginProperties;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/** Variational autoencoder instances configured in the console (factory PID {@value #PID}). */
@Component(service = AutoencoderFamily.class, configurationPid = VaeFamily.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = PluginProperties.NAME_HINT)
@Designate(ocd = VaeFamily.Config.class, factory = true)
public class VaeFamily implements AutoencoderFamily {

    static final String PID = "org.hourglass.family.vae";

    @ObjectClassDefinition(name = "Hourglass family: variational autoencoder",
            description = "Gaussian encoder (mean and log-variance heads), reparameterised sampling while training, "
                    + "a mirrored MLP decoder, and a beta-weighted KL term. The latent output is the mean.")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "Name pipelines use to pick this family instance.")
        String hourglass_name();

        @AttributeDefinition(name = "Hidden sizes", description = "Widths of the encoder's hidden layers, input side "
                + "first; the decoder mirrors them.")
        int[] hidden_sizes() default {256};

        @AttributeDefinition(name = "Activation", description = "Activation after each hidden layer.",
                options = {@Option(label = "ReLU", value = "relu"), @Option(label = "tanh", value = "tanh"),
                        @Option(label = "sigmoid", value = "sigmoid"), @Option(label = "GELU", value = "gelu")})
        String activation() default "relu";

        @AttributeDefinition(name = "Output activation", description = "linear for a Gaussian decoder (with mse) or "
                + "for a Bernoulli decoder whose logits go to the bce loss; sigmoid for [0, 1] outputs with mse.",
                options = {@Option(label = "linear", value = "linear"), @Option(label = "sigmoid", value = "sigmoid")})
        String output_activation() default "linear";

        @AttributeDefinition(name = "Beta", description = "Weight of the KL term (1 = the VAE objective; > 1 = "
                + "beta-VAE).")
        double beta() default 1.0;
    }

    private final VaeSettings settings;

    @Activate
    public VaeFamily(Config config) {
        PluginProperties.requireName(config.hourglass_name(), PID);
        this.settings = VaeSettings.of(config);
    }

    @Override
    public FamilyOutputs build(FamilyContext context) {
        return VaeNetwork.build(settings, context);
    }
}
