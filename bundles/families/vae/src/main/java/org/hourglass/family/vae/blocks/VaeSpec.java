package org.hourglass.family.vae.blocks;

import java.util.Arrays;
import java.util.Map;
import java.util.Locale;
import org.hourglass.graph.Layers.Activation;
import org.hourglass.graph.Layers;
import org.hourglass.spi.Choices;

/**
 * The settings of a variational autoencoder, checked: every bad value fails naming its configuration attribute.
 *
 * @param hiddenSizes       encoder widths, input side first; the decoder mirrors them
 * @param activation        hidden activation
 * @param decoder           the decoder's likelihood
 * @param outputActivation  the Gaussian decoder's output activation ({@code NONE} or {@code SIGMOID}); a Bernoulli
 *                          decoder always outputs logits
 * @param beta              weight of the KL term (>= 0)
 * @param warmupSteps       training steps over which the KL weight rises linearly from 0 to beta; 0 = none
 * @param activeThreshold   KL (nats, batch mean) above which a latent dimension counts as active
 * @param likelihoodSamples draws of z for the inference output {@value VaeModel#LOG_LIKELIHOOD}; 0 = no output
 * @param conditionClasses  classes of the one-hot condition (CVAE); 0 = unconditional
 * @param conditionSource   where the condition comes from: {@code label}, {@code feature:<index>} or
 *                          {@code column:<name>}
 */
public record VaeSpec(long[] hiddenSizes, Activation activation, Decoder decoder, Activation outputActivation,
                      double beta, int warmupSteps, double activeThreshold, int likelihoodSamples,
                      int conditionClasses, String conditionSource) {

    /** The decoder's likelihood. */
    public enum Decoder {
        /** Gaussian with variance ½: its negative log-likelihood per entry is the squared error plus a constant. */
        GAUSSIAN,
        /** Bernoulli: the decoder outputs logits, trained with the {@code bce} loss. */
        BERNOULLI
    }

    public VaeSpec {
        for (long h : hiddenSizes) {
            if (h <= 0) {
                throw new IllegalArgumentException("hidden.sizes must be positive, were " + Arrays.toString(hiddenSizes));
            }
        }
        if (!(beta >= 0) || !Double.isFinite(beta)) {
            throw new IllegalArgumentException("beta must be a finite number >= 0, was " + beta);
        }
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("kl.warmup.steps must be >= 0 (0 = no warm-up), was " + warmupSteps);
        }
        if (!(activeThreshold >= 0) || !Double.isFinite(activeThreshold)) {
            throw new IllegalArgumentException("active.threshold must be a finite number >= 0, was " + activeThreshold);
        }
        if (likelihoodSamples < 0 || likelihoodSamples > 1024) {
            throw new IllegalArgumentException("likelihood.samples must be in 0..1024 (0 = no log_likelihood output), "
                    + "was " + likelihoodSamples);
        }
        if (conditionClasses < 0) {
            throw new IllegalArgumentException("condition.classes must be >= 0 (0 = unconditional), was "
                    + conditionClasses);
        }
        conditionSource = conditionSource == null ? "" : conditionSource.strip().toLowerCase(Locale.ROOT);
        if (conditionClasses > 0) {
            checkConditionSource(conditionSource);
        }
        if (decoder == Decoder.BERNOULLI) {
            outputActivation = Activation.NONE;
        } else if (outputActivation != Activation.NONE && outputActivation != Activation.SIGMOID) {
            throw new IllegalArgumentException("output.activation must be linear or sigmoid, was " + outputActivation);
        }
        hiddenSizes = hiddenSizes.clone();
    }

    @Override
    public long[] hiddenSizes() {
        return hiddenSizes.clone();
    }

    public boolean conditional() {
        return conditionClasses > 0;
    }

    /** {@code label}, {@code feature:<index>} with a non-negative index, or {@code column:<name>}. */
    static void checkConditionSource(String source) {
        if (source.equals("label") || source.startsWith("column:") && !source.substring(7).isBlank()) {
            return;
        }
        if (source.startsWith("feature:")) {
            try {
                if (Integer.parseInt(source.substring("feature:".length()).strip()) >= 0) {
                    return;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw new IllegalArgumentException("condition.source must be 'label', 'feature:<index>' (a feature of the "
                + "sample, 0-based) or 'column:<name>' (a feature the data source names), was '" + source + "'");
    }

    /** An activation by its configuration word; {@code linear} only where {@code linearAllowed}. */
    public static Activation activation(String word, String attribute, boolean linearAllowed) {
        return Choices.parse(word, attribute, linearAllowed ? OUTPUT : HIDDEN);
    }

    private static final Map<String, Activation> HIDDEN = Choices.words(Activation.RELU, Activation.TANH,
            Activation.SIGMOID, Activation.GELU);
    private static final Map<String, Activation> OUTPUT = Choices.with(HIDDEN, "linear", Activation.NONE);

    /** A decoder by its configuration word. */
    public static Decoder decoder(String word) {
        return Choices.parse(Decoder.class, word, "decoder");
    }
}
