package org.example.hourglass.shallow;

import java.util.Locale;
import java.util.Map;
import org.hourglass.graph.Layers.Activation;
import org.hourglass.graph.Layers;
import org.hourglass.spi.Choices;

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

    /** The code's activation: {@code linear} (no activation) or one of these, case-insensitive. */
    private static final Map<String, Activation> WORDS = Choices.with(Choices.words(Activation.RELU,
            Activation.TANH, Activation.SIGMOID, Activation.GELU), "linear", Activation.NONE);

    /** The SPI's parser names the attribute, the value and the words allowed when the value is none of them. */
    static Activation activation(String word, String attribute) {
        return Choices.parse(word, attribute, WORDS);
    }
}
