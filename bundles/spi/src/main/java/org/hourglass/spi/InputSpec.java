package org.hourglass.spi;

import java.util.Arrays;

/**
 * The shape of one sample, without the batch dimension: {@code [784]} for flat vectors, {@code [1, 28, 28]} for
 * images.
 */
public record InputSpec(long[] sampleShape) {

    public InputSpec {
        if (sampleShape.length == 0) {
            throw new IllegalArgumentException("a sample needs at least one dimension");
        }
        for (long d : sampleShape) {
            if (d <= 0) {
                throw new IllegalArgumentException("sample shape " + Arrays.toString(sampleShape)
                        + " has a dimension <= 0");
            }
        }
        sampleShape = sampleShape.clone();
    }

    public static InputSpec of(long... sampleShape) {
        return new InputSpec(sampleShape);
    }

    @Override
    public long[] sampleShape() {
        return sampleShape.clone();
    }

    /** Number of values in one sample. */
    public int features() {
        long n = 1;
        for (long d : sampleShape) {
            n *= d;
        }
        return Math.toIntExact(n);
    }

    /** The shape with a leading dynamic batch dimension. */
    public long[] batchShape() {
        long[] s = new long[sampleShape.length + 1];
        s[0] = -1;
        System.arraycopy(sampleShape, 0, s, 1, sampleShape.length);
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InputSpec other && Arrays.equals(sampleShape, other.sampleShape);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(sampleShape);
    }

    @Override
    public String toString() {
        return Arrays.toString(sampleShape);
    }
}
