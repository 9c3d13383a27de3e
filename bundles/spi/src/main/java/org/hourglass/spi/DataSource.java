package org.hourglass.spi;

import java.util.OptionalInt;
import org.osgi.annotation.versioning.ConsumerType;

/** Reads samples (and labels where the data has them) from a file or a model. */
@ConsumerType
public interface DataSource {

    /**
     * Reads the data this instance is configured for, with its {@link DataOptions} applied.
     *
     * @throws DataException when the data is missing or does not parse; the message names the file and where
     */
    Dataset load();

    /**
     * The position of the named column among the features of each sample this source yields, for configurations
     * that refer to a column by name (a conditional family's {@code condition.source=column:<name>}). Sources whose
     * data has no column names return empty.
     *
     * @throws DataException when the source has column names but none is {@code column}; the message lists them
     * @since 1.5
     */
    default OptionalInt featureIndex(String column) {
        return OptionalInt.empty();
    }
}
