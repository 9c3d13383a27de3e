package org.hourglass.data.npy;

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
 * One configured NPY data source. Immediate so that a bad configuration fails when it is saved, not on first use;
 * the files are read on every {@link #load()}, so a replaced file is picked up.
 */
@Component(service = DataSource.class, configurationPid = NpyDataSource.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true,
        property = "webconsole.configurationFactory.nameHint={hourglass.name}")
@Designate(ocd = NpyDataSource.Config.class, factory = true)
public final class NpyDataSource implements DataSource {

    public static final String PID = "org.hourglass.data.npy";

    @ObjectClassDefinition(name = "Hourglass data source: NumPy .npy",
            description = "Samples from a NumPy .npy file (format 1.0, 2.0 or 3.0, C order) of shape (N, ...), "
                    + "with an optional .npy file of integer labels.")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "Name of this data source instance; pipelines refer to "
                + "it by this name. Unique among data sources.")
        String hourglass_name();

        @AttributeDefinition(name = "Data file", description = "Path of the .npy file with the samples. Shape "
                + "(N, ...): N samples, each of the remaining shape; a 1-D array is N samples of one value. "
                + "dtypes: <f4 <f8 >f4 >f8 <i4 <i8 |i1 |u1 (and i2, u2, u4, u8, b1).")
        String path();

        @AttributeDefinition(name = "Labels file", description = "Path of a .npy file of N integer labels, shape "
                + "(N,); empty for no labels.", required = false)
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
    private final Path path;
    private final Path labels;
    private final DataOptions options;
    private final DataPaths paths;

    @Activate
    public NpyDataSource(Config config, BundleContext context) {
        this(config, DataPaths.of(context::getProperty));
    }

    /** Without a framework: files are read wherever {@code paths} allows. */
    NpyDataSource(Config config, DataPaths paths) {
        this.paths = paths;
        this.name = DataSettings.name(config.hourglass_name());
        this.path = DataSettings.requiredPath("path", config.path());
        this.labels = DataSettings.optionalPath(config.labels());
        this.options = DataSettings.options(config.classes(), config.normal_classes(), config.shuffle(), config.seed(),
                config.split_fraction(), config.split_part(), config.limit());
    }

    @Override
    public Dataset load() {
        // Checked on every load, not once: a link inside a data directory may be re-pointed later.
        return options.apply(NpyReader.read(paths.check("path", path), paths.check("labels", labels)));
    }

    @Override
    public String toString() {
        return "NPY data source '" + name + "' (" + path + (labels == null ? "" : ", labels " + labels) + ")";
    }
}
