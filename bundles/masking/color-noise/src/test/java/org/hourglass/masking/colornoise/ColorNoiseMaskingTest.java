package org.hourglass.masking.colornoise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.hourglass.masking.patches.PatchGrid;
import org.hourglass.spi.InputSpec;
import org.hourglass.testing.Configs;
import org.junit.jupiter.api.Test;

class ColorNoiseMaskingTest {

    private static final InputSpec IMAGES = InputSpec.of(28, 28);
    private static final NoiseBank.Sigmas DEFAULT_SIGMAS = new NoiseBank.Sigmas(1.0, 1.0, 0.8, 1.6);

    private static ColorNoiseMasking masking(Object... keyValues) {
        Map<String, Object> values = new HashMap<>();
        values.put("hourglass_name", "test-noise");
        for (int i = 0; i < keyValues.length; i += 2) {
            values.put((String) keyValues[i], keyValues[i + 1]);
        }
        return new ColorNoiseMasking(Configs.of(ColorNoiseMasking.Config.class, values));
    }

    private static float[] fill(ColorNoiseMasking m, InputSpec spec, int batch, long seed) {
        float[] visible = new float[batch * spec.features()];
        m.fill(visible, batch, spec, new SplittableRandom(seed));
        return visible;
    }

    @Test
    void everySampleHidesExactlyTheRoundedRatioOfPatches() {
        for (String color : new String[] {"red", "green", "blue", "purple"}) {
            for (double ratio : new double[] {0.25, 0.75}) {
                ColorNoiseMasking m = masking("color", color, "mask_ratio", ratio);
                PatchGrid g = m.grid(IMAGES);
                float[] v = fill(m, IMAGES, 100, 11);
                for (int s = 0; s < 100; s++) {
                    int hidden = 0;
                    for (boolean h : g.hiddenPatches(v, s)) {
                        hidden += h ? 1 : 0;
                    }
                    assertEquals(Math.round(ratio * 49), hidden, color + " ratio " + ratio + " sample " + s);
                }
            }
        }
    }

    @Test
    void keepHighestKeepsExactlyTheTopScoresAndBreaksTiesByIndex() {
        boolean[] hidden = new boolean[6];
        ColorNoiseMasking.keepHighest(new float[] {0.1f, 3f, -1f, 2f, 2f, 2f}, new float[6], 3, hidden);
        assertArrayEquals(new boolean[] {true, false, true, false, false, true}, hidden);
        ColorNoiseMasking.keepHighest(new float[] {5f, 4f, 3f, 2f, 1f, 0f}, new float[6], 1, hidden);
        assertArrayEquals(new boolean[] {false, true, true, true, true, true}, hidden);
    }

    @Test
    void theSameSeedGivesTheSameMasksAndAnotherSeedOthers() {
        float[] a = fill(masking(), IMAGES, 50, 42);
        assertArrayEquals(a, fill(masking(), IMAGES, 50, 42), "a new instance builds the same bank");
        assertFalse(Arrays.equals(a, fill(masking(), IMAGES, 50, 43)), "crops come from the pipeline's random");
        assertFalse(Arrays.equals(a, fill(masking("bank_seed", 5L), IMAGES, 50, 42)), "another bank");
        assertFalse(Arrays.equals(Arrays.copyOfRange(a, 0, 784), Arrays.copyOfRange(a, 784, 1568)));
    }

    @Test
    void theBankIsBuiltOncePerGridShape() {
        ColorNoiseMasking m = masking();
        NoiseBank first = m.bank(m.grid(IMAGES));
        assertSame(first, m.bank(m.grid(IMAGES)));
        assertEquals(32, first.count());
        assertEquals(64, first.height());
        assertEquals(64, first.width());
        NoiseBank flat = m.bank(m.grid(InputSpec.of(100)));
        assertEquals(1, flat.height(), "flat samples use one-row patterns");
        assertEquals(200, flat.width(), "patterns are at least twice the grid");
    }

    /** Neighbour correlation of patterns: white noise about 0, red strongly positive, blue negative. */
    @Test
    void neighbourCorrelationFollowsTheColour() {
        assertEquals(0, meanLag1(white(8, 32, 1), 32), 0.05);
        assertTrue(meanLag1(bank(NoiseColor.RED), 32) > 0.6);
        assertTrue(meanLag1(bank(NoiseColor.GREEN), 32) > 0.3);
        assertTrue(meanLag1(bank(NoiseColor.BLUE), 32) < -0.1);
        assertTrue(meanLag1(bank(NoiseColor.PURPLE), 32) < -0.05);
    }

    /**
     * Power in three rings of spatial frequency (cycles per patch: below 0.125, 0.125 to 0.3, above 0.3) as
     * fractions of the total, against white noise (about 0.04 / 0.24 / 0.72 on a 32x32 grid).
     */
    @Test
    void powerSpectraAreLowBandHighAndBandStop() {
        double[] white = bands(white(8, 32, 1), 32);
        double[] red = bands(bank(NoiseColor.RED), 32);
        double[] green = bands(bank(NoiseColor.GREEN), 32);
        double[] blue = bands(bank(NoiseColor.BLUE), 32);
        double[] purple = bands(bank(NoiseColor.PURPLE), 32);
        String all = "white " + Arrays.toString(white) + " red " + Arrays.toString(red) + " green "
                + Arrays.toString(green) + " blue " + Arrays.toString(blue) + " purple " + Arrays.toString(purple);
        assertTrue(red[0] > 4 * white[0] && red[2] < 0.1, "red is low-pass: " + all);
        assertTrue(blue[0] < white[0] / 10 && blue[2] > white[2] + 0.1, "blue is high-pass: " + all);
        assertTrue(green[1] > 0.6 && green[1] > white[1] + 0.3 && green[0] < white[0] && green[2] < white[2] / 2,
                "green is band-pass: " + all);
        assertTrue(purple[1] < white[1] * 0.7 && purple[2] > white[2], "purple is band-stop: " + all);
    }

    /**
     * On the masks (14x14 patches, 75 % hidden): red keeps clumps (few groups, many adjacent visible pairs), blue
     * scatters (fewer adjacent pairs than uniform random masks), green lies between red and random.
     */
    @Test
    void maskLayoutsFollowTheColour() {
        double[] random = layout(null);
        double[] red = layout("red");
        double[] green = layout("green");
        double[] blue = layout("blue");
        double[] purple = layout("purple");
        String all = "[groups, pairs] random " + Arrays.toString(random) + " red " + Arrays.toString(red) + " green "
                + Arrays.toString(green) + " blue " + Arrays.toString(blue) + " purple " + Arrays.toString(purple);
        assertTrue(red[0] < random[0] / 2 && red[1] > 2 * random[1], all);
        assertTrue(green[0] > red[0] && green[0] < random[0] && green[1] > random[1], all);
        assertTrue(blue[0] > random[0] && blue[1] < 0.85 * random[1], all);
        assertTrue(purple[1] < random[1], all);
    }

    @Test
    void flatSamplesAreMaskedPerFeature() {
        InputSpec flat = InputSpec.of(100);
        float[] v = fill(masking("color", "red"), flat, 20, 1);
        for (int s = 0; s < 20; s++) {
            int zeros = 0;
            for (int i = s * 100; i < (s + 1) * 100; i++) {
                zeros += v[i] == 0f ? 1 : 0;
            }
            assertEquals(75, zeros);
        }
    }

    @Test
    void badConfigurationIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> masking("color", "orange"));
        assertTrue(e.getMessage().contains("masking 'test-noise': color must be one of red, green, blue, purple"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> masking("mask_ratio", -0.5));
        assertTrue(e.getMessage().contains("mask.ratio must be in (0, 1)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> masking("green_sigma_narrow", 2.0, "green_sigma_wide", 1.0));
        assertTrue(e.getMessage().contains("green.sigma.wide (1.0) must be larger than green.sigma.narrow (2.0)"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> masking("red_sigma", 0.0));
        assertTrue(e.getMessage().contains("red.sigma must be in (0, 1000]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> masking("bank_size", 0));
        assertTrue(e.getMessage().contains("bank.size must be >= 1"), e.getMessage());
        ColorNoiseMasking m = masking("patch_size", 8);
        e = assertThrows(IllegalArgumentException.class, () -> fill(m, IMAGES, 1, 1));
        assertTrue(e.getMessage().contains("patch.size 8 does not divide the 28x28 images"), e.getMessage());
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    private static float[][] bank(NoiseColor color) {
        NoiseBank b = NoiseBank.generate(color, DEFAULT_SIGMAS, 8, 32, 32, 1);
        float[][] p = new float[b.count()][];
        for (int k = 0; k < p.length; k++) {
            p[k] = b.pattern(k);
        }
        return p;
    }

    private static float[][] white(int count, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] p = new float[count][n * n];
        for (float[] q : p) {
            for (int i = 0; i < q.length; i++) {
                q[i] = (float) r.nextGaussian();
            }
        }
        return p;
    }

    /** Mean correlation of each value with its right and lower neighbour (periodic), over the patterns. */
    private static double meanLag1(float[][] patterns, int n) {
        double total = 0;
        for (float[] p : patterns) {
            double mean = 0;
            for (float v : p) {
                mean += v;
            }
            mean /= p.length;
            double var = 0;
            double cov = 0;
            for (int y = 0; y < n; y++) {
                for (int x = 0; x < n; x++) {
                    double a = p[y * n + x] - mean;
                    var += a * a;
                    cov += a * (p[y * n + (x + 1) % n] - mean) + a * (p[((y + 1) % n) * n + x] - mean);
                }
            }
            total += cov / (2 * var);
        }
        return total / patterns.length;
    }

    /** Fractions of power (DC left out) in the low, middle and high frequency rings, averaged over patterns. */
    private static double[] bands(float[][] patterns, int n) {
        double[] cos = new double[n];
        double[] sin = new double[n];
        for (int i = 0; i < n; i++) {
            cos[i] = Math.cos(2 * Math.PI * i / n);
            sin[i] = Math.sin(2 * Math.PI * i / n);
        }
        double[] bands = new double[3];
        for (float[] p : patterns) {
            // Separable DFT: rows, then columns.
            double[] re = new double[n * n];
            double[] im = new double[n * n];
            for (int y = 0; y < n; y++) {
                for (int v = 0; v < n; v++) {
                    for (int x = 0; x < n; x++) {
                        int t = (v * x) % n;
                        re[y * n + v] += p[y * n + x] * cos[t];
                        im[y * n + v] -= p[y * n + x] * sin[t];
                    }
                }
            }
            double[] power = new double[n * n];
            for (int u = 0; u < n; u++) {
                for (int v = 0; v < n; v++) {
                    double r = 0;
                    double i = 0;
                    for (int y = 0; y < n; y++) {
                        int t = (u * y) % n;
                        r += re[y * n + v] * cos[t] + im[y * n + v] * sin[t];
                        i += im[y * n + v] * cos[t] - re[y * n + v] * sin[t];
                    }
                    power[u * n + v] = r * r + i * i;
                }
            }
            double total = 0;
            double[] one = new double[3];
            for (int u = 0; u < n; u++) {
                for (int v = 0; v < n; v++) {
                    if (u == 0 && v == 0) {
                        continue;
                    }
                    double f = Math.hypot(Math.min(u, n - u), Math.min(v, n - v)) / n;
                    one[f < 0.125 ? 0 : f < 0.3 ? 1 : 2] += power[u * n + v];
                    total += power[u * n + v];
                }
            }
            for (int b = 0; b < 3; b++) {
                bands[b] += one[b] / total / patterns.length;
            }
        }
        return bands;
    }

    /** Mean [groups of visible patches, adjacent visible pairs] of 300 masks (uniform random when color is null). */
    private static double[] layout(String color) {
        ColorNoiseMasking m = masking("color", color == null ? "green" : color, "patch_size", 2);
        PatchGrid g = m.grid(IMAGES);
        int n = 300;
        float[] v = fill(m, IMAGES, n, 9);
        SplittableRandom r = new SplittableRandom(3);
        double groups = 0;
        double pairs = 0;
        for (int s = 0; s < n; s++) {
            boolean[] shown = g.hiddenPatches(v, s);
            if (color == null) {
                Arrays.fill(shown, false);
                for (int k = 0; k < 49; ) {
                    int q = r.nextInt(shown.length);
                    if (!shown[q]) {
                        shown[q] = true;
                        k++;
                    }
                }
            } else {
                for (int i = 0; i < shown.length; i++) {
                    shown[i] = !shown[i];
                }
            }
            groups += g.hiddenComponents(shown); // counts groups of true entries, here the visible ones
            for (int y = 0; y < 14; y++) {
                for (int x = 0; x < 14; x++) {
                    if (shown[y * 14 + x]) {
                        pairs += (x < 13 && shown[y * 14 + x + 1] ? 1 : 0) + (y < 13 && shown[(y + 1) * 14 + x] ? 1 : 0);
                    }
                }
            }
        }
        return new double[] {groups / n, pairs / n};
    }
}
