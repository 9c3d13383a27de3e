package org.hourglass.masking.colornoise;

import java.util.SplittableRandom;

/**
 * A fixed bank of filtered noise patterns (row-major {@code height x width}, periodic at the edges), generated
 * once from a seed; masks are crops of them. Immutable once built, so concurrent fills can share it.
 */
final class NoiseBank {

    private final float[][] patterns;
    private final int height;
    private final int width;

    private NoiseBank(float[][] patterns, int height, int width) {
        this.patterns = patterns;
        this.height = height;
        this.width = width;
    }

    /** {@code count} patterns of standard white noise from {@code seed}, filtered to {@code color}. */
    static NoiseBank generate(NoiseColor color, Sigmas sigmas, int count, int height, int width, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][] patterns = new float[count][];
        for (int k = 0; k < count; k++) {
            float[] noise = new float[height * width];
            for (int i = 0; i < noise.length; i++) {
                noise[i] = (float) random.nextGaussian();
            }
            patterns[k] = filter(noise, height, width, color, sigmas);
        }
        return new NoiseBank(patterns, height, width);
    }

    /** The filtered pattern; {@code noise} may be overwritten. */
    static float[] filter(float[] noise, int height, int width, NoiseColor color, Sigmas s) {
        switch (color) {
            case RED:
                return blur(noise, height, width, s.red());
            case BLUE:
                return subtract(noise, blur(noise, height, width, s.blue()));
            case GREEN:
                return band(noise, height, width, s);
            case PURPLE:
                return subtract(noise, band(noise, height, width, s));
            default:
                throw new IllegalArgumentException("unknown color " + color);
        }
    }

    private static float[] band(float[] noise, int height, int width, Sigmas s) {
        return subtract(blur(noise, height, width, s.greenNarrow()), blur(noise, height, width, s.greenWide()));
    }

    private static float[] subtract(float[] a, float[] b) {
        float[] d = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i] - b[i];
        }
        return d;
    }

    /** Separable Gaussian blur with wrap-around edges, so every crop position has the same statistics. */
    static float[] blur(float[] in, int height, int width, double sigma) {
        int radius = (int) Math.ceil(3 * sigma);
        double[] k = new double[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) {
            k[i + radius] = Math.exp(-i * i / (2 * sigma * sigma));
            sum += k[i + radius];
        }
        for (int i = 0; i < k.length; i++) {
            k[i] /= sum;
        }
        float[] rowsDone = new float[in.length];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double v = 0;
                for (int i = -radius; i <= radius; i++) {
                    v += k[i + radius] * in[y * width + Math.floorMod(x + i, width)];
                }
                rowsDone[y * width + x] = (float) v;
            }
        }
        float[] out = new float[in.length];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double v = 0;
                for (int i = -radius; i <= radius; i++) {
                    v += k[i + radius] * rowsDone[Math.floorMod(y + i, height) * width + x];
                }
                out[y * width + x] = (float) v;
            }
        }
        return out;
    }

    int count() {
        return patterns.length;
    }

    int height() {
        return height;
    }

    int width() {
        return width;
    }

    /** A copy of pattern {@code k}. */
    float[] pattern(int k) {
        return patterns[k].clone();
    }

    /**
     * Copies the {@code rows x cols} window at ({@code top}, {@code left}) of pattern {@code k} into {@code out},
     * flipped as asked, and normalises it to zero mean and unit variance.
     */
    void crop(int k, int top, int left, int rows, int cols, boolean flipRows, boolean flipCols, float[] out) {
        float[] p = patterns[k];
        double sum = 0;
        for (int r = 0; r < rows; r++) {
            int src = (top + (flipRows ? rows - 1 - r : r)) * width + left;
            for (int c = 0; c < cols; c++) {
                float v = p[src + (flipCols ? cols - 1 - c : c)];
                out[r * cols + c] = v;
                sum += v;
            }
        }
        int n = rows * cols;
        double mean = sum / n;
        double sq = 0;
        for (int i = 0; i < n; i++) {
            double d = out[i] - mean;
            sq += d * d;
        }
        double sd = Math.sqrt(sq / n);
        double scale = sd > 0 ? 1 / sd : 0;
        for (int i = 0; i < n; i++) {
            out[i] = (float) ((out[i] - mean) * scale);
        }
    }

    /** Blur widths, in patches. */
    record Sigmas(double red, double blue, double greenNarrow, double greenWide) {

        Sigmas {
            check("red.sigma", red);
            check("blue.sigma", blue);
            check("green.sigma.narrow", greenNarrow);
            check("green.sigma.wide", greenWide);
            if (!(greenWide > greenNarrow)) {
                throw new IllegalArgumentException("green.sigma.wide (" + greenWide
                        + ") must be larger than green.sigma.narrow (" + greenNarrow + ") for a band-pass");
            }
        }

        private static void check(String name, double sigma) {
            if (!(sigma > 0) || sigma > 1000) {
                throw new IllegalArgumentException(name + " must be in (0, 1000] patches, was " + sigma);
            }
        }
    }
}
