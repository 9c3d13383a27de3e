package org.hourglass.graph;

import java.util.Arrays;

/**
 * The static shape of a symbolic tensor: the rank is always known; a dimension may be dynamic ({@link #DYNAMIC},
 * typically the batch). Immutable.
 */
public final class Shape {

    /** Marks a dimension whose size is only known when the model runs. */
    public static final long DYNAMIC = -1;

    private static final Shape SCALAR = new Shape(new long[0]);

    private final long[] dims;

    private Shape(long[] dims) {
        this.dims = dims;
    }

    /** A shape from its dimensions; use {@link #DYNAMIC} (-1) for sizes known only at run time. */
    public static Shape of(long... dims) {
        for (long d : dims) {
            if (d < DYNAMIC) {
                throw new IllegalArgumentException("dimension sizes must be >= 0 or DYNAMIC (-1): " + Arrays.toString(dims));
            }
        }
        return dims.length == 0 ? SCALAR : new Shape(dims.clone());
    }

    /** The shape of a scalar (rank 0). */
    public static Shape scalar() {
        return SCALAR;
    }

    /** A batch of items of the given shape: {@code [DYNAMIC, item...]}. */
    public static Shape batchOf(long... item) {
        long[] d = new long[item.length + 1];
        d[0] = DYNAMIC;
        System.arraycopy(item, 0, d, 1, item.length);
        return of(d);
    }

    public int rank() {
        return dims.length;
    }

    /** Size of dimension {@code axis}; negative axes count from the end. */
    public long dim(int axis) {
        return dims[normalizeAxis(axis)];
    }

    public long[] dims() {
        return dims.clone();
    }

    /** True when no dimension is dynamic. */
    public boolean isStatic() {
        for (long d : dims) {
            if (d == DYNAMIC) {
                return false;
            }
        }
        return true;
    }

    /** Number of elements; fails when a dimension is dynamic. */
    public long size() {
        long n = 1;
        for (long d : dims) {
            if (d == DYNAMIC) {
                throw new IllegalStateException("shape " + this + " has a dynamic dimension; its size is unknown");
            }
            n *= d;
        }
        return n;
    }

    /** Maps a possibly negative axis into {@code [0, rank)}. */
    public int normalizeAxis(int axis) {
        int a = axis < 0 ? axis + dims.length : axis;
        if (a < 0 || a >= dims.length) {
            throw new IllegalArgumentException("axis " + axis + " is out of range for shape " + this);
        }
        return a;
    }

    /** This shape with dimension {@code axis} replaced. */
    public Shape with(int axis, long size) {
        long[] d = dims.clone();
        d[normalizeAxis(axis)] = size;
        return new Shape(d);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape && Arrays.equals(dims, ((Shape) o).dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < dims.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(dims[i] == DYNAMIC ? "?" : Long.toString(dims[i]));
        }
        return sb.append(']').toString();
    }
}
