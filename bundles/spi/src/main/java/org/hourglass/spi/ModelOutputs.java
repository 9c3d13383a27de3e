package org.hourglass.spi;

import java.util.Map;

/**
 * Inputs and model outputs for a block of samples, handed to a {@link ScoringMethod}. Output names are
 * {@link #RECONSTRUCTION}, {@link #LATENT} and any extra outputs of the family.
 */
public record ModelOutputs(Samples input, Map<String, Samples> outputs) {

    public static final String RECONSTRUCTION = "reconstruction";
    public static final String LATENT = "latent";

    public ModelOutputs {
        outputs = Map.copyOf(outputs);
    }

    /** The named output; fails naming what exists when absent. */
    public Samples output(String name) {
        Samples s = outputs.get(name);
        if (s == null) {
            throw new IllegalArgumentException("model output '" + name + "' is not available; have " + outputs.keySet());
        }
        return s;
    }
}
