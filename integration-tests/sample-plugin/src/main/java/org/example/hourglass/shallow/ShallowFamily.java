package org.example.hourglass.shallow;

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

/**
 * Shallow autoencoder instances (factory PID {@value #PID}): each factory configuration registers one more family
 * under its {@code hourglass.name}. The default instance {@code shallow} is data, not code: the OSGi Configurator
 * creates its configuration from {@code OSGI-INF/configurator/defaults.json} when the bundle starts
 * ({@code @RequireConfigurator} makes the bundle wait for it); the console, a {@code .cfg} file or the shell add
 * others.
 */
@RequireConfigurator
@Component(service = AutoencoderFamily.class, configurationPid = ShallowFamily.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = PluginProperties.NAME_HINT)
@Designate(ocd = ShallowFamily.Config.class, factory = true)
public class ShallowFamily implements AutoencoderFamily {

    static final String PID = "org.example.hourglass.family.shallow";

    @ObjectClassDefinition(name = "Hourglass family: shallow autoencoder (sample)",
            description = "One hidden layer, the code, with tied or untied weights. With a linear activation it "
                    + "learns the principal subspace of the data, like PCA.")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "Name pipelines use to pick this family instance.")
        String hourglass_name();

        @AttributeDefinition(name = "Tied weights", description = "The decoder uses the transposed encoder "
                + "weights (half the parameters); otherwise it has its own.")
        boolean tied() default true;

        @AttributeDefinition(name = "Code activation", description = "Activation of the code (the latent "
                + "layer); linear makes the model a PCA-like linear autoencoder.",
                options = {@Option(label = "linear", value = "linear"), @Option(label = "tanh", value = "tanh"),
                        @Option(label = "sigmoid", value = "sigmoid"), @Option(label = "ReLU", value = "relu")})
        String activation() default "linear";

        @AttributeDefinition(name = "Output activation", description = "sigmoid for inputs normalised to [0, 1] "
                + "(min-max); linear otherwise.",
                options = {@Option(label = "linear", value = "linear"), @Option(label = "sigmoid", value = "sigmoid")})
        String output_activation() default "sigmoid";
    }

    private final ShallowSettings settings;

    @Activate
    public ShallowFamily(Config config) {
        PluginProperties.requireName(config.hourglass_name(), PID);
        this.settings = ShallowSettings.of(config);
    }

    @Override
    public FamilyOutputs build(FamilyContext context) {
        return ShallowNetwork.build(settings, context);
    }
}
