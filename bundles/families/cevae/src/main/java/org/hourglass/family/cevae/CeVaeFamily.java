package org.hourglass.family.cevae;

import java.util.Arrays;
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

/** Context-encoding VAE instances configured in the console (factory PID {@value #PID}). */
@RequireConfigurator // default instances: OSGI-INF/configurator/defaults.json
@Component(service = AutoencoderFamily.class, configurationPid = CeVaeFamily.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = PluginProperties.NAME_HINT)
@Designate(ocd = CeVaeFamily.Config.class, factory = true)
public class CeVaeFamily implements AutoencoderFamily {

    static final String PID = "org.hourglass.family.cevae";

    @ObjectClassDefinition(name = "Hourglass family: context-encoding VAE",
            description = "A VAE trained on the clean input and, at once, to restore inputs in which 0-3 random "
                    + "rectangles are filled with noise (weight c). Its model also outputs an anomaly map, "
                    + "normalised |dKL/dx| times the squared reconstruction error.")
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

        @AttributeDefinition(name = "Decoder", description = "gaussian (the decoder outputs the mean) or bernoulli "
                + "(logits; the pipeline's loss must be bce).",
                options = {@Option(label = "Gaussian", value = "gaussian"), @Option(label = "Bernoulli", value = "bernoulli")})
        String decoder() default "gaussian";

        @AttributeDefinition(name = "Output activation", description = "Gaussian decoder only: linear, or sigmoid for "
                + "outputs in [0, 1].",
                options = {@Option(label = "linear", value = "linear"), @Option(label = "sigmoid", value = "sigmoid")})
        String output_activation() default "linear";

        @AttributeDefinition(name = "Beta", description = "Weight of the KL term (divided by the number of input "
                + "entries like the losses).")
        double beta() default 1.0;

        @AttributeDefinition(name = "Context weight", description = "c in (1 - c) * VAE loss + c * context-encoder "
                + "loss, in [0, 1); 0 trains a plain VAE.")
        double context_weight() default 0.5;

        @AttributeDefinition(name = "KL warm-up steps", description = "Training steps over which the KL weight rises "
                + "linearly from 0 to beta; 0 = no warm-up.")
        int kl_warmup_steps() default 0;

        @AttributeDefinition(name = "Active threshold", description = "A latent dimension is active when its KL "
                + "(nats, epoch mean) exceeds this; reported per epoch as active_dimensions.")
        double active_threshold() default 0.01;

        @AttributeDefinition(name = "Likelihood samples", description = "Draws of z for the log_likelihood output "
                + "that reconstruction-probability scoring reads; 0 = no such output.")
        int likelihood_samples() default 16;
    }

    private final VaeSpec spec;
    private final double contextWeight;
    private final String name;

    @Activate
    public CeVaeFamily(Config c) {
        this.name = PluginProperties.requireName(c.hourglass_name(), PID);
        this.spec = new VaeSpec(Arrays.stream(c.hidden_sizes()).asLongStream().toArray(),
                VaeSpec.activation(c.activation(), "activation", false), VaeSpec.decoder(c.decoder()),
                VaeSpec.activation(c.output_activation(), "output.activation", true), c.beta(), c.kl_warmup_steps(),
                c.active_threshold(), c.likelihood_samples(), 0, "");
        this.contextWeight = checkWeight(c.context_weight());
    }

    static double checkWeight(double c) {
        if (!(c >= 0 && c < 1)) {
            throw new IllegalArgumentException("context.weight must be in [0, 1), was " + c);
        }
        return c;
    }

    @Override
    public FamilyOutputs build(FamilyContext context) {
        return CeVaeNetwork.build(spec, contextWeight, context, name);
    }

    @Override
    public Map<String, Object> summarize(Map<String, double[]> epochMeans) {
        return VaeModel.summarize(epochMeans, spec.activeThreshold());
    }
}
