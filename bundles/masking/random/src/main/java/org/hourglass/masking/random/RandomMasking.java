package org.hourglass.masking.random;

import java.util.SplittableRandom;
import org.hourglass.masking.patches.PatchGrid;
import org.hourglass.masking.patches.PatchMasking;
import org.hourglass.spi.MaskingStrategy;
import org.hourglass.spi.PluginProperties;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.configurator.annotations.RequireConfigurator;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Uniform random patch masks (as in MAE): every sample hides {@code round(ratio * patches)} patches drawn uniformly
 * without replacement. Instances configured in the console have factory PID {@value #PID}.
 */
@RequireConfigurator // default instances: OSGI-INF/configurator/defaults.json
@Component(service = MaskingStrategy.class, configurationPid = RandomMasking.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = PluginProperties.NAME_HINT)
@Designate(ocd = RandomMasking.Config.class, factory = true)
public class RandomMasking extends PatchMasking {

    static final String PID = "org.hourglass.masking.random";

    @ObjectClassDefinition(name = "Hourglass masking: random patches",
            description = "Hides round(mask.ratio * patches) square patches per sample, drawn uniformly; the same "
                    + "patches in every channel. Flat samples [n] are masked feature by feature.")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "Name pipelines use to pick this masking instance.")
        String hourglass_name();

        @AttributeDefinition(name = "Mask ratio", description = "Fraction of patches hidden from the encoder, in "
                + "(0, 1); each sample hides exactly round(ratio * patches).")
        double mask_ratio() default 0.75;

        @AttributeDefinition(name = "Patch size", description = "Side of the square patches in pixels; must divide "
                + "the image's height and width. Ignored for flat samples.")
        int patch_size() default 4;
    }

    @Activate
    public RandomMasking(Config config) {
        super("masking '" + PluginProperties.requireName(config.hourglass_name(), PID) + "'", config.mask_ratio(),
                config.patch_size());
    }

    @Override
    protected Sampler sampler(PatchGrid grid, int hidden) {
        int[] order = new int[grid.patches()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        return (mask, random) -> hide(order, hidden, mask, random);
    }

    /**
     * A partial Fisher-Yates shuffle: the first {@code hidden} slots of {@code order} become a uniform sample.
     * {@code order} is kept shuffled between samples; any permutation is a valid start.
     */
    private static void hide(int[] order, int hidden, boolean[] mask, SplittableRandom random) {
        for (int i = 0; i < hidden; i++) {
            int j = i + random.nextInt(order.length - i);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
            mask[order[i]] = true;
        }
    }
}
