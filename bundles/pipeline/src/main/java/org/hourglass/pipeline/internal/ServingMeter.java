package org.hourglass.pipeline.internal;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;
import org.hourglass.api.pipeline.ServingStats;

/** Lock-free counters of serving calls; cheap enough for every request. */
final class ServingMeter {

    /** Seconds: 100 µs to 10 s, then +Inf. */
    static final double[] BOUNDS = {1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25, 0.5, 1, 2.5,
        5, 10, Double.POSITIVE_INFINITY};

    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong samples = new AtomicLong();
    private final AtomicLongArray buckets = new AtomicLongArray(BOUNDS.length);
    private final DoubleAdder seconds = new DoubleAdder();

    void record(long startNanos, int sampleCount, boolean failed) {
        double s = (System.nanoTime() - startNanos) / 1e9;
        requests.incrementAndGet();
        if (failed) {
            errors.incrementAndGet();
        } else {
            samples.addAndGet(sampleCount);
        }
        seconds.add(s);
        for (int i = 0; i < BOUNDS.length; i++) {
            if (s <= BOUNDS[i]) {
                buckets.incrementAndGet(i);
                break;
            }
        }
    }

    ServingStats snapshot() {
        long[] cumulative = new long[BOUNDS.length];
        long sum = 0;
        for (int i = 0; i < BOUNDS.length; i++) {
            sum += buckets.get(i);
            cumulative[i] = sum;
        }
        return new ServingStats(requests.get(), errors.get(), samples.get(), BOUNDS, cumulative, seconds.sum());
    }
}
