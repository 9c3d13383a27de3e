package org.hourglass.spi;

import org.hourglass.graph.Graph;
import org.hourglass.graph.Tensor;
import org.osgi.annotation.versioning.ProviderType;

/** What the pipeline gives a family to build with. */
@ProviderType
public interface FamilyContext {

    /** The graph to add nodes to. */
    Graph graph();

    /**
     * The (normalised, possibly masked) input, float {@code [batch, ...sampleShape]}. Families that corrupt their
     * input during training (denoising) add the noise themselves, only when {@link #training()}.
     */
    Tensor input();

    /** Shape of one sample. */
    InputSpec inputSpec();

    /** Requested latent size (the pipeline's {@code latent.size}). */
    int latentSize();

    /** True for the training graph; false for the inference graph (no noise, no dropout). */
    boolean training();
}
