package org.hourglass.data.csv;

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
 * One configured CSV data source. Immediate so that a bad configuration fails when it is saved, not on first use;
 * the file is read on every {@link #load()}, so a replaced file is picked up.
 */
@Component(service = DataSource.class, configurationPid = CsvDataSource.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true,
        property = "webconsole.configurationFactory.nameHint={hourglass.name}")
@Designate(ocd = CsvDataSource.Config.class, factory = true)
public final class CsvDataSource implements DataSource {

    public static final String PID = "org.hourglass.data.csv";

    @ObjectClassDefinition(name = "Hourglass data source: CSV",
            description = "Samples from a UTF-8 CSV file whose first row is a header: one sample per row, numeric "
                    + "feature columns, an optional integer label column.")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "Name of this data source instance; pipelines refer to "
                + "it by this name. Unique among data sources.")
        String hourglass_name();

        @AttributeDefinition(name = "File", description = "Path of the CSV file. The first row names the columns.")
        String path();

        @AttributeDefinition(name = "Label column", description = "Header name of the column holding integer "
                + "class labels; empty for no labels.", required = false)
        String label_column() default "";

        @AttributeDefinition(name = "Feature columns", description = "Header names of the columns that form a "
                + "sample, in this order; empty uses every column except the label column.", required = false)
        String[] columns() default {};

        @AttributeDefinition(name = "Separator", description = "The character between cells: ',' ';' '|' etc.; "
                + "\\t (backslash t) or 'tab' for a tab.")
        String separator() default ",";

        @AttributeDefinition(name = "Classes", description = "Keep only samples with these labels; empty keeps "
                + "all. Needs labels.", required = false)
        int[] classes() default {};

        @AttributeDefinition(name = "Normal classes", description = "When set, labels become 0 (normal) for "
                + "these classes and 1 (anomalous) for all others. Needs labels.", required = false)
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
    private final String labelColumn;
    private final String[] columns;
    private final char separator;
    private final DataOptions options;
    private final DataPaths paths;

    @Activate
    public CsvDataSource(Config config, BundleContext context) {
        this(config, DataPaths.of(context::getProperty));
    }

    /** Without a framework: files are read wherever {@code paths} allows. */
    CsvDataSource(Config config, DataPaths paths) {
        this.paths = paths;
        this.name = DataSettings.name(config.hourglass_name());
        this.path = DataSettings.requiredPath("path", config.path());
        this.labelColumn = config.label_column();
        this.columns = config.columns() == null ? new String[0] : config.columns().clone();
        for (String c : columns) {
            if (c == null || c.isBlank()) {
                throw new IllegalArgumentException("attribute 'columns' contains a blank column name");
            }
        }
        this.separator = CsvReader.separator(config.separator());
        this.options = DataSettings.options(config.classes(), config.normal_classes(), config.shuffle(), config.seed(),
                config.split_fraction(), config.split_part(), config.limit());
    }

    @Override
    public Dataset load() {
        return options.apply(new CsvReader(paths.check("path", path), labelColumn, columns, separator).read());
    }

    @Override
    public java.util.OptionalInt featureIndex(String column) {
        return java.util.OptionalInt.of(new CsvReader(paths.check("path", path), labelColumn, columns, separator)
                .featureIndex(column));
    }

    @Override
    public String toString() {
        return "CSV data source '" + name + "' (" + path + ")";
    }
}
