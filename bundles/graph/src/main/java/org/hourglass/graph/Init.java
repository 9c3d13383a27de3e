package org.hourglass.graph;

import java.util.SplittableRandom;

/**
 * Parameter initializers. Each draws from the random stream the graph derives from its seed and the
 * parameter's name, so values do not depend on the order in which parameters were created.
 *
 * <p>Fan-in and fan-out: for a rank-2 weight {@code [in, out]} (the layout of {@link Layers#linear}, which
 * computes {@code x @ W}) fan-in is {@code dims[0]} and fan-out {@code dims[1]}; for a convolution weight
 * {@code [out, in/groups, kh, kw]} fan-in is {@code dims[1]*kh*kw} and fan-out {@code dims[0]*kh*kw}.
 */
@FunctionalInterface
public interface Init {

    /** Fills {@code shape.size()} values. */
    double[] sample(long[] shape, SplittableRandom random);

    static Init zeros() {
        return constant(0.0);
    }

    static Init ones() {
        return constant(1.0);
    }

    static Init constant(double value) {
        return (shape, random) -> {
            double[] v = new double[count(shape)];
            java.util.Arrays.fill(v, value);
            return v;
        };
    }

    /** Uniform on {@code [low, high)}. */
    static Init uniform(double low, double high) {
        return (shape, random) -> {
            double[] v = new double[count(shape)];
            for (int i = 0; i < v.length; i++) {
                v[i] = low + (high - low) * random.nextDouble();
            }
            return v;
        };
    }

    /** Normal with the given mean and standard deviation. */
    static Init normal(double mean, double std) {
        return (shape, random) -> {
            double[] v = new double[count(shape)];
            for (int i = 0; i < v.length; i++) {
                v[i] = mean + std * gaussian(random);
            }
            return v;
        };
    }

    /** Glorot/Xavier uniform: {@code U(-a, a)}, {@code a = gain * sqrt(6 / (fanIn + fanOut))}. */
    static Init xavierUniform(double gain) {
        return (shape, random) -> {
            long[] f = fans(shape);
            double a = gain * Math.sqrt(6.0 / (f[0] + f[1]));
            return uniform(-a, a).sample(shape, random);
        };
    }

    /** Glorot/Xavier normal: std {@code gain * sqrt(2 / (fanIn + fanOut))}. */
    static Init xavierNormal(double gain) {
        return (shape, random) -> {
            long[] f = fans(shape);
            return normal(0, gain * Math.sqrt(2.0 / (f[0] + f[1]))).sample(shape, random);
        };
    }

    /** He/Kaiming uniform for ReLU layers: {@code U(-a, a)}, {@code a = sqrt(6 / fanIn)}. */
    static Init heUniform() {
        return (shape, random) -> {
            double a = Math.sqrt(6.0 / fans(shape)[0]);
            return uniform(-a, a).sample(shape, random);
        };
    }

    /** He/Kaiming normal for ReLU layers: std {@code sqrt(2 / fanIn)}. */
    static Init heNormal() {
        return (shape, random) -> normal(0, Math.sqrt(2.0 / fans(shape)[0])).sample(shape, random);
    }

    /**
     * A (semi-)orthogonal matrix times {@code gain}, viewing the weight as {@code [dims[0], rest]}: Gram-Schmidt
     * on a Gaussian matrix, orthonormal along the shorter side.
     */
    static Init orthogonal(double gain) {
        return (shape, random) -> {
            if (shape.length < 2) {
                throw new IllegalArgumentException("orthogonal init needs rank >= 2, got rank " + shape.length);
            }
            int rows = (int) shape[0];
            int cols = count(shape) / rows;
            boolean transpose = rows < cols;
            int n = transpose ? cols : rows; // long side
            int k = transpose ? rows : cols; // short side: k orthonormal vectors of length n
            double[][] q = new double[k][n];
            for (int j = 0; j < k; j++) {
                double norm;
                do {
                    for (int i = 0; i < n; i++) {
                        q[j][i] = gaussian(random);
                    }
                    for (int p = 0; p < j; p++) { // modified Gram-Schmidt
                        double dot = 0;
                        for (int i = 0; i < n; i++) {
                            dot += q[j][i] * q[p][i];
                        }
                        for (int i = 0; i < n; i++) {
                            q[j][i] -= dot * q[p][i];
                        }
                    }
                    double s = 0;
                    for (int i = 0; i < n; i++) {
                        s += q[j][i] * q[j][i];
                    }
                    norm = Math.sqrt(s);
                } while (norm < 1e-8);
                for (int i = 0; i < n; i++) {
                    q[j][i] /= norm;
                }
            }
            double[] v = new double[rows * cols];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    v[r * cols + c] = gain * (transpose ? q[r][c] : q[c][r]);
                }
            }
            return v;
        };
    }

    /** {@code {fanIn, fanOut}} by the convention in the class comment. */
    static long[] fans(long[] shape) {
        if (shape.length == 0) {
            return new long[] {1, 1};
        }
        if (shape.length == 1) {
            return new long[] {shape[0], shape[0]};
        }
        if (shape.length == 2) {
            return new long[] {shape[0], shape[1]};
        }
        long receptive = 1;
        for (int i = 2; i < shape.length; i++) {
            receptive *= shape[i];
        }
        return new long[] {shape[1] * receptive, shape[0] * receptive};
    }

    private static int count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("parameter too large: " + java.util.Arrays.toString(shape));
        }
        return (int) n;
    }

    /** Standard normal by Box-Muller (SplittableRandom has no nextGaussian on Java 17). */
    static double gaussian(SplittableRandom random) {
        double u1;
        do {
            u1 = random.nextDouble();
        } while (u1 <= 0);
        double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
