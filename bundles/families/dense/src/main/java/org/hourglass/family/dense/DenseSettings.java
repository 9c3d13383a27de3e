package org.hourglass.family.dense;

import java.util.Arrays;
import java.util.Map;
import org.hourglass.graph.Layers.Activation;
import org.hourglass.graph.Layers;
import org.hourglass.spi.Choices;

/**
 * The dense family's configuration as checked values (the component converts its Config to this).
 *
 * @param contractiveWeight      λ of the contractive penalty λ·mean ||J_enc(x)||²_F (0 = off)
 * @param contractiveProjections random directions of the penalty's estimate for encoders with two or more hidden
 *                               layers (one hidden layer or none: exact)
 */
record DenseSettings(long[] hiddenSizes, Activation activation, Activation outputActivation, double dropout,
                     NoiseKind noise, double noiseLevel, boolean varianceHead, double contractiveWeight,
                     int contractiveProjections) {

    enum NoiseKind { NONE, GAUSSIAN, MASKING }

    /** Without a variance head. */
    DenseSettings(long[] hiddenSizes, Activation activation, Activation outputActivation, double dropout,
                  NoiseKind noise, double noiseLevel) {
        this(hiddenSizes, activation, outputActivation, dropout, noise, noiseLevel, false);
    }

    /** Without the contractive penalty. */
    DenseSettings(long[] hiddenSizes, Activation activation, Activation outputActivation, double dropout,
                  NoiseKind noise, double noiseLevel, boolean varianceHead) {
        this(hiddenSizes, activation, outputActivation, dropout, noise, noiseLevel, varianceHead, 0, 1);
    }

    DenseSettings {
        for (long h : hiddenSizes) {
            if (h <= 0) {
                throw new IllegalArgumentException("hidden.sizes must be positive, were " + Arrays.toString(hiddenSizes));
            }
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("dropout must be in [0, 1), was " + dropout);
        }
        if (noise == NoiseKind.MASKING && !(noiseLevel >= 0 && noiseLevel < 1)) {
            throw new IllegalArgumentException("noise.level is the masking probability and must be in [0, 1), was "
                    + noiseLevel);
        }
        if (noise == NoiseKind.GAUSSIAN && !(noiseLevel >= 0)) {
            throw new IllegalArgumentException("noise.level is the Gaussian standard deviation and must be >= 0, was "
                    + noiseLevel);
        }
        if (!(contractiveWeight >= 0) || Double.isInfinite(contractiveWeight)) {
            throw new IllegalArgumentException("contractive.weight must be finite and >= 0 (0 = off), was "
                    + contractiveWeight);
        }
        if (contractiveProjections < 1) {
            throw new IllegalArgumentException("contractive.projections must be >= 1, was " + contractiveProjections);
        }
        hiddenSizes = hiddenSizes.clone();
    }

    static DenseSettings defaults() {
        return new DenseSettings(new long[] {256}, Activation.RELU, Activation.NONE, 0, NoiseKind.NONE, 0.1);
    }

    static DenseSettings of(DenseFamily.Config c) {
        return new DenseSettings(Arrays.stream(c.hidden_sizes()).asLongStream().toArray(),
                Choices.parse(Activation.class, c.activation(), "activation"),
                Choices.parse(Activation.class, c.output_activation(), "output.activation",
                        Map.of("linear", Activation.NONE)),
                c.dropout(), Choices.parse(NoiseKind.class, c.noise(), "noise"), c.noise_level(), c.variance_head(),
                c.contractive_weight(), c.contractive_projections());
    }
}
