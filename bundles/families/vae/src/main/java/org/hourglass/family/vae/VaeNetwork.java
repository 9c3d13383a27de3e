package org.hourglass.family.vae;

import java.util.LinkedHashMap;
import java.util.Map;
import org.hourglass.family.vae.blocks.VaeModel;
import org.hourglass.family.vae.blocks.VaeSpec;
import org.hourglass.graph.Tensor;
import org.hourglass.spi.FamilyContext;
import org.hourglass.spi.FamilyOutputs;

/**
 * Builds the vae family's graphs from {@link VaeModel}: while training, z is the reparameterised sample (eps from
 * the pipeline's seeded host RNG), the loss term is the weighted KL and the diagnostic the KL per latent dimension;
 * at inference z = mean, with the per-sample KL and the Monte-Carlo log-likelihood as extra outputs.
 */
final class VaeNetwork {

    private VaeNetwork() {
    }

    static FamilyOutputs build(VaeSpec s, FamilyContext ctx, String name) {
        VaeModel m = VaeModel.create(s, ctx, "vae '" + name + "'");
        VaeModel.Posterior p = m.encode(ctx.input());
        if (!ctx.training()) {
            Map<String, Tensor> outputs = new LinkedHashMap<>();
            outputs.put(VaeModel.KL_OUTPUT, m.klOutput(p));
            if (s.likelihoodSamples() > 0) {
                outputs.put(VaeModel.LOG_LIKELIHOOD, m.logLikelihood(ctx.input(), p));
            }
            return new FamilyOutputs(p.mean(), m.reconstruction(p.mean()), Map.of(), outputs);
        }
        return new FamilyOutputs(p.mean(), m.reconstruction(m.sample(p)), Map.of(VaeModel.KL, m.klLossTerm(p)),
                Map.of(), Map.of(VaeModel.KL_PER_DIMENSION, m.klPerDimension(p)));
    }
}
