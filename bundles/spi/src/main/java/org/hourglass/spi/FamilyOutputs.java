package org.hourglass.spi;

import java.util.Map;
import org.hourglass.graph.Tensor;

/**
 * What a family built.
 *
 * @param latent         the code, float {@code [batch, latent]}
 * @param reconstruction same shape as the input
 * @param lossTerms      scalar terms added to the training loss (KL, commitment, ...), reported as metrics by name
 * @param outputs        extra named outputs of the inference model (e.g. {@code log_variance} for losses that
 *                       use a predicted variance)
 */
public record FamilyOutputs(Tensor latent, Tensor reconstruction, Map<String, Tensor> lossTerms,
                            Map<String, Tensor> outputs) {

    /** Output name under which a family publishes a predicted log-variance for the loss. */
    public static final String LOG_VARIANCE = "log_variance";

    public FamilyOutputs {
        lossTerms = Map.copyOf(lossTerms);
        outputs = Map.copyOf(outputs);
    }

    /** A plain autoencoder: no extra loss terms or outputs. */
    public static FamilyOutputs of(Tensor latent, Tensor reconstruction) {
        return new FamilyOutputs(latent, reconstruction, Map.of(), Map.of());
    }
}
