package org.hourglass.masking.block;

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
 * Block-wise patch masks (as in BEiT): rectangles of patches with a random area and aspect ratio are hidden one
 * after another until {@code round(ratio * patches)} are hidden; a rectangle that would overshoot is redrawn, and
 * when rectangles stop fitting the rest is grown from the border of the hidden region one patch at a time, so the
 * count is exact and the mask stays blocky. Instances configured in the console have factory PID {@value #PID}.
 */
@RequireConfigurator // default instances: OSGI-INF/configurator/defaults.json
@Component(service = MaskingStrategy.class, configurationPid = BlockMasking.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = PluginProperties.NAME_HINT)
@Designate(ocd = BlockMasking.Config.class, factory = true)
public class BlockMasking extends PatchMasking {

    static final String PID = "org.hourglass.masking.block";

    /** Rectangles in a row that hide nothing new or too much before the exact fix-up takes over. */
    private static final int MAX_MISSES = 10;

    @ObjectClassDefinition(name = "Hourglass masking: blocks of patches",
            description = "Hides contiguous rectangles of square patches (random area and aspect ratio, BEiT-style) "
                    + "until round(mask.ratio * patches) patches per sample are hidden; the same patches in every "
                    + "channel. Flat samples [n] are masked in runs of consecutive features.")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "Name pipelines use to pick this masking instance.")
        String hourglass_name();

        @AttributeDefinition(name = "Mask ratio", description = "Fraction of patches hidden from the encoder, in "
                + "(0, 1); each sample hides exactly round(ratio * patches).")
        double mask_ratio() default 0.75;

        @AttributeDefinition(name = "Patch size", description = "Side of the square patches in pixels; must divide "
                + "the image's height and width. Ignored for flat samples.")
        int patch_size() default 4;

        @AttributeDefinition(name = "Smallest block", description = "Smallest area of a rectangle in patches (>= 1); "
                + "areas are drawn uniformly between this and the patches still to hide.")
        int block_min_patches() default 4;

        @AttributeDefinition(name = "Smallest aspect ratio", description = "Rectangles have a height/width ratio "
                + "between this and its inverse, log-uniformly; in (0, 1].")
        double block_aspect_min() default 0.3;
    }

    private final int minBlock;
    private final double logAspect;

    @Activate
    public BlockMasking(Config config) {
        super("masking '" + PluginProperties.requireName(config.hourglass_name(), PID) + "'", config.mask_ratio(),
                config.patch_size());
        if (config.block_min_patches() < 1) {
            throw new IllegalArgumentException(owner() + ": block.min.patches must be >= 1, was "
                    + config.block_min_patches());
        }
        if (!(config.block_aspect_min() > 0 && config.block_aspect_min() <= 1)) {
            throw new IllegalArgumentException(owner() + ": block.aspect.min must be in (0, 1], was "
                    + config.block_aspect_min());
        }
        this.minBlock = config.block_min_patches();
        this.logAspect = Math.log(config.block_aspect_min());
    }

    @Override
    protected Sampler sampler(PatchGrid grid, int hidden) {
        int[] candidates = new int[grid.patches()];
        return (mask, random) -> hide(grid, hidden, mask, random, candidates);
    }

    private void hide(PatchGrid g, int target, boolean[] mask, SplittableRandom random, int[] candidates) {
        int rows = g.rows();
        int cols = g.cols();
        int hidden = 0;
        int misses = 0;
        while (hidden < target && misses < MAX_MISSES) {
            int remaining = target - hidden;
            int smallest = Math.min(minBlock, remaining);
            double area = smallest + random.nextDouble() * (remaining - smallest);
            double aspect = Math.exp(logAspect - 2 * logAspect * random.nextDouble());
            int h;
            int w;
            if (rows == 1) { // flat samples: runs of features
                h = 1;
                w = (int) Math.round(area);
            } else {
                h = (int) Math.round(Math.sqrt(area * aspect));
                w = (int) Math.round(Math.sqrt(area / aspect));
            }
            h = Math.max(1, Math.min(rows, h));
            w = Math.max(1, Math.min(cols, w));
            int top = random.nextInt(rows - h + 1);
            int left = random.nextInt(cols - w + 1);
            int fresh = 0;
            for (int r = top; r < top + h; r++) {
                for (int c = left; c < left + w; c++) {
                    fresh += mask[r * cols + c] ? 0 : 1;
                }
            }
            if (fresh == 0 || fresh > remaining) {
                misses++;
                continue;
            }
            misses = 0;
            for (int r = top; r < top + h; r++) {
                for (int c = left; c < left + w; c++) {
                    mask[r * cols + c] = true;
                }
            }
            hidden += fresh;
        }
        // Exact count: grow the hidden region by random patches on its border.
        while (hidden < target) {
            int n = 0;
            for (int p = 0; p < mask.length; p++) {
                if (!mask[p] && (hidden == 0 || bordersHidden(mask, p, rows, cols))) {
                    candidates[n++] = p;
                }
            }
            mask[candidates[random.nextInt(n)]] = true;
            hidden++;
        }
    }

    private static boolean bordersHidden(boolean[] mask, int p, int rows, int cols) {
        int r = p / cols;
        int c = p % cols;
        return (r > 0 && mask[p - cols]) || (r < rows - 1 && mask[p + cols]) || (c > 0 && mask[p - 1])
                || (c < cols - 1 && mask[p + 1]);
    }
}
