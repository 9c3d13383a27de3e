package org.hourglass.spi;

import java.util.LinkedHashMap;
import java.util.Map;
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

    /**
     * Turns one epoch's averaged {@link FamilyOutputs#diagnostics} into what the pipeline reports and stores for
     * that epoch: JSON values only (numbers, strings, booleans, lists and maps of those). The default reports the
     * means themselves; families derive figures from them (active latent dimensions, perplexity, dead codes).
     */
    default Map<String, Object> summarize(Map<String, double[]> epochMeans) {
        Map<String, Object> out = new LinkedHashMap<>();
        epochMeans.forEach((name, v) -> out.put(name, v.length == 1 ? (Object) v[0] : java.util.Arrays.stream(v)
                .boxed().toList()));
        return out;
    }
}
