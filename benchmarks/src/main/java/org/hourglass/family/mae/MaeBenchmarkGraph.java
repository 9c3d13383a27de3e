package org.hourglass.family.mae;

import org.hourglass.spi.FamilyContext;
import org.hourglass.spi.FamilyOutputs;

/**
 * The mae family's network for the benchmarks, outside a framework: the family's package is private to its bundle,
 * so this class sits in the same package (on the benchmarks' plain class path) and calls its builder.
 */
public final class MaeBenchmarkGraph {

    private MaeBenchmarkGraph() {
    }

    /**
     * The family's network with fixed sine-cosine positions and a linear output; {@code context.visible()} must
     * hold the training mask.
     */
    public static FamilyOutputs build(FamilyContext context, int patch, double maskRatio, int embedDim, int depth,
                                      int heads, int decoderDim, int decoderDepth, int decoderHeads, int mlpRatio) {
        return MaeNetwork.build(new MaeSettings(patch, maskRatio, embedDim, depth, heads, decoderDim, decoderDepth,
                decoderHeads, mlpRatio, false, false), context);
    }

    /** The family's fixed 2-D sine-cosine positions, {@code [rows * cols, dim]} row-major. */
    public static double[] sinCosPositions(long rows, long cols, long dim) {
        return MaeNetwork.sinCos(rows, cols, dim);
    }
}
