package org.hourglass.spi;

import java.util.Locale;

/**
 * What a family's reconstruction holds ({@link PluginProperties#EMITS}) and what a loss reads from it
 * ({@link PluginProperties#READS}); the pipeline refuses a pair that does not fit, naming both plug-ins.
 *
 * @since 1.8
 */
public enum ReconstructionKind {
    /**
     * Numbers in the units of the normalised input (for data min-max normalised to [0, 1], the probabilities a
     * sigmoid output gives). What a plug-in that declares nothing emits or reads.
     */
    VALUES,
    /** Logits: the reconstruction is {@code sigmoid} of them (a Bernoulli decoder); only a logit loss reads them. */
    LOGITS;

    /** The service property's word. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Whether a loss reading this can be trained on a family emitting {@code emitted}. A loss of logits accepts
     * plain values too: a family's linear output is then its logits (the {@code bce} loss with a linear
     * {@code dense} family); a loss of values cannot read logits.
     */
    public boolean accepts(ReconstructionKind emitted) {
        return this == LOGITS || emitted == VALUES;
    }

    /**
     * A service property's value as a kind: {@link #VALUES} when absent.
     *
     * @param property the property's name, for the error
     */
    public static ReconstructionKind of(Object value, String property) {
        return value == null ? VALUES : Choices.parse(ReconstructionKind.class, String.valueOf(value), property);
    }
}
