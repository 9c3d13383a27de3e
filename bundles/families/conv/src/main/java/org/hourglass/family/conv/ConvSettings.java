package org.hourglass.family.conv;

import java.util.Arrays;
import java.util.Map;
import org.hourglass.graph.Layers.Activation;
import org.hourglass.graph.Layers;
import org.hourglass.spi.Choices;

/**
 * The conv family's configuration as checked values (the component converts its Config to this).
 *
 * @param channels         output channels of the encoder's strided convolutions, input side first
 * @param kernelSize       3 or 4 (stride 2, padding 1)
 * @param activation       after every convolution and the decoder's dense layer
 * @param outputActivation after the last transposed convolution
 * @param varianceHead     a second last transposed convolution predicting a per-pixel variance
 */
record ConvSettings(long[] channels, int kernelSize, Activation activation, Activation outputActivation,
                    boolean varianceHead) {

    ConvSettings {
        if (channels.length == 0) {
            throw new IllegalArgumentException("channels must name at least one convolution");
        }
        for (long c : channels) {
            if (c <= 0) {
                throw new IllegalArgumentException("channels must be positive, were " + Arrays.toString(channels));
            }
        }
        if (kernelSize != 3 && kernelSize != 4) {
            throw new IllegalArgumentException("kernel.size must be 3 or 4, was " + kernelSize);
        }
        channels = channels.clone();
    }

    ConvSettings(long[] channels, int kernelSize, Activation activation, Activation outputActivation) {
        this(channels, kernelSize, activation, outputActivation, false);
    }

    @Override
    public long[] channels() {
        return channels.clone();
    }

    static ConvSettings defaults() {
        return new ConvSettings(new long[] {16, 32}, 3, Activation.RELU, Activation.SIGMOID);
    }

    static ConvSettings of(ConvFamily.Config c) {
        return new ConvSettings(Arrays.stream(c.channels()).asLongStream().toArray(), c.kernel_size(),
                Choices.parse(c.activation(), "activation", HIDDEN),
                Choices.parse(c.output_activation(), "output.activation", OUTPUT), c.variance_head());
    }

    /** The activations a layer may have; an output layer may also be {@code linear}. */
    private static final Map<String, Activation> HIDDEN = Choices.words(Activation.RELU, Activation.TANH,
            Activation.SIGMOID, Activation.GELU);
    private static final Map<String, Activation> OUTPUT = Choices.with(HIDDEN, "linear", Activation.NONE);
}
