package org.hourglass.family.vae;

import java.util.Map;
import org.hourglass.family.vae.blocks.VaeModel;
import org.hourglass.family.vae.blocks.VaeSpec;
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

/** Variational autoencoder instances configured in the console (factory PID {@value #PID}). */
@RequireConfigurator // default instances: OSGI-INF/configurator/defaults.json
@Component(service = AutoencoderFamily.class, configurationPid = VaeFamily.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = PluginProperties.NAME_HINT)
@Designate(ocd = VaeFamily.Config.class, factory = true)
public class VaeFamily implements AutoencoderFamily {

    static final String PID = "org.hourglass.family.vae";

    @ObjectClassDefinition(name = "Hourglass family: variational autoencoder",
            description = "Gaussian encoder (mean and log-variance heads), reparameterised sampling while training, "
                    + "a mirrored MLP decoder (Gaussian or Bernoulli), a beta-weighted KL term with optional warm-up, "
                    + "a per-epoch posterior-collapse report and an optional one-hot condition (CVAE). The latent "
                    + "output is the mean.")
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

        @AttributeDefinition(name = "Decoder", description = "gaussian: the decoder outputs the mean (train with mse "
                + "or another loss of the mean); bernoulli: the decoder outputs logits and the pipeline's loss must be "
                + "bce (other losses fail the pipeline).",
                options = {@Option(label = "Gaussian", value = "gaussian"), @Option(label = "Bernoulli", value = "bernoulli")})
        String decoder() default "gaussian";

        @AttributeDefinition(name = "Output activation", description = "Gaussian decoder only: linear, or sigmoid for "
                + "outputs in [0, 1]. A Bernoulli decoder always outputs logits.",
                options = {@Option(label = "linear", value = "linear"), @Option(label = "sigmoid", value = "sigmoid")})
        String output_activation() default "linear";

        @AttributeDefinition(name = "Beta", description = "Weight of the KL term, which is divided by the number of "
                + "input entries like the losses (1 = the VAE objective; > 1 = beta-VAE).")
        double beta() default 1.0;

        @AttributeDefinition(name = "KL warm-up steps", description = "Training steps over which the KL weight rises "
                + "linearly from 0 to beta; 0 = no warm-up.")
        int kl_warmup_steps() default 0;

        @AttributeDefinition(name = "Active threshold", description = "A latent dimension is active when its KL "
                + "(nats, epoch mean) exceeds this; reported per epoch as active_dimensions.")
        double active_threshold() default 0.01;

        @AttributeDefinition(name = "Likelihood samples", description = "Draws of z for the log_likelihood output "
                + "that reconstruction-probability scoring reads; 0 = no such output.")
        int likelihood_samples() default 16;

        @AttributeDefinition(name = "Condition classes", description = "CVAE: classes of a one-hot condition "
                + "concatenated to the encoder's and the decoder's input; 0 = unconditional.")
        int condition_classes() default 0;

        @AttributeDefinition(name = "Condition source", description = "CVAE: label (the data source's label; such a "
                + "model trains but cannot serve score requests, which carry no label), feature:<i> (the integer "
                + "value of the sample's i-th feature, 0-based) or column:<name> (the same for the feature the "
                + "training data names so, e.g. a CSV header).")
        String condition_source() default "label";
    }

    private final VaeSpec settings;
    private final String name;

    @Activate
    public VaeFamily(Config config) {
        this.name = PluginProperties.requireName(config.hourglass_name(), PID);
        this.settings = spec(config);
    }

    static VaeSpec spec(Config c) {
        return new VaeSpec(java.util.Arrays.stream(c.hidden_sizes()).asLongStream().toArray(),
                VaeSpec.activation(c.activation(), "activation", false), VaeSpec.decoder(c.decoder()),
                VaeSpec.activation(c.output_activation(), "output.activation", true), c.beta(), c.kl_warmup_steps(),
                c.active_threshold(), c.likelihood_samples(), c.condition_classes(), c.condition_source());
    }

    @Override
    public FamilyOutputs build(FamilyContext context) {
        return VaeNetwork.build(settings, context, name);
    }

    @Override
    public Map<String, Object> summarize(Map<String, double[]> epochMeans) {
        return VaeModel.summarize(epochMeans, settings.activeThreshold());
    }
}
