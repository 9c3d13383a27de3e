package org.hourglass.family.vq;

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
import org.osgi.service.metatype.annotations.Option;

/** Vector-quantised autoencoder instances configured in the console (factory PID {@value #PID}). */
@RequireConfigurator // default instances: OSGI-INF/configurator/defaults.json
@Component(service = AutoencoderFamily.class, configurationPid = VqFamily.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = PluginProperties.NAME_HINT)
@Designate(ocd = VqFamily.Config.class, factory = true)
public class VqFamily implements AutoencoderFamily {

    static final String PID = "org.hourglass.family.vq";

    @ObjectClassDefinition(name = "Hourglass family: vector-quantised autoencoder (VQ)",
            description = "A dense autoencoder whose code is cut into vectors of code.dim values, each replaced by "
                    + "the nearest of codebook.size learned code vectors (straight-through gradient, codebook and "
                    + "commitment loss terms, optional EMA codebook and restarts of dead codes). Reports perplexity "
                    + "and dead codes per epoch.")
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
                + "(min-max); linear otherwise (and for bce).",
                options = {@Option(label = "linear", value = "linear"), @Option(label = "sigmoid", value = "sigmoid")})
        String output_activation() default "linear";

        @AttributeDefinition(name = "Codebook size", description = "Number K of code vectors (>= 2).")
        int codebook_size() default 64;

        @AttributeDefinition(name = "Code dimension", description = "Length of one code vector. The pipeline's "
                + "latent.size must be a multiple of it; each sample gets latent.size / code.dim code vectors "
                + "(code.dim = latent.size: one vector per sample).")
        int code_dim() default 4;

        @AttributeDefinition(name = "Codebook range", description = "The code vectors start uniform on "
                + "[-range, range].")
        double codebook_range() default 1.0;

        @AttributeDefinition(name = "Commitment weight (beta)", description = "Weight of the loss term "
                + "mean((z - sg(q))^2) that keeps the encoder's vectors near their codes (0 = off).")
        double beta() default 0.25;

        @AttributeDefinition(name = "EMA codebook", description = "Update the codebook as exponential moving "
                + "averages of the vectors assigned to each code instead of by the optimizer (no codebook loss "
                + "term then).")
        boolean ema() default false;

        @AttributeDefinition(name = "EMA decay", description = "Decay of the moving averages (with EMA), in (0, 1).")
        double ema_decay() default 0.99;

        @AttributeDefinition(name = "Dead-code restart steps", description = "A code not assigned for this many "
                + "training steps in a row is restarted at a randomly picked encoder vector of the batch "
                + "(0 = never).")
        int dead_code_steps() default 0;
    }

    private final VqSettings settings;

    @Activate
    public VqFamily(Config config) {
        PluginProperties.requireName(config.hourglass_name(), PID);
        this.settings = VqSettings.of(config);
    }

    @Override
    public FamilyOutputs build(FamilyContext context) {
        return VqNetwork.build(settings, context);
    }

    @Override
    public Map<String, Object> summarize(Map<String, double[]> epochMeans) {
        return VqNetwork.summarize(epochMeans);
    }
}
