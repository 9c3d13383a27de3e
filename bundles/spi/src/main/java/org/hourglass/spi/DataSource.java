package org.hourglass.spi;

import java.util.Map;
import java.util.OptionalInt;
import java.util.function.UnaryOperator;
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

    /**
     * A downstream metric of an autoencoder trained on this source's samples: what is left of the purpose the data
     * serves when the samples are replaced by their reconstructions (for activations of a model, e.g. how much of
     * the model's output survives). The pipeline asks for it after every epoch with the epoch's parameters and
     * reports the figures next to the family's diagnostics. Sources without such a measure return empty without
     * calling {@code reconstruct} (the default).
     *
     * @param reconstruct the autoencoder: samples in this source's units and layout (rows as {@link #load()}
     *                    yields them, before normalisation) in, their reconstructions in the same units out, one
     *                    row per row
     * @return named figures (e.g. {@code downstream_preserved}), in the order to show them; empty when the source
     *         offers none
     * @throws DataException when the measurement fails; the message says why
     * @since 1.6
     */
    default Map<String, Double> downstream(UnaryOperator<float[][]> reconstruct) {
        return Map.of();
    }
}
