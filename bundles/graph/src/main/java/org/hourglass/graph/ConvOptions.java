package org.hourglass.graph;

import java.util.Arrays;

/**
 * Geometry of a 2-D convolution or pooling: strides, symmetric or explicit padding, dilation, groups and (for
 * transposed convolutions) output padding. Immutable; start from {@link #defaults()}.
 */
public final class ConvOptions {

    private final long[] strides;
    private final long[] pads;      // ONNX order: top, left, bottom, right
    private final long[] dilations;
    private final long groups;
    private final long[] outputPadding;

    private ConvOptions(long[] strides, long[] pads, long[] dilations, long groups, long[] outputPadding) {
        this.strides = strides;
        this.pads = pads;
        this.dilations = dilations;
        this.groups = groups;
        this.outputPadding = outputPadding;
    }

    /** Stride 1, no padding, dilation 1, one group. */
    public static ConvOptions defaults() {
        return new ConvOptions(new long[] {1, 1}, new long[] {0, 0, 0, 0}, new long[] {1, 1}, 1, new long[] {0, 0});
    }

    public ConvOptions stride(long s) {
        return stride(s, s);
    }

    public ConvOptions stride(long sh, long sw) {
        positive("stride", sh, sw);
        return new ConvOptions(new long[] {sh, sw}, pads, dilations, groups, outputPadding);
    }

    /** The same padding on all four sides. */
    public ConvOptions padding(long p) {
        return padding(p, p, p, p);
    }

    public ConvOptions padding(long top, long left, long bottom, long right) {
        if (top < 0 || left < 0 || bottom < 0 || right < 0) {
            throw new IllegalArgumentException("padding must be >= 0, was " + top + ", " + left + ", " + bottom + ", " + right);
        }
        return new ConvOptions(strides, new long[] {top, left, bottom, right}, dilations, groups, outputPadding);
    }

    public ConvOptions dilation(long d) {
        positive("dilation", d, d);
        return new ConvOptions(strides, pads, new long[] {d, d}, groups, outputPadding);
    }

    public ConvOptions groups(long g) {
        positive("groups", g, g);
        return new ConvOptions(strides, pads, dilations, g, outputPadding);
    }

    /** Extra rows/columns at the bottom/right of a transposed convolution's output (less than the stride). */
    public ConvOptions outputPadding(long oh, long ow) {
        if (oh < 0 || ow < 0) {
            throw new IllegalArgumentException("output padding must be >= 0");
        }
        return new ConvOptions(strides, pads, dilations, groups, new long[] {oh, ow});
    }

    public long[] strides() {
        return strides.clone();
    }

    /** Top, left, bottom, right. */
    public long[] pads() {
        return pads.clone();
    }

    public long[] dilations() {
        return dilations.clone();
    }

    public long groups() {
        return groups;
    }

    public long[] outputPadding() {
        return outputPadding.clone();
    }

    private static void positive(String what, long a, long b) {
        if (a < 1 || b < 1) {
            throw new IllegalArgumentException(what + " must be >= 1, was " + a + ", " + b);
        }
    }

    @Override
    public String toString() {
        return "strides=" + Arrays.toString(strides) + " pads=" + Arrays.toString(pads) + " dilations="
                + Arrays.toString(dilations) + " groups=" + groups;
    }
}
