package org.hourglass.family.vq;

import java.util.Arrays;
import java.util.Map;
import org.hourglass.graph.Layers.Activation;
import org.hourglass.graph.Layers;
import org.hourglass.spi.Choices;

/**
 * The vq family's configuration as checked values (the component converts its Config to this).
 *
 * @param hiddenSizes      widths of the encoder's hidden layers, input side first; the decoder mirrors them
 * @param activation       after every hidden layer
 * @param outputActivation after the decoder's last layer
 * @param codebookSize     K, the number of code vectors
 * @param codeDim          length of one code vector; {@code latent.size / codeDim} vectors per sample
 * @param codebookRange    the code vectors start uniform on [-range, range]
 * @param beta             weight of the commitment term
 * @param ema              true: the codebook is an exponential moving average of its assigned codes (a buffer, not
 *                         trained by the optimizer; no codebook loss term)
 * @param emaDecay         decay of the moving averages
 * @param deadCodeSteps    a code unused for this many training steps in a row is restarted at a random encoder
 *                         output of the batch (0 = never)
 */
record VqSettings(long[] hiddenSizes, Activation activation, Activation outputActivation, int codebookSize,
                  int codeDim, double codebookRange, double beta, boolean ema, double emaDecay, int deadCodeSteps) {

    VqSettings {
        for (long h : hiddenSizes) {
            if (h <= 0) {
                throw new IllegalArgumentException("hidden.sizes must be positive, were " + Arrays.toString(hiddenSizes));
            }
        }
        if (codebookSize < 2) {
            throw new IllegalArgumentException("codebook.size must be >= 2, was " + codebookSize);
        }
        if (codeDim < 1) {
            throw new IllegalArgumentException("code.dim must be >= 1, was " + codeDim);
        }
        if (!(codebookRange > 0) || Double.isInfinite(codebookRange)) {
            throw new IllegalArgumentException("codebook.range must be a finite number > 0, was " + codebookRange);
        }
        if (!(beta >= 0) || Double.isInfinite(beta)) {
            throw new IllegalArgumentException("beta must be finite and >= 0, was " + beta);
        }
        if (!(emaDecay > 0 && emaDecay < 1)) {
            throw new IllegalArgumentException("ema.decay must be in (0, 1), was " + emaDecay);
        }
        if (deadCodeSteps < 0) {
            throw new IllegalArgumentException("dead.code.steps must be >= 0 (0 = no restarts), was " + deadCodeSteps);
        }
        hiddenSizes = hiddenSizes.clone();
    }

    @Override
    public long[] hiddenSizes() {
        return hiddenSizes.clone();
    }

    /** Vectors per sample; fails naming both settings when the latent size is not a multiple of code.dim. */
    int codesPerSample(int latentSize) {
        if (latentSize % codeDim != 0) {
            throw new IllegalArgumentException("vq: the pipeline's latent.size (" + latentSize
                    + ") must be a multiple of code.dim (" + codeDim + ")");
        }
        return latentSize / codeDim;
    }

    static VqSettings defaults() {
        return new VqSettings(new long[] {256}, Activation.RELU, Activation.NONE, 64, 4, 1.0, 0.25, false, 0.99, 0);
    }

    static VqSettings of(VqFamily.Config c) {
        return new VqSettings(Arrays.stream(c.hidden_sizes()).asLongStream().toArray(),
                Choices.parse(c.activation(), "activation", HIDDEN),
                Choices.parse(c.output_activation(), "output.activation", OUTPUT),
                c.codebook_size(), c.code_dim(), c.codebook_range(), c.beta(), c.ema(), c.ema_decay(),
                c.dead_code_steps());
    }

    /** The activations a layer may have; an output layer may also be {@code linear}. */
    private static final Map<String, Activation> HIDDEN = Choices.words(Activation.RELU, Activation.TANH,
            Activation.SIGMOID, Activation.GELU);
    private static final Map<String, Activation> OUTPUT = Choices.with(HIDDEN, "linear", Activation.NONE);
}
