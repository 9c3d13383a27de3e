package org.hourglass.family.qlae;

import java.util.Arrays;
import java.util.Map;
import org.hourglass.graph.Layers.Activation;
import org.hourglass.graph.Layers;
import org.hourglass.spi.Choices;

/**
 * The qlae family's configuration as checked values (the component converts its Config to this).
 *
 * @param hiddenSizes        widths of the encoder's hidden layers, input side first; the decoder mirrors them
 * @param activation         after every hidden layer
 * @param outputActivation   after the decoder's last layer
 * @param codebookSize       values per latent dimension
 * @param codebookRange      the codebooks start evenly spaced on [-range, range]
 * @param quantizationWeight weight of the quantisation term (moves the codebook values towards the codes)
 * @param commitmentWeight   weight of the commitment term (keeps the encoder's codes near their values)
 */
record QlaeSettings(long[] hiddenSizes, Activation activation, Activation outputActivation, int codebookSize,
                    double codebookRange, double quantizationWeight, double commitmentWeight) {

    QlaeSettings {
        for (long h : hiddenSizes) {
            if (h <= 0) {
                throw new IllegalArgumentException("hidden.sizes must be positive, were " + Arrays.toString(hiddenSizes));
            }
        }
        if (codebookSize < 2) {
            throw new IllegalArgumentException("codebook.size must be >= 2, was " + codebookSize);
        }
        if (!(codebookRange > 0) || Double.isInfinite(codebookRange)) {
            throw new IllegalArgumentException("codebook.range must be a finite number > 0, was " + codebookRange);
        }
        if (!(quantizationWeight >= 0) || Double.isInfinite(quantizationWeight)) {
            throw new IllegalArgumentException("quantization.weight must be finite and >= 0, was " + quantizationWeight);
        }
        if (!(commitmentWeight >= 0) || Double.isInfinite(commitmentWeight)) {
            throw new IllegalArgumentException("commitment.weight must be finite and >= 0, was " + commitmentWeight);
        }
        hiddenSizes = hiddenSizes.clone();
    }

    @Override
    public long[] hiddenSizes() {
        return hiddenSizes.clone();
    }

    static QlaeSettings defaults() {
        return new QlaeSettings(new long[] {256}, Activation.RELU, Activation.NONE, 10, 0.5, 0.01, 0.01);
    }

    static QlaeSettings of(QlaeFamily.Config c) {
        return new QlaeSettings(Arrays.stream(c.hidden_sizes()).asLongStream().toArray(),
                Choices.parse(c.activation(), "activation", HIDDEN),
                Choices.parse(c.output_activation(), "output.activation", OUTPUT),
                c.codebook_size(), c.codebook_range(), c.quantization_weight(), c.commitment_weight());
    }

    /** The activations a layer may have; an output layer may also be {@code linear}. */
    private static final Map<String, Activation> HIDDEN = Choices.words(Activation.RELU, Activation.TANH,
            Activation.SIGMOID, Activation.GELU);
    private static final Map<String, Activation> OUTPUT = Choices.with(HIDDEN, "linear", Activation.NONE);
}
