package org.hourglass.spi;

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
}
