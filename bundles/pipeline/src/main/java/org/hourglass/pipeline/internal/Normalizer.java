package org.hourglass.pipeline.internal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Input preprocessing fitted on training data and stored with the model: optional {@link Smoothing} of
 * image-shaped samples, then {@code (x - offset) * scale} per feature. minmax uses one global range (pixels that
 * are always 0 in training would make a per-feature range divide by zero); zscore standardises each feature with a
 * floor on the deviation. Every path that feeds the model (training, scoring, serving, evaluation, baselines) goes
 * through here, so a model always sees its inputs preprocessed the way it was trained.
 */
final class Normalizer {

    private static final double MIN_SPREAD = 1e-6;

    private final String kind;
    private final float[] offset;
    private final float[] scale;
    /** Null when off. */
    private final Smoothing smoothing;

    private Normalizer(String kind, float[] offset, float[] scale, Smoothing smoothing) {
        this.kind = kind;
        this.offset = offset;
        this.scale = scale;
        this.smoothing = smoothing;
    }

    static Normalizer fit(String kind, float[] values, int width) {
        return fit(kind, null, values, width);
    }

    /** Statistics of the smoothed values when {@code smoothing} is not null. */
    static Normalizer fit(String kind, Smoothing smoothing, float[] values, int width) {
        if (smoothing != null) {
            if (smoothing.features() != width) {
                throw new IllegalArgumentException("smoothing planes of " + smoothing.features() + " values do not "
                        + "make samples of " + width);
            }
            values = smoothing.apply(values);
        }
        float[] offset = new float[width];
        float[] scale = new float[width];
        java.util.Arrays.fill(scale, 1f);
        int rows = values.length / width;
        switch (kind) {
            case "minmax": {
                double min = Double.POSITIVE_INFINITY;
                double max = Double.NEGATIVE_INFINITY;
                for (float v : values) {
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
                java.util.Arrays.fill(offset, (float) min);
                java.util.Arrays.fill(scale, (float) (1 / Math.max(max - min, MIN_SPREAD)));
                break;
            }
            case "zscore": {
                double[] sum = new double[width];
                double[] sq = new double[width];
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < width; j++) {
                        double v = values[i * width + j];
                        sum[j] += v;
                        sq[j] += v * v;
                    }
                }
                for (int j = 0; j < width; j++) {
                    double mean = sum[j] / rows;
                    double var = Math.max(sq[j] / rows - mean * mean, 0);
                    offset[j] = (float) mean;
                    scale[j] = (float) (1 / Math.max(Math.sqrt(var), MIN_SPREAD));
                }
                break;
            }
            case "none":
                break;
            default:
                throw new IllegalArgumentException("unknown normalization '" + kind + "'");
        }
        return new Normalizer(kind, offset, scale, smoothing);
    }

    /** Normalised copy. */
    float[] apply(float[] values) {
        requireWhole(values);
        // Smooth all rows at once (one kernel and scratch plane), then scale them.
        float[] in = smoothing == null ? values : smoothing.apply(values);
        float[] out = new float[in.length];
        for (int from = 0; from < in.length; from += offset.length) {
            scale(in, from, out, from);
        }
        return out;
    }

    /**
     * Normalises one sample ({@code features} values of {@code in} from {@code from}) into {@code out} at
     * {@code at}. Row by row, without a per-value modulo, the loop compiles to vector instructions: a modulo per
     * value made normalising 1,024 Fashion-MNIST rows cost more than running the model on them.
     */
    void apply(float[] in, int from, float[] out, int at) {
        if (smoothing != null) {
            float[] smoothed = new float[offset.length];
            smoothing.apply(in, from, smoothed, 0);
            scale(smoothed, 0, out, at);
        } else {
            scale(in, from, out, at);
        }
    }

    /** {@code (x - offset) * scale} of one sample, without smoothing. */
    private void scale(float[] in, int from, float[] out, int at) {
        int w = offset.length;
        for (int j = 0; j < w; j++) {
            out[at + j] = (in[from + j] - offset[j]) * scale[j];
        }
    }

    /**
     * As {@link #apply(float[], int, float[], int)} for a whole sample that must hold finite values only, checked
     * in the same loop: the index of the first value that is not finite (the output is then incomplete), or -1.
     */
    int applyFinite(float[] row, float[] out, int at) {
        int w = offset.length;
        if (smoothing != null) {
            // Smoothing spreads a NaN over its neighbours: check the raw values first.
            for (int j = 0; j < w; j++) {
                if (!Float.isFinite(row[j])) {
                    return j;
                }
            }
            apply(row, 0, out, at);
            return -1;
        }
        for (int j = 0; j < w; j++) {
            float v = row[j];
            if (!Float.isFinite(v)) {
                return j;
            }
            out[at + j] = (v - offset[j]) * scale[j];
        }
        return -1;
    }

    /** Back to input units (of the smoothed input when smoothing is on: it cannot be undone). */
    float[] invert(float[] values) {
        requireWhole(values);
        int w = offset.length;
        float[] out = new float[values.length];
        for (int from = 0; from < values.length; from += w) {
            for (int j = 0; j < w; j++) {
                out[from + j] = values[from + j] / scale[j] + offset[j];
            }
        }
        return out;
    }

    private void requireWhole(float[] values) {
        if (offset.length == 0 || values.length % offset.length != 0) {
            throw new IllegalArgumentException(values.length + " values are not whole samples of " + offset.length
                    + " features");
        }
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", kind);
        m.put("offset", offset);
        m.put("scale", scale);
        if (smoothing != null) {
            m.put("smoothing", smoothing.toJson());
        }
        return m;
    }

    @SuppressWarnings("unchecked")
    static Normalizer fromJson(Map<String, Object> m, int width) {
        float[] offset = floats((List<Number>) m.get("offset"));
        float[] scale = floats((List<Number>) m.get("scale"));
        if (offset.length != width || scale.length != width) {
            throw new IllegalArgumentException("stored normalization has " + offset.length + " features, model has "
                    + width);
        }
        // Models stored before smoothing existed have no entry: they were trained without it.
        Smoothing smoothing = m.get("smoothing") instanceof Map<?, ?> sm ? Smoothing.fromJson(sm, width) : null;
        return new Normalizer((String) m.get("kind"), offset, scale, smoothing);
    }

    private static float[] floats(List<Number> list) {
        float[] f = new float[list.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = list.get(i).floatValue();
        }
        return f;
    }

    String kind() {
        return kind;
    }

    /** The smoothing's sigma, 0 when off. */
    double smoothingSigma() {
        return smoothing == null ? 0 : smoothing.sigma();
    }
}
