package org.hourglass.spi;

import java.util.SplittableRandom;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Produces masks for a batch on the host, from the pipeline's seeded random source (so runs are reproducible).
 * The encoder sees {@code input * visible}; the loss counts the hidden entries.
 */
@ConsumerType
public interface MaskingStrategy {

    /**
     * Fills {@code visible} ({@code batch * spec.features()} values, row-major) with 1 for entries the encoder
     * sees and 0 for hidden ones.
     */
    void fill(float[] visible, int batch, InputSpec spec, SplittableRandom random);
}
