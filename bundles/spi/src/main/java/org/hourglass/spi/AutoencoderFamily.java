package org.hourglass.spi;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * An autoencoder family: builds encoder and decoder into a graph. The pipeline calls {@link #build} once for the
 * training graph and once for the inference graph ({@link FamilyContext#training()} false); both calls must
 * create the same parameters under the same names, so trained weights carry over by name.
 */
@ConsumerType
public interface AutoencoderFamily {

    /** Adds the family's nodes to {@code context.graph()} and names its outputs. */
    FamilyOutputs build(FamilyContext context);
}
