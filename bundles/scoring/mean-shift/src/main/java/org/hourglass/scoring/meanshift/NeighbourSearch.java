package org.hourglass.scoring.meanshift;

import org.hourglass.api.executor.OnnxExecutor;

/**
 * The shared exact neighbour search (library {@code org.hourglass.scoring.neighbours}, copied into this bundle by
 * bnd's {@code -conditionalpackage}) with mean-shift's session names.
 */
final class NeighbourSearch extends org.hourglass.scoring.neighbours.NeighbourSearch {

    NeighbourSearch(OnnxExecutor executor, int blockSize) {
        super(executor, blockSize, "mean-shift");
    }
}
