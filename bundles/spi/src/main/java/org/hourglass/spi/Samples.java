package org.hourglass.spi;

/**
 * A block of samples on the host, row-major: sample {@code i} is {@code values[i*width .. (i+1)*width)}.
 */
public record Samples(float[] values, int count, int width) {

    public Samples {
        if (count < 0 || width <= 0 || (long) count * width != values.length) {
            throw new IllegalArgumentException("samples: " + values.length + " values do not make " + count
                    + " rows of width " + width);
        }
    }

    /** Copy of sample {@code i}. */
    public float[] row(int i) {
        float[] r = new float[width];
        System.arraycopy(values, i * width, r, 0, width);
        return r;
    }
}
