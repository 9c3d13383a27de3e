package org.hourglass.graph;

import java.util.SplittableRandom;

/**
 * The distribution of a random input ({@link Graph#randomInput}): values are drawn in Java from the training
 * seed and fed to the model each step, so runs are reproducible.
 */
public final class Noise {

    /** The supported distributions. */
    public enum Kind { NORMAL, UNIFORM, BERNOULLI }

    private final Kind kind;
    private final double a;
    private final double b;

    private Noise(Kind kind, double a, double b) {
        this.kind = kind;
        this.a = a;
        this.b = b;
    }

    /** Normal with mean and standard deviation. */
    public static Noise normal(double mean, double std) {
        return new Noise(Kind.NORMAL, mean, std);
    }

    /** Uniform on {@code [low, high)}. */
    public static Noise uniform(double low, double high) {
        return new Noise(Kind.UNIFORM, low, high);
    }

    /** 1 with probability {@code p}, else 0 (masks, dropout keep-masks). */
    public static Noise bernoulli(double p) {
        if (p < 0 || p > 1) {
            throw new IllegalArgumentException("Bernoulli probability must be in [0, 1], was " + p);
        }
        return new Noise(Kind.BERNOULLI, p, 0);
    }

    public Kind kind() {
        return kind;
    }

    /** One sample. */
    public double sample(SplittableRandom random) {
        switch (kind) {
            case NORMAL: return a + b * Init.gaussian(random);
            case UNIFORM: return a + (b - a) * random.nextDouble();
            case BERNOULLI: return random.nextDouble() < a ? 1.0 : 0.0;
            default: throw new IllegalStateException();
        }
    }

    /** Fills {@code out} with samples. */
    public void fill(float[] out, SplittableRandom random) {
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) sample(random);
        }
    }

    @Override
    public String toString() {
        switch (kind) {
            case NORMAL: return "normal(" + a + ", " + b + ")";
            case UNIFORM: return "uniform(" + a + ", " + b + ")";
            default: return "bernoulli(" + a + ")";
        }
    }
}
