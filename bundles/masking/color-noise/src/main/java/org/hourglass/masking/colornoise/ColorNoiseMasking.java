package org.hourglass.masking.colornoise;

import java.util.Arrays;
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
import org.osgi.service.metatype.annotations.Option;

/**
 * Data-independent masks from filtered noise (as in ColorMAE). A bank of white-noise patterns is generated once
 * from {@code bank.seed} and filtered to the configured colour; each sample takes a random pattern, a random
 * window of the patch grid's size, random flips, normalises it, and keeps the patches with the highest values
 * visible, {@code patches - round(ratio * patches)} of them. Instances configured in the console have factory PID
 * {@value #PID}.
 */
@RequireConfigurator // default instances: OSGI-INF/configurator/defaults.json
@Component(service = MaskingStrategy.class, configurationPid = ColorNoiseMasking.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = PluginProperties.NAME_HINT)
@Designate(ocd = ColorNoiseMasking.Config.class, factory = true)
public class ColorNoiseMasking extends PatchMasking {

    static final String PID = "org.hourglass.masking.colornoise";

    @ObjectClassDefinition(name = "Hourglass masking: colour noise (ColorMAE)",
            description = "Masks from filtered white noise: red (low-pass), green (band-pass), blue (high-pass) or "
                    + "purple (band-stop). Each sample crops a random window of the patch grid's size from a fixed "
                    + "bank of noise patterns, flips it at random and keeps the highest values visible until "
                    + "round(mask.ratio * patches) patches are hidden; the same patches in every channel. Blur "
                    + "widths are in patches.")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "Name pipelines use to pick this masking instance.")
        String hourglass_name();

        @AttributeDefinition(name = "Mask ratio", description = "Fraction of patches hidden from the encoder, in "
                + "(0, 1); each sample hides exactly round(ratio * patches).")
        double mask_ratio() default 0.75;

        @AttributeDefinition(name = "Patch size", description = "Side of the square patches in pixels; must divide "
                + "the image's height and width. Ignored for flat samples, which are masked feature by feature.")
        int patch_size() default 4;

        @AttributeDefinition(name = "Colour", description = "Filter applied to the white noise.",
                options = {@Option(label = "red (low-pass: blurred noise)", value = "red"),
                        @Option(label = "green (band-pass: difference of two blurs)", value = "green"),
                        @Option(label = "blue (high-pass: noise minus its blur)", value = "blue"),
                        @Option(label = "purple (band-stop: noise minus the green band)", value = "purple")})
        String color() default "green";

        @AttributeDefinition(name = "Red blur width", description = "Standard deviation of the red filter's "
                + "Gaussian blur, in patches.")
        double red_sigma() default 1.0;

        @AttributeDefinition(name = "Blue blur width", description = "Standard deviation of the Gaussian blur the "
                + "blue filter subtracts from the noise, in patches.")
        double blue_sigma() default 1.0;

        @AttributeDefinition(name = "Green narrow blur width", description = "Standard deviation of the narrower "
                + "blur of the green (and purple) band-pass, in patches.")
        double green_sigma_narrow() default 0.8;

        @AttributeDefinition(name = "Green wide blur width", description = "Standard deviation of the wider blur "
                + "subtracted in the green (and purple) band-pass, in patches; larger than the narrow one.")
        double green_sigma_wide() default 1.6;

        @AttributeDefinition(name = "Bank size", description = "Number of noise patterns generated once per seed.")
        int bank_size() default 32;

        @AttributeDefinition(name = "Pattern size", description = "Side of each noise pattern in patches; raised to "
                + "twice the patch grid when smaller, so crops always vary.")
        int pattern_size() default 64;

        @AttributeDefinition(name = "Bank seed", description = "Seed of the noise bank. Crop positions and flips "
                + "come from the pipeline's seeded random source.")
        long bank_seed() default 0L;
    }

    private final NoiseColor color;
    private final NoiseBank.Sigmas sigmas;
    private final int bankSize;
    private final int patternSize;
    private final long bankSeed;
    /** Built on first use for a grid shape; replaced when the shape changes. */
    private volatile NoiseBank bank;

    @Activate
    public ColorNoiseMasking(Config config) {
        super("masking '" + PluginProperties.requireName(config.hourglass_name(), PID) + "'", config.mask_ratio(),
                config.patch_size());
        this.color = NoiseColor.parse(config.color(), owner());
        try {
            this.sigmas = new NoiseBank.Sigmas(config.red_sigma(), config.blue_sigma(), config.green_sigma_narrow(),
                    config.green_sigma_wide());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(owner() + ": " + e.getMessage(), e);
        }
        if (config.bank_size() < 1) {
            throw new IllegalArgumentException(owner() + ": bank.size must be >= 1, was " + config.bank_size());
        }
        if (config.pattern_size() < 1) {
            throw new IllegalArgumentException(owner() + ": pattern.size must be >= 1, was " + config.pattern_size());
        }
        this.bankSize = config.bank_size();
        this.patternSize = config.pattern_size();
        this.bankSeed = config.bank_seed();
    }

    NoiseColor color() {
        return color;
    }

    /** The noise bank for {@code grid}: patterns at least twice the grid in each dimension (one row for flat data). */
    NoiseBank bank(PatchGrid grid) {
        int h = grid.rows() == 1 ? 1 : Math.max(patternSize, 2 * grid.rows());
        int w = Math.max(patternSize, 2 * grid.cols());
        NoiseBank b = bank;
        if (b == null || b.height() != h || b.width() != w) {
            synchronized (this) {
                b = bank;
                if (b == null || b.height() != h || b.width() != w) {
                    b = NoiseBank.generate(color, sigmas, bankSize, h, w, bankSeed);
                    bank = b;
                }
            }
        }
        return b;
    }

    @Override
    protected Sampler sampler(PatchGrid grid, int hidden) {
        NoiseBank b = bank(grid);
        int rows = grid.rows();
        int cols = grid.cols();
        int keep = grid.patches() - hidden;
        float[] scores = new float[grid.patches()];
        float[] sorted = new float[grid.patches()];
        return (mask, random) -> {
            b.crop(random.nextInt(b.count()), random.nextInt(b.height() - rows + 1),
                    random.nextInt(b.width() - cols + 1), rows, cols, random.nextBoolean(), random.nextBoolean(),
                    scores);
            keepHighest(scores, sorted, keep, mask);
        };
    }

    /** Marks all but the {@code keep} highest scores hidden; ties at the threshold go to the lower index. */
    static void keepHighest(float[] scores, float[] sorted, int keep, boolean[] hidden) {
        System.arraycopy(scores, 0, sorted, 0, scores.length);
        Arrays.sort(sorted);
        float threshold = sorted[scores.length - keep];
        int shown = 0;
        for (int i = 0; i < scores.length; i++) {
            boolean above = scores[i] > threshold;
            hidden[i] = !above;
            shown += above ? 1 : 0;
        }
        for (int i = 0; i < scores.length && shown < keep; i++) {
            if (scores[i] == threshold) {
                hidden[i] = false;
                shown++;
            }
        }
    }
}
