package org.hourglass.family.conv;

import org.hourglass.spi.FamilyContext;
import org.hourglass.spi.FamilyOutputs;

/**
 * The conv family's network for the benchmarks, outside a framework: the family's package is private to its
 * bundle, so this class sits in the same package (on the benchmarks' plain class path) and calls its builder.
 */
public final class ConvBenchmarkGraph {

    private ConvBenchmarkGraph() {
    }

    /** The default {@code conv} instance: channels 16, 32, kernel 3, ReLU, sigmoid output. */
    public static FamilyOutputs buildDefault(FamilyContext context) {
        return ConvNetwork.build(ConvSettings.defaults(), context);
    }
}
