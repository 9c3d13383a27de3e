package org.hourglass.graph;

import static org.hourglass.graph.Ops.attrs;
import static org.hourglass.graph.ShapeRules.sameType;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Ops only the backward pass and the optimizers emit: run-time shapes, ones and zeros, padding, scatters,
 * convolutions with a given output shape, the contrib {@code FusedMatMul} and LayerNormalization's statistics.
 * Not API: plug-ins build forward graphs with {@link Ops}, {@link ShapeOps} and {@link ConvOps}.
 */
final class GradOps {

    private GradOps() {
    }

    /** Elementwise power with a tensor exponent (optimizers' {@code beta^step}; no gradient to the exponent). */
    static Tensor powTensor(Tensor base, Tensor exponent) {
        sameType("Pow", base, exponent);
        return base.graph().node1("Pow", "pow", List.of(base, exponent), Map.of(), base.dtype(),
                ShapeRules.broadcast("Pow", base.shape(), exponent.shape()));
    }

    static Tensor sign(Tensor x) {
        return Ops.unary("Sign", x, Map.of());
    }

    /**
     * {@code op(a) @ op(b)} with {@code op} swapping the last two dimensions where asked, numpy broadcasting of the
     * leading ones: ONNX Runtime's contrib op {@code com.microsoft:FusedMatMul} (float32 only), which reads the
     * operands transposed instead of materialising the transpose. Used by the gradient rules of train steps, which
     * run only on ONNX Runtime; inference models never contain it.
     */
    static Tensor fusedMatMul(Tensor a, Tensor b, boolean transA, boolean transB) {
        sameType("FusedMatMul", a, b);
        String hint = "FusedMatMul '" + a.graph().hint("FusedMatMul") + "'";
        if (a.dtype() != DType.FLOAT || a.rank() < 2 || b.rank() < 2) {
            throw new IllegalArgumentException(hint + ": needs float32 operands of rank >= 2, got " + a + " and " + b);
        }
        Shape out = ShapeRules.product("FusedMatMul", hint, a.shape(), b.shape(), a.shape().dim(transA ? -1 : -2),
                a.shape().dim(transA ? -2 : -1), b.shape().dim(transB ? -1 : -2), b.shape().dim(transB ? -2 : -1),
                a.shape() + (transA ? "^T" : "") + " x " + b.shape() + (transB ? "^T" : ""));
        return a.graph().node(Graph.CONTRIB_DOMAIN, "FusedMatMul", "FusedMatMul", "matmul", List.of(a, b),
                attrs("alpha", 1.0, "transA", transA ? 1L : 0L, "transB", transB ? 1L : 0L), List.of(a.dtype()),
                List.of(out)).get(0);
    }

    /**
     * The {@code Mean} and {@code InvStdDev} outputs (ONNX's optional outputs 1 and 2, float32, the normalised
     * dimensions kept as 1) of a float32 LayerNormalization node, added to the node on first use: only graphs whose
     * gradient needs them compute them, and inference models of graphs never differentiated keep one output.
     */
    static Tensor[] layerNormStats(Node n) {
        Tensor x = n.input(0);
        if (!n.opType().equals("LayerNormalization") || x.dtype() != DType.FLOAT
                || n.attrLong("stash_type", 1) != 1) {
            throw new IllegalArgumentException(n + ": float32 statistics need a float32 LayerNormalization, got " + x);
        }
        if (n.outputs().size() < 3) {
            int a = x.shape().normalizeAxis((int) n.attrLong("axis", -1));
            long[] dims = x.shape().dims();
            Arrays.fill(dims, a, dims.length, 1L);
            while (n.outputs().size() <= 2) {
                x.graph().extraOutput(n, DType.FLOAT, Shape.of(dims));
            }
        }
        return new Tensor[] {n.output(1), n.output(2)};
    }

    static Tensor shapeOf(Tensor x) {
        return x.graph().node1("Shape", "shape", List.of(x), Map.of(), DType.INT64, Shape.of(x.rank()));
    }

    static Tensor sizeOf(Tensor x) {
        return x.graph().node1("Size", "size", List.of(x), Map.of(), DType.INT64, Shape.scalar());
    }

    /** Reshape to the (run-time) shape of {@code like}. */
    static Tensor reshapeLike(Tensor x, Tensor like) {
        return x.graph().node1("Reshape", "reshape", List.of(x, shapeOf(like)), Map.of(), x.dtype(), like.shape());
    }

    /** Broadcasts to the run-time shape of {@code like}. */
    static Tensor expandLike(Tensor x, Tensor like) {
        return x.graph().node1("Expand", "expand", List.of(x, shapeOf(like)), Map.of(), x.dtype(), like.shape());
    }

    /** A row {@code [1, n]} of ones (shared between uses). */
    static Tensor onesRow(Graph g, long n, DType dtype) {
        return g.sharedConstant("ones:" + dtype + ":" + n, "const/ones", () -> {
            double[] ones = new double[Math.toIntExact(n)];
            Arrays.fill(ones, 1.0);
            return HostTensor.of(dtype, ones, 1, n);
        });
    }

    /** A row {@code [1, m]} of ones where {@code m} is the run-time first dimension of {@code x}. */
    static Tensor onesRowLike(Tensor x, DType dtype) {
        Graph g = x.graph();
        Tensor first = g.node1("Shape", "shape", List.of(x), attrs("start", 0L, "end", 1L), DType.INT64, Shape.of(1));
        return g.node1("ConstantOfShape", "ones", List.of(ShapeOps.concat(0, g.longs(1), first)),
                attrs("value", HostTensor.of(dtype, new double[] {1}, 1)), dtype, Shape.of(1, x.shape().dim(0)));
    }

    /** Zeros with the run-time shape of {@code like} and the type {@code dtype}. */
    static Tensor zerosLike(Tensor like, DType dtype) {
        return like.graph().node1("ConstantOfShape", "zeros", List.of(shapeOf(like)),
                attrs("value", HostTensor.of(dtype, new double[] {0}, 1)), dtype, like.shape());
    }

    static Tensor pad(Tensor x, long[] pads, Shape out) {
        return x.graph().node1("Pad", "pad", List.of(x, x.graph().longs(pads)), attrs("mode", "constant"), x.dtype(),
                out);
    }

    static Tensor scatterND(Tensor data, Tensor indices, Tensor updates, String reduction) {
        return data.graph().node1("ScatterND", "scatterND", List.of(data, indices, updates),
                attrs("reduction", reduction), data.dtype(), data.shape());
    }

    static Tensor scatterElements(Tensor data, Tensor indices, Tensor updates, int axis, String reduction) {
        return data.graph().node1("ScatterElements", "scatterElements", List.of(data, indices, updates),
                attrs("axis", (long) axis, "reduction", reduction), data.dtype(), data.shape());
    }

    /** Conv or ConvTranspose with an explicit output shape (gradient rules know it better than the generic rule). */
    static Tensor convRaw(String opType, Tensor x, Tensor w, long[] strides, long[] pads, long[] dilations, long group,
                          long[] outputPadding, Shape out) {
        return x.graph().node1(opType, Ops.lower(opType), List.of(x, w), attrs("kernel_shape",
                new long[] {w.shape().dim(2), w.shape().dim(3)}, "strides", strides, "pads", pads,
                "dilations", dilations, "group", group, "output_padding", outputPadding), x.dtype(), out);
    }
}
