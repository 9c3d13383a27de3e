package org.hourglass.spi;

import java.util.Optional;
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

    /**
     * The mask of the training graph when the pipeline has a masking strategy: float {@code [batch, ...sampleShape]},
     * 1 where the encoder may look. {@link #input()} is already multiplied by it; families that handle hidden
     * entries themselves (a masked autoencoder gathering visible patches) read it here. Empty at inference and
     * without masking.
     */
    default Optional<Tensor> visible() {
        return Optional.empty();
    }
}
