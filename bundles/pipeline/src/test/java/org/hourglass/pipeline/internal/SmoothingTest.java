package org.hourglass.pipeline.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SmoothingTest {

    @Test
    void edgesAreMirroredWithTheEdgeValueRepeated() {
        int[] expected = {1, 0, 0, 1, 2, 3, 4, 4, 3, 2};
        for (int i = -2; i < 8; i++) {
            assertEquals(expected[i + 2], Smoothing.mirror(i, 5), "index " + i);
        }
        assertEquals(0, Smoothing.mirror(-10, 5), "twice the width away: back in phase");
    }

    @Test
    void theKernelIsANormalisedGaussianCutAtFourSigma() {
        double[] k = new Smoothing(1.0, 1, 9, 9).kernel();
        assertEquals(9, k.length, "radius 4");
        double z = 0;
        for (int i = -4; i <= 4; i++) {
            z += Math.exp(-0.5 * i * i);
        }
        assertEquals(1 / z, k[4], 1e-15);
        assertEquals(Math.exp(-0.5) / z, k[3], 1e-15);
        assertEquals(k[2], k[6], 0);
        assertEquals(5, new Smoothing(0.5, 1, 9, 9).kernel().length, "radius int(4 * 0.5 + 0.5) = 2");
    }

    /** Separable smoothing equals the direct 2-D convolution with the product kernel, mirrored at the edges. */
    @Test
    void matchesTheDirectTwoDimensionalConvolution() {
        Smoothing s = new Smoothing(1.3, 2, 6, 11);
        double[] k = s.kernel();
        int r = k.length / 2;
        Random random = new Random(5);
        float[] in = new float[3 + s.features()];
        for (int i = 0; i < in.length; i++) {
            in[i] = (float) random.nextGaussian();
        }
        float[] out = new float[s.features() + 1];
        s.apply(in, 3, out, 1);
        for (int p = 0; p < 2; p++) {
            for (int y = 0; y < 6; y++) {
                for (int x = 0; x < 11; x++) {
                    double e = 0;
                    for (int dy = -r; dy <= r; dy++) {
                        for (int dx = -r; dx <= r; dx++) {
                            e += k[dy + r] * k[dx + r] * in[3 + p * 66 + Smoothing.mirror(y + dy, 6) * 11
                                    + Smoothing.mirror(x + dx, 11)];
                        }
                    }
                    assertEquals(e, out[1 + p * 66 + y * 11 + x], 1e-5, "plane " + p + " at " + y + "," + x);
                }
            }
        }
        float[] constant = new float[s.features()];
        java.util.Arrays.fill(constant, 0.25f);
        float[] smoothed = new float[s.features()];
        s.apply(constant, 0, smoothed, 0);
        for (float v : smoothed) {
            assertEquals(0.25f, v, 1e-6, "a constant image stays constant");
        }
    }

    @Test
    void wholeSamplesSmoothLikeOneAtATime() {
        Smoothing s = new Smoothing(0.8, 1, 5, 7);
        Random random = new Random(9);
        float[] two = new float[2 * s.features()];
        for (int i = 0; i < two.length; i++) {
            two[i] = random.nextFloat();
        }
        float[] one = new float[two.length];
        s.apply(two, 0, one, 0);
        s.apply(two, s.features(), one, s.features());
        assertArrayEquals(one, s.apply(two));
        assertThrows(IllegalArgumentException.class, () -> s.apply(new float[s.features() + 1]));
    }

    @Test
    void shapesDecideThePlanesAndFlatSamplesAreRefused() {
        assertNull(Smoothing.of(0, new long[] {784}), "0 is off, whatever the shape");
        assertEquals(new Smoothing(1, 3, 28, 28), Smoothing.of(1, new long[] {3, 28, 28}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Smoothing.of(1, new long[] {784}));
        assertTrue(e.getMessage().contains("smoothing 1.0 needs image-shaped samples")
                && e.getMessage().contains("[784]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Smoothing(Double.NaN, 1, 4, 4));
    }

    /**
     * The normaliser smooths before it scales, fits its range on the smoothed training values, stores the smoothing
     * and reads it back; a stored normaliser without it (written before it existed) does not smooth.
     */
    @Test
    void theNormaliserSmoothsFirstAndStoresIt() {
        Smoothing s = new Smoothing(1, 1, 5, 5);
        float[] impulse = new float[25];
        impulse[12] = 1;
        Normalizer n = Normalizer.fit("minmax", s, impulse, 25);
        float[] smoothed = new float[25];
        s.apply(impulse, 0, smoothed, 0);
        float max = 0;
        float min = 1;
        for (float v : smoothed) {
            max = Math.max(max, v);
            min = Math.min(min, v);
        }
        float[] applied = n.apply(impulse);
        for (int i = 0; i < 25; i++) {
            assertEquals((smoothed[i] - min) / (max - min), applied[i], 1e-6);
        }
        assertEquals(1.0, n.smoothingSigma());

        Map<String, Object> json = new com.fasterxml.jackson.databind.ObjectMapper().convertValue(n.toJson(),
                Map.class);
        Normalizer back = Normalizer.fromJson(json, 25);
        assertArrayEquals(applied, back.apply(impulse));
        float[] out = new float[25];
        assertEquals(-1, back.applyFinite(impulse, out, 0));
        assertArrayEquals(applied, out);
        float[] bad = impulse.clone();
        bad[7] = Float.NaN;
        assertEquals(7, back.applyFinite(bad, out, 0), "the raw value is named, not a smoothed neighbour");

        json.remove("smoothing");
        Normalizer old = Normalizer.fromJson(json, 25);
        assertEquals(0.0, old.smoothingSigma());
        assertEquals((1 - min) / (max - min), old.apply(impulse)[12], 1e-6, "no smoothing: the raw centre value");
        assertThrows(IllegalArgumentException.class, () -> Smoothing.fromJson(Map.of("sigma", 1, "planes", 1,
                "height", 4, "width", 4), 25));
    }
}
