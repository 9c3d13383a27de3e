package org.hourglass.graph;

import java.util.Arrays;
import java.util.Objects;

/**
 * Concrete tensor values held in Java: initial parameter values, trained weights, constants. FLOAT data is a
 * {@code float[]}, DOUBLE a {@code double[]}, INT64 a {@code long[]} (row-major). Immutable by convention:
 * the arrays are not copied on the way in or out, so do not modify them after handing them over.
 */
public final class HostTensor {

    private final DType dtype;
    private final long[] shape;
    private final Object data;

    private HostTensor(DType dtype, long[] shape, Object data, int length) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("host tensors need a static shape, got " + Arrays.toString(shape));
            }
            n *= d;
        }
        if (n != length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n + " elements but "
                    + length + " values were given");
        }
        this.dtype = dtype;
        this.shape = shape.clone();
        this.data = data;
    }

    public static HostTensor ofFloats(float[] values, long... shape) {
        return new HostTensor(DType.FLOAT, shape, Objects.requireNonNull(values), values.length);
    }

    public static HostTensor ofDoubles(double[] values, long... shape) {
        return new HostTensor(DType.DOUBLE, shape, Objects.requireNonNull(values), values.length);
    }

    public static HostTensor ofLongs(long[] values, long... shape) {
        return new HostTensor(DType.INT64, shape, Objects.requireNonNull(values), values.length);
    }

    /** Values given in double precision, stored as {@code dtype} (FLOAT or DOUBLE). */
    public static HostTensor of(DType dtype, double[] values, long... shape) {
        switch (dtype) {
            case DOUBLE:
                return ofDoubles(values, shape);
            case FLOAT: {
                float[] f = new float[values.length];
                for (int i = 0; i < f.length; i++) {
                    f[i] = (float) values[i];
                }
                return ofFloats(f, shape);
            }
            case INT64: {
                long[] l = new long[values.length];
                for (int i = 0; i < l.length; i++) {
                    l[i] = (long) values[i];
                }
                return ofLongs(l, shape);
            }
            default:
                throw new IllegalArgumentException("host tensors of type " + dtype + " are not supported");
        }
    }

    public DType dtype() {
        return dtype;
    }

    public long[] shape() {
        return shape.clone();
    }

    public int size() {
        return java.lang.reflect.Array.getLength(data);
    }

    /** The FLOAT data (not a copy). */
    public float[] floats() {
        requireType(DType.FLOAT);
        return (float[]) data;
    }

    /** The DOUBLE data (not a copy). */
    public double[] doubles() {
        requireType(DType.DOUBLE);
        return (double[]) data;
    }

    /** The INT64 data (not a copy). */
    public long[] longs() {
        requireType(DType.INT64);
        return (long[]) data;
    }

    /** Element {@code i} as a double, whatever the type. */
    public double get(int i) {
        switch (dtype) {
            case FLOAT: return ((float[]) data)[i];
            case DOUBLE: return ((double[]) data)[i];
            case INT64: return ((long[]) data)[i];
            default: throw new IllegalStateException();
        }
    }

    /** All values as doubles (a copy). */
    public double[] toDoubles() {
        double[] out = new double[size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = get(i);
        }
        return out;
    }

    private void requireType(DType t) {
        if (dtype != t) {
            throw new IllegalStateException("host tensor holds " + dtype + ", not " + t);
        }
    }

    @Override
    public String toString() {
        return "HostTensor[" + dtype + " " + Arrays.toString(shape) + "]";
    }
}
