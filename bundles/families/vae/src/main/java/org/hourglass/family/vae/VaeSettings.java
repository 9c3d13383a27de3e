package org.hourglass.family.vae;

import java.util.Arrays;
import java.util.Locale;
import org.hourglass.graph.Graph.Activation;

/** The vae family's configuration as checked values. */
record VaeSettings(long[] hiddenSizes, Activation activation, Activation outputActivation, double beta) {

    VaeSettings {
        for (long h : hiddenSizes) {
            if (h <= 0) {
                throw new IllegalArgumentException("hidden.sizes must be positive, were " + Arrays.toString(hiddenSizes));
            }
        }
        if (!(beta >= 0) || !Double.isFinite(beta)) {
            throw new IllegalArgumentException("beta must be a finite number >= 0, was " + beta);
        }
        hiddenSizes = hiddenSizes.clone();
    }

    static VaeSettings of(VaeFamily.Config c) {
        return new VaeSettings(Arrays.stream(c.hidden_sizes()).asLongStream().toArray(),
                activation(c.activation(), "activation"),
                "linear".equalsIgnoreCase(c.output_activation().trim()) ? Activation.NONE
                        : activation(c.output_activation(), "output.activation"),
                c.beta());
    }

    private static Activation activation(String word, String attribute) {
        try {
            return Activation.valueOf(word.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(attribute + " must be one of relu, tanh, sigmoid, gelu"
                    + (attribute.startsWith("output") ? ", linear" : "") + "; was '" + word + "'", e);
        }
    }
}
