package org.hourglass.graph;

import static org.hourglass.graph.ShapeRules.broadcast;
import static org.hourglass.graph.ShapeRules.normalizeAxes;
import static org.hourglass.graph.ShapeRules.reduced;
import static org.hourglass.graph.ShapeRules.requireFloating;
import static org.hourglass.graph.ShapeRules.sameType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Elementwise arithmetic, activations, comparisons, matrix products, normalisation and reductions. Each op
 * appends its node(s) to the graph of its tensor operands (which must share one graph), checks shapes at build
 * time and names the node after the graph's current scope. Scalars given as {@code double} become shared
 * constants of the other operand's type.
 */
public final class Ops {

    private Ops() {
    }

    /** Attributes from key-value pairs; null values are left out (optional attributes). */
    static Map<String, Object> attrs(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] != null) {
                m.put((String) kv[i], kv[i + 1]);
            }
        }
        return m;
    }

    static String lower(String opType) {
        return Character.toLowerCase(opType.charAt(0)) + opType.substring(1);
    }

    // ----------------------------------------------------------------------------------------- elementwise

    private static Tensor binary(String op, Tensor a, Tensor b) {
        sameType(op, a, b);
        Shape s = broadcast(op + " '" + a.graph().hint(op) + "'", a.shape(), b.shape());
        return a.graph().node1(op, lower(op), List.of(a, b), Map.of(), a.dtype(), s);
    }

    static Tensor unary(String op, Tensor x, Map<String, Object> attrs) {
        requireFloating(op, x);
        return x.graph().node1(op, lower(op), List.of(x), attrs, x.dtype(), x.shape());
    }

    public static Tensor add(Tensor a, Tensor b) {
        return binary("Add", a, b);
    }

    public static Tensor add(Tensor a, double b) {
        return add(a, a.graph().scalar(b, a.dtype()));
    }

    public static Tensor sub(Tensor a, Tensor b) {
        return binary("Sub", a, b);
    }

    public static Tensor sub(Tensor a, double b) {
        return sub(a, a.graph().scalar(b, a.dtype()));
    }

    /** {@code a - b} with a scalar on the left. */
    public static Tensor sub(double a, Tensor b) {
        return sub(b.graph().scalar(a, b.dtype()), b);
    }

    public static Tensor mul(Tensor a, Tensor b) {
        return binary("Mul", a, b);
    }

    public static Tensor mul(Tensor a, double b) {
        return mul(a, a.graph().scalar(b, a.dtype()));
    }

    public static Tensor div(Tensor a, Tensor b) {
        return binary("Div", a, b);
    }

    public static Tensor div(Tensor a, double b) {
        return div(a, a.graph().scalar(b, a.dtype()));
    }

    public static Tensor neg(Tensor x) {
        return unary("Neg", x, Map.of());
    }

    public static Tensor abs(Tensor x) {
        return unary("Abs", x, Map.of());
    }

    public static Tensor sqrt(Tensor x) {
        return unary("Sqrt", x, Map.of());
    }

    /** {@code x ^ exponent} with a constant exponent. */
    public static Tensor pow(Tensor x, double exponent) {
        requireFloating("Pow", x);
        return x.graph().node1("Pow", "pow", List.of(x, x.graph().scalar(exponent, x.dtype())), Map.of(), x.dtype(),
                x.shape());
    }

    public static Tensor exp(Tensor x) {
        return unary("Exp", x, Map.of());
    }

    public static Tensor log(Tensor x) {
        return unary("Log", x, Map.of());
    }

    public static Tensor relu(Tensor x) {
        return unary("Relu", x, Map.of());
    }

    public static Tensor leakyRelu(Tensor x, double alpha) {
        if (alpha <= 0) {
            throw new IllegalArgumentException("LeakyRelu: alpha must be > 0, was " + alpha);
        }
        return unary("LeakyRelu", x, attrs("alpha", alpha));
    }

    public static Tensor sigmoid(Tensor x) {
        return unary("Sigmoid", x, Map.of());
    }

    public static Tensor tanh(Tensor x) {
        return unary("Tanh", x, Map.of());
    }

    public static Tensor softplus(Tensor x) {
        return unary("Softplus", x, Map.of());
    }

    public static Tensor erf(Tensor x) {
        return unary("Erf", x, Map.of());
    }

    /** GELU in its exact erf form: {@code 0.5 x (1 + erf(x / sqrt 2))}. */
    public static Tensor gelu(Tensor x) {
        try (Graph.Scope s = x.graph().uniqueScope("gelu")) {
            Tensor e = erf(mul(x, 1 / Math.sqrt(2)));
            return mul(mul(x, 0.5), add(e, 1.0));
        }
    }

    /** {@code x} unchanged, but no gradient flows back through it. */
    public static Tensor stopGradient(Tensor x) {
        return x.graph().node("Identity", "StopGradient", "stopGradient", List.of(x), Map.of(), List.of(x.dtype()),
                List.of(x.shape())).get(0);
    }

    /** Straight-through estimator: the forward value of {@code quantized}, the gradient of {@code x}. */
    public static Tensor straightThrough(Tensor x, Tensor quantized) {
        return add(x, stopGradient(sub(quantized, x)));
    }

    public static Tensor identity(Tensor x) {
        return x.graph().node1("Identity", "identity", List.of(x), Map.of(), x.dtype(), x.shape());
    }

    /** Converts the element type; gradients flow back between floating types. */
    public static Tensor cast(Tensor x, DType to) {
        return x.graph().node1("Cast", "cast", List.of(x), attrs("to", (long) to.onnxCode()), to, x.shape());
    }

    public static Tensor clip(Tensor x, double min, double max) {
        requireFloating("Clip", x);
        if (min > max) {
            throw new IllegalArgumentException("Clip: min " + min + " > max " + max);
        }
        Graph g = x.graph();
        return g.node1("Clip", "clip", List.of(x, g.scalar(min, x.dtype()), g.scalar(max, x.dtype())), Map.of(),
                x.dtype(), x.shape());
    }

    /** Elementwise {@code cond ? a : b} with broadcasting. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        if (cond.dtype() != DType.BOOL) {
            throw new IllegalArgumentException("Where: condition " + cond + " must be BOOL");
        }
        sameType("Where", a, b);
        Shape s = broadcast("Where", broadcast("Where", cond.shape(), a.shape()), b.shape());
        return a.graph().node1("Where", "where", List.of(cond, a, b), Map.of(), a.dtype(), s);
    }

    private static Tensor compare(String op, Tensor a, Tensor b) {
        sameType(op, a, b);
        return a.graph().node1(op, lower(op), List.of(a, b), Map.of(), DType.BOOL, broadcast(op, a.shape(), b.shape()));
    }

    public static Tensor greater(Tensor a, Tensor b) {
        return compare("Greater", a, b);
    }

    public static Tensor greater(Tensor a, double b) {
        return greater(a, a.graph().scalar(b, a.dtype()));
    }

    public static Tensor less(Tensor a, Tensor b) {
        return compare("Less", a, b);
    }

    public static Tensor less(Tensor a, double b) {
        return less(a, a.graph().scalar(b, a.dtype()));
    }

    public static Tensor equal(Tensor a, Tensor b) {
        return compare("Equal", a, b);
    }

    public static Tensor greaterOrEqual(Tensor a, Tensor b) {
        return compare("GreaterOrEqual", a, b);
    }

    public static Tensor lessOrEqual(Tensor a, Tensor b) {
        return compare("LessOrEqual", a, b);
    }

    // ---------------------------------------------------------------------------------------- linear algebra

    /** Matrix product with numpy semantics for rank >= 2 (leading dimensions broadcast). */
    public static Tensor matmul(Tensor a, Tensor b) {
        requireFloating("MatMul", a, b);
        sameType("MatMul", a, b);
        String hint = "MatMul '" + a.graph().hint("MatMul") + "'";
        if (a.rank() < 2 || b.rank() < 2) {
            throw new IllegalArgumentException(hint + ": both operands need rank >= 2, got " + a.shape() + " and "
                    + b.shape() + " (reshape vectors to matrices)");
        }
        Shape out = ShapeRules.product("MatMul", hint, a.shape(), b.shape(), a.shape().dim(-2), a.shape().dim(-1),
                b.shape().dim(-2), b.shape().dim(-1), a.shape() + " x " + b.shape());
        return a.graph().node1("MatMul", "matmul", List.of(a, b), Map.of(), a.dtype(), out);
    }

    /** {@code alpha * op(a) @ op(b) + beta * c} on matrices; {@code c} may be null or broadcast to the result. */
    public static Tensor gemm(Tensor a, Tensor b, Tensor c, double alpha, double beta, boolean transA, boolean transB) {
        requireFloating("Gemm", a, b);
        sameType("Gemm", a, b);
        Shape out = ShapeRules.gemm("Gemm '" + a.graph().hint("Gemm") + "'", a, b, c, transA, transB);
        List<Tensor> in = new ArrayList<>(List.of(a, b));
        if (c != null) {
            in.add(c);
        }
        return a.graph().node1("Gemm", "gemm", in, attrs("alpha", alpha, "beta", beta, "transA", transA ? 1L : 0L,
                "transB", transB ? 1L : 0L), a.dtype(), out);
    }

    // --------------------------------------------------------------------------------------- normalisation

    public static Tensor softmax(Tensor x, int axis) {
        requireFloating("Softmax", x);
        return x.graph().node1("Softmax", "softmax", List.of(x), attrs("axis", (long) x.shape().normalizeAxis(axis)),
                x.dtype(), x.shape());
    }

    public static Tensor logSoftmax(Tensor x, int axis) {
        requireFloating("LogSoftmax", x);
        return x.graph().node1("LogSoftmax", "logSoftmax", List.of(x),
                attrs("axis", (long) x.shape().normalizeAxis(axis)), x.dtype(), x.shape());
    }

    /**
     * Layer normalisation over the dimensions from {@code axis} to the end; {@code scale} and {@code bias} have
     * the shape of those dimensions.
     */
    public static Tensor layerNorm(Tensor x, Tensor scale, Tensor bias, int axis, double epsilon) {
        requireFloating("LayerNormalization", x, scale, bias);
        int a = x.shape().normalizeAxis(axis);
        long[] tail = Arrays.copyOfRange(x.shape().dims(), a, x.rank());
        for (Tensor p : List.of(scale, bias)) {
            sameType("LayerNormalization", x, p);
            if (!Arrays.equals(p.shape().dims(), tail)) {
                throw new IllegalArgumentException("LayerNormalization '" + x.graph().hint("LayerNormalization")
                        + "': " + p + " must have shape " + Shape.of(tail) + " (the normalised dimensions of "
                        + x.shape() + ")");
            }
        }
        return x.graph().node1("LayerNormalization", "layerNorm", List.of(x, scale, bias),
                attrs("axis", (long) a, "epsilon", epsilon), x.dtype(), x.shape());
    }

    // ------------------------------------------------------------------------------------------ reductions

    /** Sum over {@code axes} (all axes when none are given). */
    public static Tensor reduceSum(Tensor x, boolean keepDims, long... axes) {
        long[] ax = normalizeAxes(x, axes);
        List<Tensor> in = ax.length == 0 ? List.of(x) : List.of(x, x.graph().longs(ax));
        return x.graph().node1("ReduceSum", "reduceSum", in, attrs("keepdims", keepDims ? 1L : 0L), x.dtype(),
                reduced(x.shape(), ax, keepDims));
    }

    /** Mean over {@code axes} (all axes when none are given). */
    public static Tensor reduceMean(Tensor x, boolean keepDims, long... axes) {
        requireFloating("ReduceMean", x);
        long[] ax = normalizeAxes(x, axes);
        return x.graph().node1("ReduceMean", "reduceMean", List.of(x),
                attrs("axes", ax.length == 0 ? null : ax, "keepdims", keepDims ? 1L : 0L), x.dtype(),
                reduced(x.shape(), ax, keepDims));
    }

    /** Maximum over {@code axes} (all axes when none are given). */
    public static Tensor reduceMax(Tensor x, boolean keepDims, long... axes) {
        long[] ax = normalizeAxes(x, axes);
        return x.graph().node1("ReduceMax", "reduceMax", List.of(x),
                attrs("axes", ax.length == 0 ? null : ax, "keepdims", keepDims ? 1L : 0L), x.dtype(),
                reduced(x.shape(), ax, keepDims));
    }

    /** The mean of all elements, a scalar. */
    public static Tensor mean(Tensor x) {
        return reduceMean(x, false);
    }

    /** The sum of all elements, a scalar. */
    public static Tensor sum(Tensor x) {
        return reduceSum(x, false);
    }
}
