package org.hourglass.family.dense;

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

/** Dense autoencoder instances configured in the console (factory PID {@value #PID}). */
@RequireConfigurator // default instances: OSGI-INF/configurator/defaults.json
@Component(service = AutoencoderFamily.class, configurationPid = DenseFamily.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = PluginProperties.NAME_HINT)
@Designate(ocd = DenseFamily.Config.class, factory = true)
public class DenseFamily implements AutoencoderFamily {

    static final String PID = "org.hourglass.family.dense";

    @ObjectClassDefinition(name = "Hourglass family: dense autoencoder",
            description = "An MLP encoder to the latent size and a mirrored decoder; optionally denoising, with "
                    + "dropout, a variance head or a contractive penalty.")
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

        @AttributeDefinition(name = "Output activation", description = "sigmoid for inputs normalised to [0, 1] "
                + "(min-max); linear otherwise.",
                options = {@Option(label = "linear", value = "linear"), @Option(label = "sigmoid", value = "sigmoid")})
        String output_activation() default "linear";

        @AttributeDefinition(name = "Dropout", description = "Probability of dropping a hidden unit while training "
                + "(0 = off).")
        double dropout() default 0;

        @AttributeDefinition(name = "Denoising noise", description = "Corruption of the input while training: "
                + "none, gaussian (added noise) or masking (entries set to 0).",
                options = {@Option(label = "none", value = "none"), @Option(label = "Gaussian", value = "gaussian"),
                        @Option(label = "masking", value = "masking")})
        String noise() default "none";

        @AttributeDefinition(name = "Noise level", description = "Standard deviation (gaussian) or probability of "
                + "masking an entry (masking).")
        double noise_level() default 0.1;

        @AttributeDefinition(name = "Variance head", description = "Adds a second decoder head that predicts a "
                + "per-entry variance (softplus + 1e-6), published as the output log_variance for losses and "
                + "scorings that use it (apre).")
        boolean variance_head() default false;

        @AttributeDefinition(name = "Contractive weight", description = "Weight lambda of the contractive penalty "
                + "lambda * mean ||J(x)||_F^2 on the encoder's Jacobian (x to latent), added as the loss term 'contractive' "
                + "while training (0 = off). Exact for up to one hidden layer; estimated with random projections "
                + "for deeper encoders.")
        double contractive_weight() default 0;

        @AttributeDefinition(name = "Contractive projections", description = "Random directions per sample of the "
                + "contractive penalty's estimate E||J u||^2 for encoders with two or more hidden layers (ignored "
                + "otherwise).")
        int contractive_projections() default 4;
    }

    private final DenseSettings settings;

    @Activate
    public DenseFamily(Config config) {
        PluginProperties.requireName(config.hourglass_name(), PID);
        this.settings = DenseSettings.of(config);
    }

    @Override
    public FamilyOutputs build(FamilyContext context) {
        return DenseNetwork.build(settings, context);
    }
}
