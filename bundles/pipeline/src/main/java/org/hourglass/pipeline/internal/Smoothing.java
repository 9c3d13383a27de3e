package org.hourglass.pipeline.internal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Gaussian smoothing of image-shaped samples, part of a model's input preprocessing (before normalisation): each
 * {@code height × width} plane of a sample (the last two axes; the axes before them are planes, e.g. channels) is
 * convolved with a Gaussian of standard deviation {@code sigma} pixels, separably (rows, then columns), the kernel
 * cut at 4 sigma and normalised to sum 1, the border mirrored ({@code d c b a | a b c d}).
 *
 * <p>Why: nearest-neighbour distances and reconstruction errors between raw images punish a one-pixel shift of an
 * edge as much as a missing part; smoothing first makes both measure shape rather than exact pixel positions. On
 * one-class Fashion-MNIST it raised every detector measured (docs/results.md).
 */
record Smoothing(double sigma, int planes, int height, int width) {

    /** Truncation of the kernel, in standard deviations. */
    static final double TRUNCATE = 4.0;

    Smoothing {
        if (!(sigma > 0) || !Double.isFinite(sigma)) {
            throw new IllegalArgumentException("smoothing: sigma must be a number > 0, was " + sigma);
        }
        if (planes < 1 || height < 2 || width < 2) {
            throw new IllegalArgumentException("smoothing needs image-shaped samples (two axes of at least 2), got "
                    + planes + " planes of " + height + " × " + width);
        }
    }

    /** For samples of this shape, or null when {@code sigma} is 0 (off). */
    static Smoothing of(double sigma, long[] sampleShape) {
        if (sigma == 0) {
            return null;
        }
        int n = sampleShape.length;
        if (n < 2) {
            throw new IllegalArgumentException("smoothing " + sigma + " needs image-shaped samples (two or more axes); "
                    + "these samples have shape " + java.util.Arrays.toString(sampleShape) + " (set smoothing=0)");
        }
        long planes = 1;
        for (int i = 0; i < n - 2; i++) {
            planes *= sampleShape[i];
        }
        return new Smoothing(sigma, Math.toIntExact(planes), Math.toIntExact(sampleShape[n - 2]),
                Math.toIntExact(sampleShape[n - 1]));
    }

    int features() {
        return planes * height * width;
    }

    double[] kernel() {
        int radius = (int) (TRUNCATE * sigma + 0.5);
        double[] k = new double[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) {
            k[i + radius] = Math.exp(-0.5 * i * i / (sigma * sigma));
            sum += k[i + radius];
        }
        for (int i = 0; i < k.length; i++) {
            k[i] /= sum;
        }
        return k;
    }

    /** Smoothed copy of whole samples ({@link #features()} values each), one kernel and scratch plane for all. */
    float[] apply(float[] samples) {
        int n = features();
        if (samples.length % n != 0) {
            throw new IllegalArgumentException(samples.length + " values are not whole samples of " + n + " features");
        }
        float[] out = new float[samples.length];
        double[] kernel = kernel();
        double[] scratch = new double[height * width];
        for (int from = 0; from < samples.length; from += n) {
            apply(samples, from, out, from, kernel, scratch);
        }
        return out;
    }

    /** Smooths one sample ({@link #features()} values of {@code in} from {@code from}) into {@code out} at {@code at}. */
    void apply(float[] in, int from, float[] out, int at) {
        apply(in, from, out, at, kernel(), new double[height * width]);
    }

    /** As {@link #apply(float[], int, float[], int)}; {@code scratch} holds at least {@code height × width} values. */
    private void apply(float[] in, int from, float[] out, int at, double[] kernel, double[] scratch) {
        int radius = kernel.length / 2;
        int plane = height * width;
        for (int p = 0; p < planes; p++) {
            int base = from + p * plane;
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    double s = 0;
                    for (int d = -radius; d <= radius; d++) {
                        s += kernel[d + radius] * in[base + y * width + mirror(x + d, width)];
                    }
                    scratch[y * width + x] = s;
                }
            }
            int target = at + p * plane;
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    double s = 0;
                    for (int d = -radius; d <= radius; d++) {
                        s += kernel[d + radius] * scratch[mirror(y + d, height) * width + x];
                    }
                    out[target + y * width + x] = (float) s;
                }
            }
        }
    }

    /** Index into {@code [0, n)} mirrored at the edges, the edge value repeated (scipy's "reflect"). */
    static int mirror(int i, int n) {
        int period = 2 * n;
        int m = Math.floorMod(i, period);
        return m < n ? m : period - 1 - m;
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sigma", sigma);
        m.put("planes", planes);
        m.put("height", height);
        m.put("width", width);
        return m;
    }

    static Smoothing fromJson(Map<?, ?> m, int features) {
        Smoothing s = new Smoothing(((Number) m.get("sigma")).doubleValue(), ((Number) m.get("planes")).intValue(),
                ((Number) m.get("height")).intValue(), ((Number) m.get("width")).intValue());
        if (s.features() != features) {
            throw new IllegalArgumentException("stored smoothing is for samples of " + s.features()
                    + " values, the model has " + features);
        }
        return s;
    }
}
