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

    /**
     * A one-hot condition for conditional families (CVAE): a float input {@code [batch, classes]} the pipeline feeds
     * to every model it runs. {@code source} says where it comes from: {@code label}, the sample's label in the data
     * source (training, validation and the scorer's fit only: scoring requests carry no label), or
     * {@code feature:<i>}, the integer value of the sample's {@code i}-th feature in the data's own units (scoring
     * requests then carry the condition in the sample), or {@code column:<name>}, the same for the feature the
     * training data source names so (e.g. a CSV header; see {@link DataSource#featureIndex}). Values outside {@code [0, classes)} fail naming the sample.
     * Both graphs of a pipeline must ask for the same condition. The default fails: the context cannot feed one.
     *
     * @since 1.2
     */
    default Tensor condition(String source, int classes) {
        throw new UnsupportedOperationException("this context cannot feed a condition ('" + source + "', " + classes
                + " classes)");
    }

    /**
     * The pipeline's reconstruction loss of another pair, per sample {@code [batch]}: for families with more than one
     * reconstruction to train (a context-encoding branch). Same shapes as {@link #input()}. The default fails.
     *
     * @since 1.2
     */
    default Tensor reconstructionLoss(Tensor target, Tensor reconstruction) {
        throw new UnsupportedOperationException("this context has no reconstruction loss");
    }

    /**
     * The symbolic name of the bundle that provides the pipeline's loss (each loss is its own bundle, e.g.
     * {@code org.hourglass.loss.bce}), for families whose output only makes sense with one kind of loss (logits for
     * {@code bce}); empty where unknown.
     *
     * @since 1.2
     * @deprecated a family declares what it emits ({@link PluginProperties#EMITS},
     *             {@link #declareReconstruction}) and the pipeline checks the loss; bundle names are no contract
     */
    @Deprecated(since = "1.8")
    default Optional<String> lossBundle() {
        return Optional.empty();
    }

    /**
     * Declares what this build's reconstruction holds, for a family whose output depends on its settings (a VAE's
     * Bernoulli decoder emits logits); it overrides the family's {@link PluginProperties#EMITS} property. The
     * pipeline then fails, naming the family, the setting and the loss, when its loss cannot read it. The default
     * ignores it (contexts without a loss).
     *
     * @param setting the setting that decides it, for the error (e.g. {@code decoder=bernoulli})
     * @since 1.8
     */
    default void declareReconstruction(ReconstructionKind kind, String setting) {
    }
}
