package org.hourglass.data.idx;

import java.nio.file.Path;
import org.hourglass.data.paths.DataPaths;
import org.hourglass.spi.DataSettings;
import org.hourglass.spi.DataOptions;
import org.hourglass.spi.DataSource;
import org.hourglass.spi.Dataset;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * One configured IDX data source. Immediate so that a bad configuration fails when it is saved, not on first use;
 * the files are read on every {@link #load()}, so a replaced file is picked up.
 */
@Component(service = DataSource.class, configurationPid = IdxDataSource.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true,
        property = "webconsole.configurationFactory.nameHint={hourglass.name}")
@Designate(ocd = IdxDataSource.Config.class, factory = true)
public final class IdxDataSource implements DataSource {

    public static final String PID = "org.hourglass.data.idx";

    @ObjectClassDefinition(name = "Hourglass data source: IDX (MNIST format)",
            description = "Samples from an IDX file such as MNIST or Fashion-MNIST, plain or gzipped, with an "
                    + "optional IDX label file. Values are read unscaled as floats.")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "Name of this data source instance; pipelines refer to "
                + "it by this name. Unique among data sources.")
        String hourglass_name();

        @AttributeDefinition(name = "Images file", description = "Path of the IDX file with the samples "
                + "(gzip is detected by content). The first dimension counts samples; the others are the shape "
                + "of one sample, e.g. [28, 28].")
        String images();

        @AttributeDefinition(name = "Labels file", description = "Path of a 1-D IDX file of integer labels, one "
                + "per sample; empty for no labels.", required = false)
        String labels() default "";

        @AttributeDefinition(name = "Classes", description = "Keep only samples with these labels; empty keeps "
                + "all. Needs a labels file.", required = false)
        int[] classes() default {};

        @AttributeDefinition(name = "Normal classes", description = "When set, labels become 0 (normal) for "
                + "these classes and 1 (anomalous) for all others. Needs a labels file.", required = false)
        int[] normal_classes() default {};

        @AttributeDefinition(name = "Shuffle", description = "Shuffle the samples (after the class filter).")
        boolean shuffle() default false;

        @AttributeDefinition(name = "Seed", description = "Seed of the shuffle; the same seed gives the same "
                + "order.")
        long seed() default 0;

        @AttributeDefinition(name = "Split fraction", description = "Fraction of the samples in the first part "
                + "of the split (between 0 and 1, exclusive); used when split part is first or rest.")
        double split_fraction() default 0.8;

        @AttributeDefinition(name = "Split part", description = "Which part of the split to yield: all "
                + "samples, the first part or the rest (e.g. first for training, rest for validation).",
                options = {@Option(label = "all", value = "all"), @Option(label = "first", value = "first"),
                        @Option(label = "rest", value = "rest")})
        String split_part() default "all";

        @AttributeDefinition(name = "Limit", description = "At most this many samples (after filter, shuffle "
                + "and split); 0 = no limit.", min = "0")
        int limit() default 0;
    }

    private final String name;
    private final Path images;
    private final Path labels;
    private final DataOptions options;
    private final DataPaths paths;

    @Activate
    public IdxDataSource(Config config, BundleContext context) {
        this(config, DataPaths.of(context::getProperty));
    }

    /** Without a framework: files are read wherever {@code paths} allows. */
    IdxDataSource(Config config, DataPaths paths) {
        this.paths = paths;
        this.name = DataSettings.name(config.hourglass_name());
        this.images = DataSettings.requiredPath("images", config.images());
        this.labels = DataSettings.optionalPath(config.labels());
        this.options = DataSettings.options(config.classes(), config.normal_classes(), config.shuffle(), config.seed(),
                config.split_fraction(), config.split_part(), config.limit());
    }

    @Override
    public Dataset load() {
        // Checked on every load, not once: a link inside a data directory may be re-pointed later.
        return options.apply(IdxReader.read(paths.check("images", images), paths.check("labels", labels)));
    }

    @Override
    public String toString() {
        return "IDX data source '" + name + "' (" + images + (labels == null ? "" : ", labels " + labels) + ")";
    }
}
