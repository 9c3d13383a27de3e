package org.hourglass.api.pipeline;

/**
 * Counters of a pipeline's serving calls (score, label, encode, reconstruct, evaluate) since its component started.
 *
 * @param requests       calls answered or refused
 * @param errors         calls that ended with an exception (bad input included)
 * @param samples        samples in answered calls
 * @param bucketBounds   upper bounds in seconds of the latency buckets, ascending
 * @param bucketCounts   cumulative count of calls at or under each bound (Prometheus style); the last bound is
 *                       {@code +Inf}
 * @param latencySeconds total seconds spent in calls
 */
public record ServingStats(long requests, long errors, long samples, double[] bucketBounds, long[] bucketCounts,
                           double latencySeconds) {

    public ServingStats {
        if (bucketBounds.length != bucketCounts.length) {
            throw new IllegalArgumentException("one count per bucket bound");
        }
        bucketBounds = bucketBounds.clone();
        bucketCounts = bucketCounts.clone();
    }

    @Override
    public double[] bucketBounds() {
        return bucketBounds.clone();
    }

    @Override
    public long[] bucketCounts() {
        return bucketCounts.clone();
    }
}
