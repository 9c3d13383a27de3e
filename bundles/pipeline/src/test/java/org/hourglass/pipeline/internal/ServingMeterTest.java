package org.hourglass.pipeline.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.hourglass.api.pipeline.ServingStats;
import org.junit.jupiter.api.Test;

class ServingMeterTest {

    @Test
    void countsRequestsErrorsSamplesAndCumulativeLatencyBuckets() {
        ServingMeter meter = new ServingMeter();
        long now = System.nanoTime();
        meter.record(now, 10, false);
        meter.record(now - 3_000_000_000L, 5, false); // 3 s ago: lands in the 5 s bucket
        meter.record(now, 7, true);
        ServingStats s = meter.snapshot();
        assertEquals(3, s.requests());
        assertEquals(1, s.errors());
        assertEquals(15, s.samples(), "samples of failed calls are not counted");
        long[] counts = s.bucketCounts();
        assertEquals(3, counts[counts.length - 1], "+Inf holds every call");
        int fiveSeconds = java.util.Arrays.binarySearch(ServingMeter.BOUNDS, 5);
        assertEquals(3, counts[fiveSeconds]);
        assertEquals(2, counts[fiveSeconds - 1], "2.5 s bucket misses the 3 s call");
        assertEquals(true, s.latencySeconds() >= 3);
    }
}
