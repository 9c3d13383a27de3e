package org.hourglass.family.gsae;

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

/** Gradient-aware TopK SAE instances configured in the console (factory PID {@value #PID}). */
@RequireConfigurator // default instances: OSGI-INF/configurator/defaults.json
@Component(service = AutoencoderFamily.class, configurationPid = GsaeFamily.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = PluginProperties.NAME_HINT)
@Designate(ocd = GsaeFamily.Config.class, factory = true)
public class GsaeFamily implements AutoencoderFamily {

    static final String PID = "org.hourglass.family.gsae";

    @ObjectClassDefinition(name = "Hourglass family: gradient-aware TopK sparse autoencoder (g-sae)",
            description = "Reads rows [x | g] or [x | g_1 .. g_r] (an onnx-activations source with "
                    + "gradient=embedding) and keeps the k latents with the largest z + beta z s, where "
                    + "z = ReLU(W_enc(x - b_pre) + b_enc) and s the first-order change of the sentence embedding per "
                    + "unit of each latent's decoder direction (exact from g, estimated from r random probes). "
                    + "Reconstructs x only; unit-norm decoder rows, b_pre at the data mean, AuxK on dead latents, "
                    + "the topk metrics plus swapped latents per epoch. Use normalization=none.")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "Name pipelines use to pick this family instance.")
        String hourglass_name();

        @AttributeDefinition(name = "k", description = "Active latents per sample (<= latent.size).", min = "1")
        int k() default 32;

        @AttributeDefinition(name = "beta", description = "Weight of the embedding sensitivity in the selection "
                + "score z (1 + beta s); 0 = plain TopK. s is in the embedding's units per unit of activation "
                + "(about 0.002 to 0.02 for MiniLM's last layer), so useful values are in the hundreds.", min = "0")
        double beta() default 100;

        @AttributeDefinition(name = "AuxK latents", description = "How many of the dead latents' largest "
                + "pre-activations reconstruct the residual in the AuxK term; 0 = half the activation width.",
                min = "0")
        int aux_k() default 0;

        @AttributeDefinition(name = "AuxK coefficient", description = "Weight of the AuxK term (0 = off).")
        double aux_coefficient() default 1.0 / 32;

        @AttributeDefinition(name = "Dead after (samples)", description = "A latent that has not fired for this "
                + "many training samples (tokens) in a row counts as dead: it is reported and AuxK trains it.",
                min = "1")
        long dead_tokens() default 100_000;

        @AttributeDefinition(name = "Gradient probes", description = "Layout of the rows' gradient part: -1 = as "
                + "the data declares it (onnx-activations: [x | g] on the model's output, [x | g_1 .. g_r] with "
                + "sample shape [1 + r, d] on inner tensors); 0 = [x | g], exact s_i = |J w_i|; r = [x | g_1 .. "
                + "g_r], s_i^2 = mean over k of (w_i . g_k)^2. A value the data contradicts is refused.", min = "-1")
        int gradient_probes() default -1;
    }

    private final GsaeSettings settings;

    @Activate
    public GsaeFamily(Config config) {
        PluginProperties.requireName(config.hourglass_name(), PID);
        this.settings = GsaeSettings.of(config);
    }

    @Override
    public FamilyOutputs build(FamilyContext context) {
        return GsaeNetwork.build(settings, context);
    }

    @Override
    public Map<String, Object> summarize(Map<String, double[]> epochMeans) {
        return GsaeNetwork.summarize(epochMeans);
    }
}
