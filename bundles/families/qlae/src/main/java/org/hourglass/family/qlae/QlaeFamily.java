package org.hourglass.family.qlae;

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

/** Quantised-latent autoencoder instances configured in the console (factory PID {@value #PID}). */
@RequireConfigurator // default instances: OSGI-INF/configurator/defaults.json
@Component(service = AutoencoderFamily.class, configurationPid = QlaeFamily.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = {PluginProperties.NAME_HINT,
                QlaeFamily.RECOMMENDED_OPTIMIZER, QlaeFamily.RECOMMENDED_WEIGHT_DECAY})
@Designate(ocd = QlaeFamily.Config.class, factory = true)
public class QlaeFamily implements AutoencoderFamily {

    // QLAE is meant to train with AdamW and strong weight decay; pipelines with optimizer=auto (the default) use it.
    static final String RECOMMENDED_OPTIMIZER = PluginProperties.OPTIMIZER + "=adamw";
    static final String RECOMMENDED_WEIGHT_DECAY = PluginProperties.WEIGHT_DECAY + ":Double=0.1";

    static final String PID = "org.hourglass.family.qlae";

    @ObjectClassDefinition(name = "Hourglass family: quantised-latent autoencoder (QLAE)",
            description = "A dense autoencoder whose code is quantised per dimension to the nearest value of a "
                    + "learned scalar codebook, with a straight-through gradient and quantisation and commitment "
                    + "loss terms. Reports codebook usage per dimension each epoch. Pipelines with optimizer auto "
                    + "(the default) train it with adamw and weight decay 0.1.")
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

        @AttributeDefinition(name = "Codebook size", description = "Number of scalar values in each latent "
                + "dimension's codebook (>= 2).")
        int codebook_size() default 10;

        @AttributeDefinition(name = "Codebook range", description = "The codebooks start evenly spaced on "
                + "[-range, range]; training moves them.")
        double codebook_range() default 0.5;

        @AttributeDefinition(name = "Quantisation weight", description = "Weight of the loss term "
                + "mean((q - sg(z))^2) that moves codebook values towards the encoder's codes (0 = off).")
        double quantization_weight() default 0.01;

        @AttributeDefinition(name = "Commitment weight", description = "Weight of the loss term "
                + "mean((z - sg(q))^2) that keeps the encoder's codes near their codebook values (0 = off).")
        double commitment_weight() default 0.01;
    }

    private final QlaeSettings settings;

    @Activate
    public QlaeFamily(Config config) {
        PluginProperties.requireName(config.hourglass_name(), PID);
        this.settings = QlaeSettings.of(config);
    }

    @Override
    public FamilyOutputs build(FamilyContext context) {
        return QlaeNetwork.build(settings, context);
    }

    @Override
    public Map<String, Object> summarize(Map<String, double[]> epochMeans) {
        return QlaeNetwork.summarize(epochMeans, settings.codebookSize());
    }
}
