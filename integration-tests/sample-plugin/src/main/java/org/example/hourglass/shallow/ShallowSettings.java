package org.example.hourglass.shallow;

import java.util.Locale;
import org.hourglass.graph.Layers.Activation;
import org.hourglass.graph.Layers;

/** The shallow family's configuration as checked values; plain code, so tests build it without DS. */
record ShallowSettings(boolean tied, Activation activation, Activation outputActivation) {

    ShallowSettings {
        if (outputActivation != Activation.NONE && outputActivation != Activation.SIGMOID) {
            throw new IllegalArgumentException("output.activation must be linear or sigmoid, was "
                    + outputActivation.name().toLowerCase(Locale.ROOT));
        }
    }

    static ShallowSettings of(ShallowFamily.Config c) {
        return new ShallowSettings(c.tied(), activation(c.activation(), "activation"),
                activation(c.output_activation(), "output.activation"));
    }

    /** {@code linear} (or empty) is no activation; otherwise one of {@link Activation}, case-insensitive. */
    static Activation activation(String word, String attribute) {
        String w = word == null ? "" : word.strip().toLowerCase(Locale.ROOT);
        switch (w) {
            case "", "linear", "none":
                return Activation.NONE;
            case "relu":
                return Activation.RELU;
            case "tanh":
                return Activation.TANH;
            case "sigmoid":
                return Activation.SIGMOID;
            case "gelu":
                return Activation.GELU;
            default:
                throw new IllegalArgumentException(attribute + " must be one of linear, relu, tanh, sigmoid, gelu; "
                        + "was '" + word + "'");
        }
    }
}
