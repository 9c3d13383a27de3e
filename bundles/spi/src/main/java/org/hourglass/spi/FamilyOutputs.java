package org.hourglass.spi;

import java.util.Map;
import org.hourglass.graph.Ops;
import org.hourglass.graph.Tensor;

/**
 * What a family built.
 *
 * @param latent         the code, float {@code [batch, latent]}
 * @param reconstruction same shape as the input
 * @param lossTerms      scalar terms added to the training loss (KL, commitment, ...), reported as metrics by name
 * @param outputs        extra named outputs of the inference model (e.g. {@code log_variance} for losses that
 *                       use a predicted variance)
 * @param diagnostics    tensors of the training graph without a batch dimension (e.g. KL per latent dimension,
 *                       code usage); the pipeline averages each over an epoch's batches, weighted by batch size,
 *                       and hands the means to {@link AutoencoderFamily#summarize}
 */
public record FamilyOutputs(Tensor latent, Tensor reconstruction, Map<String, Tensor> lossTerms,
                            Map<String, Tensor> outputs, Map<String, Tensor> diagnostics) {

    /** Output name under which a family publishes a predicted log-variance for the loss. */
    public static final String LOG_VARIANCE = "log_variance";

    public FamilyOutputs {
        lossTerms = Map.copyOf(lossTerms);
        outputs = Map.copyOf(outputs);
        diagnostics = Map.copyOf(diagnostics);
    }

    /** Without diagnostics. */
    public FamilyOutputs(Tensor latent, Tensor reconstruction, Map<String, Tensor> lossTerms,
                         Map<String, Tensor> outputs) {
        this(latent, reconstruction, lossTerms, outputs, Map.of());
    }

    /** Floor of a variance head's predicted variance. */
    public static final double VARIANCE_FLOOR = 1e-6;

    /**
     * The log-variance a family publishes under {@link #LOG_VARIANCE} from its variance head's raw output {@code s}:
     * {@code log(softplus(s) + 1e-6)}, so the variance stays positive and finite whatever {@code s} is. One rule for
     * every family that opts into a variance head.
     *
     * @since 1.4
     */
    public static Tensor varianceHead(org.hourglass.graph.Graph graph, Tensor raw) {
        return Ops.log(Ops.add(Ops.softplus(raw), VARIANCE_FLOOR));
    }

    /** A plain autoencoder: no extra loss terms or outputs. */
    public static FamilyOutputs of(Tensor latent, Tensor reconstruction) {
        return new FamilyOutputs(latent, reconstruction, Map.of(), Map.of(), Map.of());
    }
}
