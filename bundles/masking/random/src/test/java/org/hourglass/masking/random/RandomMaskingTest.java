package org.hourglass.masking.random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.hourglass.masking.patches.PatchGrid;
import org.hourglass.spi.InputSpec;
import org.hourglass.testing.Configs;
import org.junit.jupiter.api.Test;

class RandomMaskingTest {

    private static final InputSpec IMAGES = InputSpec.of(28, 28);

    private static RandomMasking masking(Object... keyValues) {
        Map<String, Object> values = new java.util.HashMap<>();
        values.put("hourglass_name", "test-random");
        for (int i = 0; i < keyValues.length; i += 2) {
            values.put((String) keyValues[i], keyValues[i + 1]);
        }
        return new RandomMasking(Configs.of(RandomMasking.Config.class, values));
    }

    private static float[] fill(RandomMasking m, InputSpec spec, int batch, long seed) {
        float[] visible = new float[batch * spec.features()];
        m.fill(visible, batch, spec, new SplittableRandom(seed));
        return visible;
    }

    @Test
    void everySampleHidesExactlyTheRoundedRatioOfPatches() {
        RandomMasking m = masking();
        PatchGrid g = m.grid(IMAGES);
        float[] v = fill(m, IMAGES, 200, 3);
        for (int s = 0; s < 200; s++) {
            int hidden = 0;
            for (boolean h : g.hiddenPatches(v, s)) {
                hidden += h ? 1 : 0;
            }
            assertEquals(37, hidden, "sample " + s); // round(0.75 * 49)
            int zeros = 0;
            for (int i = s * 784; i < (s + 1) * 784; i++) {
                assertTrue(v[i] == 0f || v[i] == 1f);
                zeros += v[i] == 0f ? 1 : 0;
            }
            assertEquals(37 * 16, zeros, "whole patches: sample " + s);
        }
        assertEquals(4 * 49, count(fill(masking("mask_ratio", 0.25, "patch_size", 7), IMAGES, 1, 1), 0f)); // 4 of 16
    }

    @Test
    void theSameSeedGivesTheSameMasksAndAnotherSeedOthers() {
        RandomMasking m = masking();
        float[] a = fill(m, IMAGES, 50, 42);
        assertArrayEquals(a, fill(m, IMAGES, 50, 42));
        assertArrayEquals(a, fill(masking(), IMAGES, 50, 42), "a new instance draws the same masks");
        assertFalse(Arrays.equals(a, fill(m, IMAGES, 50, 43)));
        // samples of one batch differ too
        assertFalse(Arrays.equals(Arrays.copyOfRange(a, 0, 784), Arrays.copyOfRange(a, 784, 1568)));
    }

    @Test
    void everyPatchIsHiddenAboutAsOftenAsTheRatio() {
        RandomMasking m = masking();
        PatchGrid g = m.grid(IMAGES);
        int n = 4000;
        float[] v = fill(m, IMAGES, n, 9);
        int[] hiddenCounts = new int[g.patches()];
        for (int s = 0; s < n; s++) {
            boolean[] h = g.hiddenPatches(v, s);
            for (int p = 0; p < h.length; p++) {
                hiddenCounts[p] += h[p] ? 1 : 0;
            }
        }
        double expected = n * 37.0 / 49; // 3020; binomial sd about 27
        for (int p = 0; p < hiddenCounts.length; p++) {
            assertEquals(expected, hiddenCounts[p], 150, "patch " + p);
        }
    }

    @Test
    void channelsShareTheMaskAndFlatSamplesAreMaskedPerFeature() {
        InputSpec rgb = InputSpec.of(3, 8, 8);
        float[] v = fill(masking(), rgb, 5, 1);
        for (int s = 0; s < 5; s++) {
            for (int c = 1; c < 3; c++) {
                assertArrayEquals(Arrays.copyOfRange(v, s * 192, s * 192 + 64),
                        Arrays.copyOfRange(v, s * 192 + c * 64, s * 192 + (c + 1) * 64));
            }
        }
        float[] flat = fill(masking(), InputSpec.of(784), 3, 1);
        for (int s = 0; s < 3; s++) {
            assertEquals(588, count(Arrays.copyOfRange(flat, s * 784, (s + 1) * 784), 0f));
        }
    }

    @Test
    void badConfigurationIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> masking("mask_ratio", 1.5));
        assertTrue(e.getMessage().contains("masking 'test-random': mask.ratio must be in (0, 1)"), e.getMessage());
        RandomMasking m = masking("patch_size", 6);
        e = assertThrows(IllegalArgumentException.class, () -> fill(m, IMAGES, 1, 1));
        assertTrue(e.getMessage().contains("patch.size 6 does not divide the 28x28 images"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> masking("hourglass_name", " "));
        assertTrue(e.getMessage().contains("hourglass.name"), e.getMessage());
    }

    private static int count(float[] values, float v) {
        int n = 0;
        for (float x : values) {
            n += x == v ? 1 : 0;
        }
        return n;
    }
}
