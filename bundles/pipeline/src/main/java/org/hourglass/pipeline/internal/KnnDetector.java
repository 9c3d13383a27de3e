package org.hourglass.pipeline.internal;

import org.hourglass.api.executor.OnnxExecutor;
import org.hourglass.scoring.neighbours.KnnReference;
import org.hourglass.scoring.neighbours.NeighbourSearch;
import org.hourglass.scoring.neighbours.ReferenceSets;

/**
 * Reference detector for evaluations: the Euclidean distance from a sample to its {@value #K}th nearest reference
 * sample. Fitting keeps the reference (at most {@value #MAX_REFERENCE} training samples, a seeded subset when there
 * are more); the search is the scoring plug-ins' exact one on the executor (the neighbour library, inlined), in
 * blocks of at most {@value #BLOCK} queries and {@value #BLOCK} references, so a run holds at most BLOCK² distances
 * whatever the data's size. (For 10,000 queries of 784 values against 5,400 references, the demo's sizes, a plain
 * Java loop took 28 s on two busy cores, the executor 2.8 s.) Test samples are not training samples, so nothing is
 * left out.
 */
final class KnnDetector {

    static final int K = 5;
    static final int MAX_REFERENCE = 10_000;
    static final int BLOCK = 1024;

    private final int width;
    private final int count;
    private final int k;
    /** The reference rows, row-major. */
    private final float[] reference;

    private KnnDetector(int width, int count, int k, float[] reference) {
        this.width = width;
        this.count = count;
        this.k = k;
        this.reference = reference;
    }

    /** Keeps at most {@code maxReference} of the {@code n} rows of {@code values} (chosen with {@code seed}). */
    static KnnDetector fit(float[] values, int n, int width, int maxReference, long seed) {
        if (n < 1 || width < 1 || (long) n * width != values.length) {
            throw new IllegalArgumentException("k-NN baseline: " + values.length + " values are not " + n
                    + " samples of " + width + " features");
        }
        int[] rows = ReferenceSets.subset(n, maxReference, seed);
        return new KnnDetector(width, rows.length, Math.min(K, rows.length), ReferenceSets.rows(values, width, rows));
    }

    static KnnDetector fit(float[] values, int n, int width, long seed) {
        return fit(values, n, width, MAX_REFERENCE, seed);
    }

    /**
     * Distance of each of the {@code queryCount} rows of {@code queries} to its k-th nearest reference.
     *
     * @param session names the executor sessions (e.g. {@code pipeline/<name>/baseline-knn})
     */
    double[] score(OnnxExecutor executor, String session, float[] queries, int queryCount) {
        if ((long) queryCount * width != queries.length) {
            throw new IllegalArgumentException("k-NN baseline: " + queries.length + " values are not " + queryCount
                    + " samples of " + width + " features");
        }
        NeighbourSearch search = new NeighbourSearch(executor, BLOCK, session);
        try {
            return KnnReference.kth(search, queries, queryCount, reference, count, width, k,
                    KnnReference.Metric.EUCLIDEAN, null);
        } finally {
            search.close(); // one evaluation's sessions: released with it
        }
    }

    int k() {
        return k;
    }

    int referenceCount() {
        return count;
    }
}
