package org.hourglass.loss.msssim;

import org.hourglass.graph.Graph;
import org.hourglass.graph.Tensor;
import org.hourglass.spi.PluginProperties;
import org.hourglass.spi.ReconstructionLoss;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.configurator.annotations.RequireConfigurator;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The per-sample loss {@code alpha (1 - MS-SSIM) + (1 - alpha) L1} over images (factory PID {@value #PID}); see
 * {@link MsSsim} for the computation. Weights (masking) apply to the L1 part only.
 */
@RequireConfigurator // default instances: OSGI-INF/configurator/defaults.json
@Component(service = ReconstructionLoss.class, configurationPid = MsSsimLoss.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = PluginProperties.NAME_HINT)
@Designate(ocd = MsSsimLoss.Config.class, factory = true)
public class MsSsimLoss implements ReconstructionLoss {

    static final String PID = "org.hourglass.loss.msssim";

    @ObjectClassDefinition(name = "Hourglass loss: MS-SSIM",
            description = "Per-sample alpha * (1 - MS-SSIM) + (1 - alpha) * L1 over images [H, W] or [C, H, W]. "
                    + "The defaults fit 28x28 images; for larger ones the classic setting is 5 scales, window 11, "
                    + "sigma 1.5, weights 0.0448, 0.2856, 0.3001, 0.2363, 0.1333. A mask weights the L1 part only.")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "Name pipelines use to pick this loss instance.")
        String hourglass_name();

        @AttributeDefinition(name = "Window size", description = "Side of the square Gaussian window in pixels "
                + "(odd); every scale must be at least this large.")
        int window_size() default 7;

        @AttributeDefinition(name = "Sigma", description = "Standard deviation of the Gaussian window in pixels.")
        double sigma() default 1.5;

        @AttributeDefinition(name = "Scales", description = "Number of scales; the image is halved by 2x2 average "
                + "pooling between them.")
        int scales() default 3;

        @AttributeDefinition(name = "Scale weights", description = "Exponent of each scale's term, finest first, one "
                + "per scale; empty: the first 'scales' classic weights (0.0448, 0.2856, 0.3001, 0.2363, 0.1333) "
                + "renormalised to sum to 1.", required = false)
        double[] scale_weights() default {};

        @AttributeDefinition(name = "Data range", description = "Range L of the pixel values; C1 = (0.01 L)^2 and "
                + "C2 = (0.03 L)^2. 1 for the pipeline's min-max normalisation to [0, 1].")
        double data_range() default 1.0;

        @AttributeDefinition(name = "Alpha", description = "Weight of 1 - MS-SSIM; the rest, 1 - alpha, goes to the "
                + "mean absolute error (L1). 1 = pure MS-SSIM.")
        double alpha() default 1.0;

        @AttributeDefinition(name = "Image shape", description = "For flat inputs: the image shape H, W or C, H, W "
                + "of one sample; empty: the data's own sample shape.", required = false)
        int[] image_shape() default {};
    }

    private final MsSsimSettings settings;

    @Activate
    public MsSsimLoss(Config config) {
        PluginProperties.requireName(config.hourglass_name(), PID);
        this.settings = MsSsimSettings.of(config);
    }

    /** For tests. */
    MsSsimLoss(MsSsimSettings settings) {
        this.settings = settings;
    }

    MsSsimSettings settings() {
        return settings;
    }

    @Override
    public Tensor perSample(Graph graph, Tensor input, Tensor reconstruction, Tensor weights, Tensor logVariance) {
        return MsSsim.perSample(graph, settings, input, reconstruction, weights);
    }
}
