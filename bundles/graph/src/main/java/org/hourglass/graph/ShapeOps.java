package org.hourglass.graph;

import static org.hourglass.graph.Ops.attrs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Ops that move data without arithmetic: reshape, flatten, transpose, concat, slice, split, gather, expand,
 * (un)squeeze and top-k selection. Like {@link Ops}, each appends to the graph of its tensor operands.
 */
public final class ShapeOps {

    private ShapeOps() {
    }

    /** Reshape to a constant target: 0 copies the input dimension, one -1 is inferred. */
    public static Tensor reshape(Tensor x, long... shape) {
        Graph g = x.graph();
        Shape out = ShapeRules.reshape("Reshape '" + g.hint("Reshape") + "'", x.shape(), shape);
        return g.node1("Reshape", "reshape", List.of(x, g.longs(shape)), Map.of(), x.dtype(), out);
    }

    /** To a matrix: dimensions before {@code axis} become rows, the rest columns. */
    public static Tensor flatten(Tensor x, int axis) {
        int a = axis == x.rank() ? axis : x.shape().normalizeAxis(axis);
        return x.graph().node1("Flatten", "flatten", List.of(x), attrs("axis", (long) a), x.dtype(),
                ShapeRules.flatten(x.shape(), a));
    }

    public static Tensor transpose(Tensor x, int... perm) {
        long[] out = new long[perm.length];
        long[] p = ShapeRules.permutation("Transpose '" + x.graph().hint("Transpose") + "'", x.shape(), perm, out);
        return x.graph().node1("Transpose", "transpose", List.of(x), attrs("perm", p), x.dtype(), Shape.of(out));
    }

    public static Tensor concat(int axis, Tensor... xs) {
        return concat(axis, List.of(xs));
    }

    public static Tensor concat(int axis, List<Tensor> xs) {
        if (xs.isEmpty()) {
            throw new IllegalArgumentException("Concat: nothing to concatenate");
        }
        Tensor first = xs.get(0);
        Graph g = first.graph();
        int a = first.shape().normalizeAxis(axis);
        Shape out = ShapeRules.concat("Concat '" + g.hint("Concat") + "'", xs, a);
        return g.node1("Concat", "concat", xs, attrs("axis", (long) a), first.dtype(), out);
    }

    /** Slice with step 1: {@code x[starts:ends]} along {@code axes}; negative indices count from the end. */
    public static Tensor slice(Tensor x, long[] axes, long[] starts, long[] ends) {
        Graph g = x.graph();
        long[] ax = new long[axes.length];
        Shape out = ShapeRules.slice(x.shape(), axes, starts, ends, ax);
        return g.node1("Slice", "slice", List.of(x, g.longs(starts), g.longs(ends), g.longs(ax)), Map.of(), x.dtype(),
                out);
    }

    /** Splits along {@code axis} into pieces of the given sizes. */
    public static List<Tensor> split(Tensor x, int axis, long... sizes) {
        Graph g = x.graph();
        int a = x.shape().normalizeAxis(axis);
        ShapeRules.split("Split '" + g.hint("Split") + "'", x.shape(), a, sizes);
        List<DType> types = new ArrayList<>();
        List<Shape> shapes = new ArrayList<>();
        for (long s : sizes) {
            types.add(x.dtype());
            shapes.add(x.shape().with(a, s));
        }
        return g.node("Split", "Split", "split", List.of(x, g.longs(sizes)), attrs("axis", (long) a), types, shapes);
    }

    /** Picks entries of {@code data} along {@code axis} by INT64 {@code indices}. */
    public static Tensor gather(Tensor data, Tensor indices, int axis) {
        if (indices.dtype() != DType.INT64 && indices.dtype() != DType.INT32) {
            throw new IllegalArgumentException("Gather: indices " + indices + " must be INT64 or INT32");
        }
        int a = data.shape().normalizeAxis(axis);
        return data.graph().node1("Gather", "gather", List.of(data, indices), attrs("axis", (long) a), data.dtype(),
                ShapeRules.gather(data.shape(), indices.shape(), a));
    }

    /** Broadcasts to {@code shape} (numpy rules, both ways: 1 in the target keeps the input's dimension). */
    public static Tensor expand(Tensor x, long... shape) {
        Graph g = x.graph();
        Shape out = ShapeRules.broadcast("Expand '" + g.hint("Expand") + "'", x.shape(), Shape.of(shape));
        return g.node1("Expand", "expand", List.of(x, g.longs(shape)), Map.of(), x.dtype(), out);
    }

    /** Inserts size-1 dimensions at {@code axes} (positions in the output). */
    public static Tensor unsqueeze(Tensor x, long... axes) {
        long[] norm = new long[axes.length];
        Shape out = ShapeRules.unsqueeze(x.shape(), axes, norm);
        return x.graph().node1("Unsqueeze", "unsqueeze", List.of(x, x.graph().longs(norm)), Map.of(), x.dtype(), out);
    }

    /** Removes size-1 dimensions at {@code axes}. */
    public static Tensor squeeze(Tensor x, long... axes) {
        long[] ax = ShapeRules.normalizeAxes(x, axes);
        Shape out = ShapeRules.squeeze("Squeeze '" + x.graph().hint("Squeeze") + "'", x.shape(), ax);
        return x.graph().node1("Squeeze", "squeeze", List.of(x, x.graph().longs(ax)), Map.of(), x.dtype(), out);
    }

    /** The values and INT64 indices of the {@code k} largest entries along {@code axis}, sorted. */
    public record TopK(Tensor values, Tensor indices) {
    }

    public static TopK topK(Tensor x, long k, int axis) {
        int a = x.shape().normalizeAxis(axis);
        long d = x.shape().dim(a);
        if (k < 1 || (d != Shape.DYNAMIC && k > d)) {
            throw new IllegalArgumentException("TopK '" + x.graph().hint("TopK") + "': k=" + k + " but axis " + a
                    + " of " + x.shape() + " has " + d + " entries");
        }
        return topK(x, x.graph().longs(k), a, x.shape().with(a, k));
    }

    /**
     * TopK with a count known only at run time: {@code k} is an INT64 tensor of shape {@code [1]} (for example
     * computed from the batch size); the selected axis of the outputs is dynamic. ONNX Runtime fails the run when
     * {@code k} exceeds the axis' length, so callers bound it. Same gradient rule as the constant form.
     */
    public static TopK topK(Tensor x, Tensor k, int axis) {
        int a = x.shape().normalizeAxis(axis);
        if (k.dtype() != DType.INT64 || k.rank() != 1 || k.shape().dim(0) != 1) {
            throw new IllegalArgumentException("TopK '" + x.graph().hint("TopK") + "': k must be an INT64 tensor of "
                    + "shape [1], got " + k.dtype() + " " + k.shape());
        }
        return topK(x, k, a, x.shape().with(a, Shape.DYNAMIC));
    }

    private static TopK topK(Tensor x, Tensor k, int a, Shape s) {
        List<Tensor> outs = x.graph().node("TopK", "TopK", "topK", List.of(x, k),
                attrs("axis", (long) a, "largest", 1L, "sorted", 1L), List.of(x.dtype(), DType.INT64), List.of(s, s));
        return new TopK(outs.get(0), outs.get(1));
    }
}
