package org.hourglass.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The build-time shape and type rules of the ops: each checks its operands and returns the output shape, or
 * throws naming the op (with its scoped node name where the caller passes one) and the offending shapes. DYNAMIC
 * dimensions are assumed compatible; ONNX Runtime checks them when the model runs.
 */
final class ShapeRules {

    private ShapeRules() {
    }

    static void requireFloating(String op, Tensor... ts) {
        for (Tensor t : ts) {
            if (!t.dtype().isFloating()) {
                throw new IllegalArgumentException(op + ": " + t + " must be FLOAT or DOUBLE");
            }
        }
    }

    static void sameType(String op, Tensor a, Tensor b) {
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException(op + ": element types differ: " + a + " vs " + b);
        }
    }

    /** Numpy broadcasting of two shapes; DYNAMIC dimensions are assumed compatible. */
    static Shape broadcast(String op, Shape a, Shape b) {
        int r = Math.max(a.rank(), b.rank());
        long[] out = new long[r];
        for (int i = 0; i < r; i++) {
            int ia = a.rank() - r + i;
            int ib = b.rank() - r + i;
            long da = ia >= 0 ? a.dim(ia) : 1;
            long db = ib >= 0 ? b.dim(ib) : 1;
            if (da == db) {
                out[i] = da;
            } else if (da == 1) {
                out[i] = db;
            } else if (db == 1) {
                out[i] = da;
            } else if (da == Shape.DYNAMIC) {
                out[i] = db;
            } else if (db == Shape.DYNAMIC) {
                out[i] = da;
            } else {
                throw new IllegalArgumentException(op + ": shapes " + a + " and " + b + " cannot be broadcast (dimension "
                        + i + ": " + da + " vs " + db + ")");
            }
        }
        return Shape.of(out);
    }

    /** Axes made non-negative and sorted; an axis given twice is an error. */
    static long[] normalizeAxes(Tensor x, long[] axes) {
        long[] out = new long[axes.length];
        for (int i = 0; i < axes.length; i++) {
            out[i] = x.shape().normalizeAxis((int) axes[i]);
        }
        Arrays.sort(out);
        for (int i = 1; i < out.length; i++) {
            if (out[i] == out[i - 1]) {
                throw new IllegalArgumentException("axis " + out[i] + " given twice: " + Arrays.toString(axes));
            }
        }
        return out;
    }

    /** The shape after reducing the (sorted) {@code axes}, all axes when none are given. */
    static Shape reduced(Shape s, long[] axes, boolean keepDims) {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < s.rank(); i++) {
            boolean reduced = axes.length == 0 || Arrays.binarySearch(axes, i) >= 0;
            if (!reduced) {
                out.add(s.dim(i));
            } else if (keepDims) {
                out.add(1L);
            }
        }
        return Shape.of(out.stream().mapToLong(Long::longValue).toArray());
    }

    /** {@code [..batch, m, n]} of a matrix product whose leading dimensions broadcast. */
    static Shape product(String op, String hint, Shape a, Shape b, long m, long ka, long kb, long n, String operands) {
        if (ka != Shape.DYNAMIC && kb != Shape.DYNAMIC && ka != kb) {
            throw new IllegalArgumentException(hint + ": inner dimensions differ: " + operands);
        }
        Shape batchA = Shape.of(Arrays.copyOf(a.dims(), a.rank() - 2));
        Shape batchB = Shape.of(Arrays.copyOf(b.dims(), b.rank() - 2));
        long[] batch = broadcast(op, batchA, batchB).dims();
        long[] out = Arrays.copyOf(batch, batch.length + 2);
        out[batch.length] = m;
        out[batch.length + 1] = n;
        return Shape.of(out);
    }

    static Shape gemm(String hint, Tensor a, Tensor b, Tensor c, boolean transA, boolean transB) {
        if (a.rank() != 2 || b.rank() != 2) {
            throw new IllegalArgumentException(hint + ": operands must be matrices, got " + a.shape() + " and " + b.shape());
        }
        long m = a.shape().dim(transA ? 1 : 0);
        long ka = a.shape().dim(transA ? 0 : 1);
        long kb = b.shape().dim(transB ? 1 : 0);
        long n = b.shape().dim(transB ? 0 : 1);
        if (ka != Shape.DYNAMIC && kb != Shape.DYNAMIC && ka != kb) {
            throw new IllegalArgumentException(hint + ": inner dimensions differ: " + a.shape() + (transA ? "^T" : "")
                    + " x " + b.shape() + (transB ? "^T" : ""));
        }
        Shape out = Shape.of(m, n);
        if (c != null) {
            sameType("Gemm", a, c);
            Shape bc = broadcast(hint, out, c.shape());
            if (bc.rank() != 2 || (n != Shape.DYNAMIC && bc.dim(1) != n) || (m != Shape.DYNAMIC && bc.dim(0) != m)) {
                throw new IllegalArgumentException(hint + ": bias " + c.shape() + " does not broadcast to " + out);
            }
        }
        return out;
    }

    /** Reshape to a constant target: 0 copies the input dimension, one -1 is inferred. */
    static Shape reshape(String hint, Shape x, long[] shape) {
        long[] out = new long[shape.length];
        int infer = -1;
        long known = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 0) {
                if (i >= x.rank()) {
                    throw new IllegalArgumentException(hint + ": 0 at position " + i + " but input " + x
                            + " has rank " + x.rank());
                }
                out[i] = x.dim(i);
            } else if (shape[i] == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException(hint + ": more than one -1 in " + Arrays.toString(shape));
                }
                infer = i;
                continue;
            } else if (shape[i] < -1) {
                throw new IllegalArgumentException(hint + ": invalid target " + Arrays.toString(shape));
            } else {
                out[i] = shape[i];
            }
            known = out[i] == Shape.DYNAMIC || known == Shape.DYNAMIC ? Shape.DYNAMIC : known * out[i];
        }
        if (infer >= 0) {
            out[infer] = x.isStatic() && known != Shape.DYNAMIC ? x.size() / Math.max(known, 1) : Shape.DYNAMIC;
            if (x.isStatic() && known > 0 && x.size() % known != 0) {
                throw new IllegalArgumentException(hint + ": cannot reshape " + x + " to " + Arrays.toString(shape));
            }
        } else if (x.isStatic() && Shape.of(out).isStatic() && Shape.of(out).size() != x.size()) {
            throw new IllegalArgumentException(hint + ": cannot reshape " + x + " (" + x.size()
                    + " elements) to " + Shape.of(out));
        }
        return Shape.of(out);
    }

    /** Flatten: dimensions before {@code axis} become rows, the rest columns. */
    static Shape flatten(Shape x, int axis) {
        long rows = 1;
        long cols = 1;
        for (int i = 0; i < x.rank(); i++) {
            long d = x.dim(i);
            if (i < axis) {
                rows = rows == Shape.DYNAMIC || d == Shape.DYNAMIC ? Shape.DYNAMIC : rows * d;
            } else {
                cols = cols == Shape.DYNAMIC || d == Shape.DYNAMIC ? Shape.DYNAMIC : cols * d;
            }
        }
        return Shape.of(rows, cols);
    }

    /** The normalised permutation of a Transpose; fills {@code out} with the output dimensions. */
    static long[] permutation(String hint, Shape x, int[] perm, long[] out) {
        if (perm.length != x.rank()) {
            throw new IllegalArgumentException(hint + ": permutation " + Arrays.toString(perm) + " does not match rank of "
                    + x);
        }
        boolean[] seen = new boolean[perm.length];
        long[] p = new long[perm.length];
        for (int i = 0; i < perm.length; i++) {
            int a = x.normalizeAxis(perm[i]);
            if (seen[a]) {
                throw new IllegalArgumentException("Transpose: " + Arrays.toString(perm) + " is not a permutation");
            }
            seen[a] = true;
            p[i] = a;
            out[i] = x.dim(a);
        }
        return p;
    }

    static Shape concat(String hint, List<Tensor> xs, int a) {
        Tensor first = xs.get(0);
        long[] out = first.shape().dims();
        out[a] = 0;
        for (Tensor t : xs) {
            sameType("Concat", first, t);
            if (t.rank() != first.rank()) {
                throw new IllegalArgumentException(hint + ": ranks differ: " + first.shape() + " vs " + t.shape());
            }
            for (int i = 0; i < t.rank(); i++) {
                long d = t.shape().dim(i);
                if (i == a) {
                    out[a] = out[a] == Shape.DYNAMIC || d == Shape.DYNAMIC ? Shape.DYNAMIC : out[a] + d;
                } else if (d != out[i] && d != Shape.DYNAMIC && out[i] != Shape.DYNAMIC) {
                    throw new IllegalArgumentException(hint + ": shapes " + first.shape() + " and " + t.shape()
                            + " differ outside axis " + a);
                }
            }
        }
        return Shape.of(out);
    }

    /** Slice with step 1; {@code ax} receives the normalised axes. */
    static Shape slice(Shape x, long[] axes, long[] starts, long[] ends, long[] ax) {
        if (axes.length != starts.length || axes.length != ends.length) {
            throw new IllegalArgumentException("Slice: axes, starts and ends must have equal lengths");
        }
        long[] out = x.dims();
        for (int i = 0; i < axes.length; i++) {
            int a = x.normalizeAxis((int) axes[i]);
            ax[i] = a;
            long d = x.dim(a);
            if (d == Shape.DYNAMIC) {
                out[a] = Shape.DYNAMIC;
                continue;
            }
            out[a] = Math.max(0, clampIndex(ends[i], d) - clampIndex(starts[i], d));
        }
        return Shape.of(out);
    }

    static long clampIndex(long i, long d) {
        long v = i < 0 ? i + d : i;
        return Math.max(0, Math.min(d, v));
    }

    static void split(String hint, Shape x, int a, long[] sizes) {
        long total = 0;
        for (long s : sizes) {
            if (s < 0) {
                throw new IllegalArgumentException("Split: negative size in " + Arrays.toString(sizes));
            }
            total += s;
        }
        long d = x.dim(a);
        if (d != Shape.DYNAMIC && d != total) {
            throw new IllegalArgumentException(hint + ": sizes " + Arrays.toString(sizes) + " add up to " + total
                    + " but axis " + a + " of " + x + " has " + d);
        }
    }

    static Shape gather(Shape data, Shape indices, int a) {
        long[] d = data.dims();
        long[] q = indices.dims();
        long[] out = new long[d.length - 1 + q.length];
        System.arraycopy(d, 0, out, 0, a);
        System.arraycopy(q, 0, out, a, q.length);
        System.arraycopy(d, a + 1, out, a + q.length, d.length - a - 1);
        return Shape.of(out);
    }

    /** Unsqueeze: {@code norm} receives the sorted output positions of the new dimensions. */
    static Shape unsqueeze(Shape x, long[] axes, long[] norm) {
        int r = x.rank() + axes.length;
        for (int i = 0; i < axes.length; i++) {
            long a = axes[i] < 0 ? axes[i] + r : axes[i];
            if (a < 0 || a >= r) {
                throw new IllegalArgumentException("Unsqueeze: axis " + axes[i] + " out of range for output rank " + r);
            }
            norm[i] = a;
        }
        Arrays.sort(norm);
        long[] out = new long[r];
        int src = 0;
        for (int i = 0; i < r; i++) {
            out[i] = Arrays.binarySearch(norm, i) >= 0 ? 1 : x.dim(src++);
        }
        return Shape.of(out);
    }

    static Shape squeeze(String hint, Shape x, long[] ax) {
        if (ax.length == 0) {
            throw new IllegalArgumentException("Squeeze: name the axes to remove");
        }
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < x.rank(); i++) {
            if (Arrays.binarySearch(ax, i) >= 0) {
                long d = x.dim(i);
                if (d != 1 && d != Shape.DYNAMIC) {
                    throw new IllegalArgumentException(hint + ": axis " + i + " of " + x + " has size " + d + ", not 1");
                }
            } else {
                out.add(x.dim(i));
            }
        }
        return Shape.of(out.stream().mapToLong(Long::longValue).toArray());
    }

    /** The output size of a convolution or pooling window along one axis. */
    static long convOut(long in, long pBegin, long pEnd, long kernel, long stride, long dilation) {
        if (in == Shape.DYNAMIC) {
            return Shape.DYNAMIC;
        }
        return Math.floorDiv(in + pBegin + pEnd - ((kernel - 1) * dilation + 1), stride) + 1;
    }

    static Shape conv2d(String hint, Tensor x, Tensor w, Tensor bias, ConvOptions o) {
        if (x.rank() != 4 || w.rank() != 4) {
            throw new IllegalArgumentException(hint + ": needs x [N, C, H, W] and w [O, C/groups, kh, kw], got "
                    + x.shape() + " and " + w.shape());
        }
        long c = x.shape().dim(1);
        if (c != Shape.DYNAMIC && c != w.shape().dim(1) * o.groups()) {
            throw new IllegalArgumentException(hint + ": input has " + c + " channels but weight " + w.shape()
                    + " with groups=" + o.groups() + " expects " + w.shape().dim(1) * o.groups());
        }
        if (w.shape().dim(0) % o.groups() != 0) {
            throw new IllegalArgumentException(hint + ": " + w.shape().dim(0) + " output channels not divisible by groups="
                    + o.groups());
        }
        long[] s = o.strides();
        long[] p = o.pads();
        long[] d = o.dilations();
        long ho = convOut(x.shape().dim(2), p[0], p[2], w.shape().dim(2), s[0], d[0]);
        long wo = convOut(x.shape().dim(3), p[1], p[3], w.shape().dim(3), s[1], d[1]);
        if ((ho != Shape.DYNAMIC && ho < 1) || (wo != Shape.DYNAMIC && wo < 1)) {
            throw new IllegalArgumentException(hint + ": kernel " + w.shape() + " does not fit input " + x.shape());
        }
        if (bias != null && (bias.rank() != 1 || bias.shape().dim(0) != w.shape().dim(0))) {
            throw new IllegalArgumentException(hint + ": bias " + bias.shape() + " must be [" + w.shape().dim(0) + "]");
        }
        return Shape.of(x.shape().dim(0), w.shape().dim(0), ho, wo);
    }

    static Shape convTranspose2d(String hint, Tensor x, Tensor w, Tensor bias, ConvOptions o) {
        if (x.rank() != 4 || w.rank() != 4) {
            throw new IllegalArgumentException(hint + ": needs x [N, C, H, W] and w [C, O/groups, kh, kw], got "
                    + x.shape() + " and " + w.shape());
        }
        long c = x.shape().dim(1);
        if (c != Shape.DYNAMIC && c != w.shape().dim(0)) {
            throw new IllegalArgumentException(hint + ": input has " + c + " channels but weight " + w.shape()
                    + " expects " + w.shape().dim(0));
        }
        long[] s = o.strides();
        long[] p = o.pads();
        long[] d = o.dilations();
        long[] op = o.outputPadding();
        for (int i = 0; i < 2; i++) {
            if (op[i] >= Math.max(s[i], d[i])) {
                throw new IllegalArgumentException(hint + ": output padding " + Arrays.toString(op)
                        + " must be smaller than the stride or dilation");
            }
        }
        long[] hw = new long[2];
        for (int i = 0; i < 2; i++) {
            long in = x.shape().dim(2 + i);
            long k = w.shape().dim(2 + i);
            hw[i] = in == Shape.DYNAMIC ? Shape.DYNAMIC : s[i] * (in - 1) + op[i] + (k - 1) * d[i] + 1 - p[i] - p[i + 2];
        }
        long outC = w.shape().dim(1) * o.groups();
        if (bias != null && (bias.rank() != 1 || bias.shape().dim(0) != outC)) {
            throw new IllegalArgumentException(hint + ": bias " + bias.shape() + " must be [" + outC + "]");
        }
        return Shape.of(x.shape().dim(0), outC, hw[0], hw[1]);
    }

    static Shape pool(String op, Tensor x, long[] kernel, ConvOptions o) {
        if (x.rank() != 4 || kernel.length != 2) {
            throw new IllegalArgumentException(op + ": needs x [N, C, H, W] and a 2-D kernel, got " + x.shape());
        }
        long[] s = o.strides();
        long[] p = o.pads();
        long ho = convOut(x.shape().dim(2), p[0], p[2], kernel[0], s[0], 1);
        long wo = convOut(x.shape().dim(3), p[1], p[3], kernel[1], s[1], 1);
        return Shape.of(x.shape().dim(0), x.shape().dim(1), ho, wo);
    }
}
