package org.hourglass.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one table of gradient rules: ONNX op type (or pseudo op type, see {@link Node#gradKey()}) to a rule
 * {@code (node, gradOutputs) -> gradInputs}. Rules emit ordinary graph nodes and reuse forward outputs where
 * that is cheaper (ReLU's mask comes from its output, so the pre-activation keeps a single consumer and ONNX
 * Runtime can fuse Gemm+ReLU). {@link #NONE} marks ops that explicitly pass no gradient.
 *
 * <p>A gradient output is null when nothing downstream needs it (for example TopK's indices). A rule returns
 * null for inputs that take no gradient (integer indices, shape inputs, constant bounds).
 */
final class GradientRules {

    /**
     * A gradient rule. {@code fusedProducts}: whether float32 matrix products may use ONNX Runtime's contrib
     * {@code FusedMatMul} (train steps, which run only on ONNX Runtime; not gradients an inference model may hold).
     */
    @FunctionalInterface
    interface Rule {
        Tensor[] apply(Graph g, Node node, Tensor[] gradOut, boolean fusedProducts);
    }

    /** A rule that emits the same nodes whichever way products are allowed. */
    @FunctionalInterface
    private interface Plain {
        Tensor[] apply(Graph g, Node node, Tensor[] gradOut);
    }

    /** Explicitly no gradient: the node is skipped in the backward pass. */
    static final Rule NONE = (g, n, go, fused) -> new Tensor[0];

    private static final Map<String, Rule> RULES = new HashMap<>();

    static {
        // Arithmetic with broadcasting: every input gradient is summed back to the input's shape.
        put("Add", (g, n, go) -> new Tensor[] {reduceTo(g, go[0], in(n, 0)), reduceTo(g, go[0], in(n, 1))});
        put("Sub", (g, n, go) -> new Tensor[] {reduceTo(g, go[0], in(n, 0)),
                reduceTo(g, Ops.neg(go[0]), in(n, 1))});
        put("Mul", (g, n, go) -> new Tensor[] {reduceTo(g, Ops.mul(go[0], in(n, 1)), in(n, 0)),
                reduceTo(g, Ops.mul(go[0], in(n, 0)), in(n, 1))});
        // d(a/b)/db = -a/b^2 = -y/b: reuses the output.
        put("Div", (g, n, go) -> new Tensor[] {reduceTo(g, Ops.div(go[0], in(n, 1)), in(n, 0)),
                reduceTo(g, Ops.neg(Ops.div(Ops.mul(go[0], out(n, 0)), in(n, 1))), in(n, 1))});
        put("Neg", (g, n, go) -> new Tensor[] {Ops.neg(go[0])});
        put("Abs", (g, n, go) -> new Tensor[] {Ops.mul(go[0], GradOps.sign(in(n, 0)))});
        put("Sqrt", (g, n, go) -> new Tensor[] {Ops.div(Ops.mul(go[0], 0.5), out(n, 0))});
        put("Pow", GradientRules::pow);
        put("Exp", (g, n, go) -> new Tensor[] {Ops.mul(go[0], out(n, 0))});
        put("Log", (g, n, go) -> new Tensor[] {Ops.div(go[0], in(n, 0))});

        // Activations.
        put("Relu", (g, n, go) -> new Tensor[] {
            Ops.where(Ops.greater(out(n, 0), 0.0), go[0], g.scalar(0.0, go[0].dtype()))});
        put("LeakyRelu", (g, n, go) -> new Tensor[] {
            Ops.where(Ops.greater(out(n, 0), 0.0), go[0], Ops.mul(go[0], n.attrDouble("alpha", 0.01)))});
        put("Sigmoid", (g, n, go) -> {
            Tensor y = out(n, 0);
            return new Tensor[] {Ops.mul(go[0], Ops.mul(y, Ops.sub(1.0, y)))};
        });
        put("Tanh", (g, n, go) -> {
            Tensor y = out(n, 0);
            return new Tensor[] {Ops.mul(go[0], Ops.sub(1.0, Ops.mul(y, y)))};
        });
        put("Softplus", (g, n, go) -> new Tensor[] {Ops.mul(go[0], Ops.sigmoid(in(n, 0)))});
        put("Erf", (g, n, go) -> {
            Tensor x = in(n, 0);
            return new Tensor[] {Ops.mul(go[0], Ops.mul(Ops.exp(Ops.neg(Ops.mul(x, x))), 2 / Math.sqrt(Math.PI)))};
        });
        put("Softmax", (g, n, go) -> {
            Tensor y = out(n, 0);
            long axis = n.attrLong("axis", -1);
            return new Tensor[] {Ops.mul(y, Ops.sub(go[0], Ops.reduceSum(Ops.mul(go[0], y), true, axis)))};
        });
        put("LogSoftmax", (g, n, go) -> {
            long axis = n.attrLong("axis", -1);
            return new Tensor[] {Ops.sub(go[0], Ops.mul(Ops.exp(out(n, 0)), Ops.reduceSum(go[0], true, axis)))};
        });
        put("LayerNormalization", GradientRules::layerNorm);

        // Linear algebra.
        RULES.put("MatMul", (g, n, go, fused) -> new Tensor[] {
            reduceTo(g, product(go[0], in(n, 1), false, true, fused), in(n, 0)),
            reduceTo(g, product(in(n, 0), go[0], true, false, fused), in(n, 1))});
        RULES.put("FusedMatMul", GradientRules::fusedMatMul);
        put("Gemm", GradientRules::gemm);

        // Shape and data movement.
        Plain backToShape = (g, n, go) -> new Tensor[] {reshapeTo(g, go[0], in(n, 0))};
        put("Reshape", backToShape);
        put("Flatten", backToShape);
        put("Squeeze", backToShape);
        put("Unsqueeze", backToShape);
        put("Identity", (g, n, go) -> new Tensor[] {go[0]});
        put("Transpose", (g, n, go) -> {
            long[] perm = n.attrLongs("perm");
            int[] inverse = new int[perm.length];
            for (int i = 0; i < perm.length; i++) {
                inverse[(int) perm[i]] = i;
            }
            return new Tensor[] {ShapeOps.transpose(go[0], inverse)};
        });
        put("Concat", GradientRules::concat);
        put("Split", GradientRules::split);
        put("Slice", GradientRules::slice);
        put("Gather", GradientRules::gather);
        put("Expand", (g, n, go) -> new Tensor[] {reduceTo(g, go[0], in(n, 0))});
        put("Cast", (g, n, go) -> new Tensor[] {
            in(n, 0).dtype().isFloating() ? Ops.cast(go[0], in(n, 0).dtype()) : null});

        // Reductions.
        put("ReduceSum", (g, n, go) -> new Tensor[] {
            GradOps.expandLike(keepDims(g, n, go[0], reduceAxes(g, n)), in(n, 0))});
        put("ReduceMean", GradientRules::reduceMean);
        put("ReduceMax", GradientRules::reduceMax);

        // Selection.
        put("Where", (g, n, go) -> {
            Tensor zero = g.scalar(0.0, go[0].dtype());
            return new Tensor[] {null, reduceTo(g, Ops.where(in(n, 0), go[0], zero), in(n, 1)),
                reduceTo(g, Ops.where(in(n, 0), zero, go[0]), in(n, 2))};
        });
        // Passes where the output equals the input, i.e. where nothing was clipped: one Equal on the output.
        put("Clip", (g, n, go) -> new Tensor[] {
            Ops.where(Ops.equal(in(n, 0), out(n, 0)), go[0], g.scalar(0.0, go[0].dtype()))});
        put("TopK", (g, n, go) -> {
            if (go[0] == null) {
                return new Tensor[] {null};
            }
            Tensor x = in(n, 0);
            return new Tensor[] {GradOps.scatterElements(GradOps.zerosLike(x, x.dtype()), out(n, 1), go[0],
                    (int) n.attrLong("axis", -1), "none")};
        });

        // Convolution and pooling.
        put("Conv", GradientRules::conv);
        put("ConvTranspose", GradientRules::convTranspose);
        put("AveragePool", GradientRules::averagePool);
        put("MaxPool", GradientRules::maxPool);
        put("Resize", GradientRules::resize);

        // Explicitly no gradient.
        for (String op : List.of("StopGradient", "Greater", "Less", "Equal", "GreaterOrEqual", "LessOrEqual", "Not",
                "And", "Or", "Shape", "Size", "ConstantOfShape", "Sign")) {
            RULES.put(op, NONE);
        }
    }

    private GradientRules() {
    }

    private static void put(String op, Plain rule) {
        RULES.put(op, (g, n, go, fused) -> rule.apply(g, n, go));
    }

    /** The rule for a node, or a clear error naming the op. */
    static Rule rule(Node node) {
        Rule r = RULES.get(node.gradKey());
        if (r == null) {
            throw new IllegalArgumentException("no gradient rule for op '" + node.gradKey() + "' (node '" + node.name()
                    + "'); ops with rules: " + new java.util.TreeSet<>(RULES.keySet()));
        }
        return r;
    }

    private static Tensor in(Node n, int i) {
        return n.input(i);
    }

    private static Tensor out(Node n, int i) {
        return n.output(i);
    }

    // ------------------------------------------------------------------------------------------- helpers

    /** Sums a broadcast gradient back to the shape of {@code target}. */
    static Tensor reduceTo(Graph g, Tensor grad, Tensor target) {
        Shape t = target.shape();
        Tensor r = grad;
        int lead = grad.rank() - t.rank();
        if (lead > 0) {
            r = sumLeading(g, r, lead);
        }
        List<Long> axes = new ArrayList<>();
        for (int i = 0; i < t.rank(); i++) {
            long td = t.dim(i);
            long gd = r.shape().dim(i);
            if (td == 1 && gd != 1) {
                axes.add((long) i);
            } else if (td == Shape.DYNAMIC && gd != Shape.DYNAMIC && gd != 1) {
                throw new IllegalArgumentException("cannot tell whether dimension " + i + " of " + target
                        + " was broadcast to " + gd + "; give it a static size");
            }
        }
        if (!axes.isEmpty()) {
            r = Ops.reduceSum(r, true, axes.stream().mapToLong(Long::longValue).toArray());
        }
        return r;
    }

    /**
     * The sum over the first {@code lead} axes (bias gradients, broadcast leading dimensions) as a product with a
     * row of ones, {@code ones[1, M] @ x[M, K]}: ONNX Runtime's {@code ReduceSum} over leading axes splits the work
     * by kept column and reads each column with a stride, 3 to 36 times slower than the product on the shapes of
     * bias gradients (measured: {@code [12544, 16]} 609 against 17 us, {@code [12544, 64]} 318 against 51 us,
     * {@code [256, 784]} 27 against 9 us). {@code ReduceSum} stays where the kept part is not static.
     */
    static Tensor sumLeading(Graph g, Tensor x, int lead) {
        long[] dims = x.shape().dims();
        Shape leading = Shape.of(Arrays.copyOfRange(dims, 0, lead));
        Shape keptShape = Shape.of(Arrays.copyOfRange(dims, lead, dims.length));
        long kept = keptShape.isStatic() ? keptShape.size() : Shape.DYNAMIC;
        long rows = leading.isStatic() ? leading.size() : Shape.DYNAMIC;
        if (lead == dims.length || kept == Shape.DYNAMIC || kept == 0 || rows == 0 || !x.dtype().isFloating()) {
            long[] axes = new long[lead];
            for (int i = 0; i < lead; i++) {
                axes[i] = i;
            }
            return Ops.reduceSum(x, false, axes);
        }
        Tensor flat = lead == 1 && dims.length == 2 ? x : ShapeOps.reshape(x, -1, kept);
        Tensor ones = rows == Shape.DYNAMIC ? GradOps.onesRowLike(flat, x.dtype()) : GradOps.onesRow(g, rows, x.dtype());
        return ShapeOps.reshape(Ops.matmul(ones, flat), keptShape.dims());
    }

    /** Reshape back to {@code like}'s shape: a constant target when at most one dimension is dynamic. */
    static Tensor reshapeTo(Graph g, Tensor grad, Tensor like) {
        long[] dims = like.shape().dims();
        int dynamic = 0;
        boolean zero = false;
        for (long d : dims) {
            dynamic += d == Shape.DYNAMIC ? 1 : 0;
            zero |= d == 0;
        }
        if (dynamic <= 1 && !zero) {
            return ShapeOps.reshape(grad, dims);
        }
        return GradOps.reshapeLike(grad, like);
    }

    private static Tensor transposeLast(Tensor x) {
        int r = x.rank();
        int[] perm = new int[r];
        for (int i = 0; i < r; i++) {
            perm[i] = i;
        }
        perm[r - 2] = r - 1;
        perm[r - 1] = r - 2;
        return ShapeOps.transpose(x, perm);
    }

    /**
     * {@code op(a) @ op(b)}: in a train step's float32 gradient one FusedMatMul that reads the operands transposed,
     * else (float64, or gradients an inference model may contain) explicit Transposes and a MatMul.
     */
    private static Tensor product(Tensor a, Tensor b, boolean ta, boolean tb, boolean fused) {
        if ((ta || tb) && fused && a.dtype() == DType.FLOAT) {
            return GradOps.fusedMatMul(a, b, ta, tb);
        }
        return Ops.matmul(ta ? transposeLast(a) : a, tb ? transposeLast(b) : b);
    }

    // --------------------------------------------------------------------------------------------- rules

    private static Tensor[] pow(Graph g, Node n, Tensor[] go) {
        Tensor x = in(n, 0);
        Tensor p = in(n, 1);
        HostTensor value = g.constants().get(p);
        if (value != null && value.size() == 1) {
            double e = value.get(0);
            Tensor d;
            if (e == 1) {
                d = go[0];
            } else if (e == 2) {
                d = Ops.mul(Ops.mul(go[0], 2.0), x);
            } else {
                d = Ops.mul(go[0], Ops.mul(Ops.pow(x, e - 1), e));
            }
            return new Tensor[] {reduceTo(g, d, x), null};
        }
        // Tensor exponent: gradient to the base only (the exponent is treated as a constant).
        Tensor d = Ops.mul(go[0], Ops.mul(GradOps.powTensor(x, Ops.sub(p, 1.0)), p));
        return new Tensor[] {reduceTo(g, d, x), null};
    }

    private static Tensor[] gemm(Graph g, Node n, Tensor[] go) {
        Tensor a = in(n, 0);
        Tensor b = in(n, 1);
        Tensor c = in(n, 2);
        double alpha = n.attrDouble("alpha", 1.0);
        double beta = n.attrDouble("beta", 1.0);
        boolean ta = n.attrLong("transA", 0) != 0;
        boolean tb = n.attrLong("transB", 0) != 0;
        Tensor gy = go[0];
        Tensor da = ta ? Ops.gemm(b, gy, null, alpha, 0, tb, true) : Ops.gemm(gy, b, null, alpha, 0, false, !tb);
        Tensor db = tb ? Ops.gemm(gy, a, null, alpha, 0, true, ta) : Ops.gemm(a, gy, null, alpha, 0, !ta, false);
        Tensor dc = null;
        if (c != null) {
            dc = reduceTo(g, gy, c);
            if (beta != 1.0) {
                dc = Ops.mul(dc, beta);
            }
        }
        return new Tensor[] {da, db, dc};
    }

    /** {@code C = op(A) op(B)}: the Gemm rule's four cases, broadcast dimensions summed back. */
    private static Tensor[] fusedMatMul(Graph g, Node n, Tensor[] go, boolean fused) {
        Tensor a = in(n, 0);
        Tensor b = in(n, 1);
        if (n.attrDouble("alpha", 1.0) != 1.0 || n.attrLong("transBatchA", 0) != 0
                || n.attrLong("transBatchB", 0) != 0) {
            throw new IllegalArgumentException("gradient of FusedMatMul '" + n.name() + "': only alpha 1 without "
                    + "batch transposes is supported, got " + n.attributes());
        }
        boolean ta = n.attrLong("transA", 0) != 0;
        boolean tb = n.attrLong("transB", 0) != 0;
        Tensor gy = go[0];
        Tensor da = ta ? product(b, gy, tb, true, fused) : product(gy, b, false, !tb, fused);
        Tensor db = tb ? product(gy, a, true, ta, fused) : product(a, gy, !ta, false, fused);
        return new Tensor[] {reduceTo(g, da, a), reduceTo(g, db, b)};
    }

    private static Tensor[] layerNorm(Graph g, Node n, Tensor[] go) {
        Tensor x = in(n, 0);
        Tensor scale = in(n, 1);
        Tensor bias = in(n, 2);
        int axis = (int) n.attrLong("axis", -1);
        axis = x.shape().normalizeAxis(axis);
        double eps = n.attrDouble("epsilon", 1e-5);
        long[] axes = new long[x.rank() - axis];
        for (int i = 0; i < axes.length; i++) {
            axes[i] = axis + i;
        }
        Tensor inv;
        Tensor xhat;
        if (x.dtype() == DType.FLOAT && n.attrLong("stash_type", 1) == 1) {
            // The forward node's own mean and 1/sigma (its optional outputs): no second pass over x for them.
            Tensor[] stats = GradOps.layerNormStats(n);
            inv = stats[1];
            xhat = Ops.mul(Ops.sub(x, stats[0]), inv);
        } else {
            // float64: ONNX types the statistics outputs float32, so recompute them exactly as the forward op does.
            Tensor xc = Ops.sub(x, Ops.reduceMean(x, true, axes));
            inv = Ops.pow(Ops.add(Ops.reduceMean(Ops.mul(xc, xc), true, axes), eps), -0.5);
            xhat = Ops.mul(xc, inv);
        }
        Tensor dxhat = Ops.mul(go[0], scale);
        Tensor dx = Ops.mul(inv, Ops.sub(Ops.sub(dxhat, Ops.reduceMean(dxhat, true, axes)),
                Ops.mul(xhat, Ops.reduceMean(Ops.mul(dxhat, xhat), true, axes))));
        return new Tensor[] {dx, reduceTo(g, Ops.mul(go[0], xhat), scale), reduceTo(g, go[0], bias)};
    }

    private static Tensor[] concat(Graph g, Node n, Tensor[] go) {
        int axis = (int) n.attrLong("axis", 0);
        if (n.inputs().size() == 1) {
            return new Tensor[] {go[0]};
        }
        long[] sizes = new long[n.inputs().size()];
        for (int i = 0; i < sizes.length; i++) {
            sizes[i] = in(n, i).shape().dim(axis);
            if (sizes[i] == Shape.DYNAMIC) {
                throw new IllegalArgumentException("gradient of Concat '" + n.name() + "': input " + in(n, i)
                        + " has a dynamic size along the concatenation axis " + axis);
            }
        }
        return ShapeOps.split(go[0], axis, sizes).toArray(new Tensor[0]);
    }

    private static Tensor[] split(Graph g, Node n, Tensor[] go) {
        int axis = (int) n.attrLong("axis", 0);
        List<Tensor> parts = new ArrayList<>();
        for (int i = 0; i < go.length; i++) {
            Tensor o = out(n, i);
            parts.add(go[i] != null ? go[i] : GradOps.zerosLike(o, o.dtype()));
        }
        return new Tensor[] {parts.size() == 1 ? parts.get(0) : ShapeOps.concat(axis, parts), null};
    }

    private static Tensor[] slice(Graph g, Node n, Tensor[] go) {
        Tensor x = in(n, 0);
        long[] starts = g.constants().get(in(n, 1)).longs();
        long[] ends = g.constants().get(in(n, 2)).longs();
        long[] axes = g.constants().get(in(n, 3)).longs();
        int r = x.rank();
        long[] pads = new long[2 * r];
        for (int i = 0; i < axes.length; i++) {
            int a = (int) axes[i];
            long d = x.shape().dim(a);
            if (d == Shape.DYNAMIC) {
                throw new IllegalArgumentException("gradient of Slice '" + n.name() + "': axis " + a + " of " + x
                        + " is dynamic; slicing needs a static size there to pad the gradient back");
            }
            long s = ShapeRules.clampIndex(starts[i], d);
            long e = Math.max(s, ShapeRules.clampIndex(ends[i], d));
            pads[a] = s;
            pads[r + a] = d - e;
        }
        return new Tensor[] {GradOps.pad(go[0], pads, x.shape()), null, null, null};
    }

    private static Tensor[] gather(Graph g, Node n, Tensor[] go) {
        Tensor data = in(n, 0);
        Tensor indices = in(n, 1);
        int a = (int) n.attrLong("axis", 0);
        int r = data.rank();
        int q = indices.rank();
        Tensor idx = ShapeOps.unsqueeze(indices.dtype() == DType.INT64 ? indices : Ops.cast(indices, DType.INT64), -1);
        if (a == 0) {
            // Duplicate indices accumulate: ScatterND with reduction=add.
            return new Tensor[] {GradOps.scatterND(GradOps.zerosLike(data, data.dtype()), idx, go[0], "add"), null};
        }
        // Bring the gathered axis to the front, scatter there, move it back.
        int[] permGo = new int[go[0].rank()];
        int k = 0;
        for (int i = 0; i < q; i++) {
            permGo[k++] = a + i;
        }
        for (int i = 0; i < a; i++) {
            permGo[k++] = i;
        }
        for (int i = a + q; i < go[0].rank(); i++) {
            permGo[k++] = i;
        }
        int[] permData = new int[r];
        long[] permDataL = new long[r];
        k = 0;
        permData[k++] = a;
        for (int i = 0; i < r; i++) {
            if (i != a) {
                permData[k++] = i;
            }
        }
        int[] inverse = new int[r];
        long[] tDims = new long[r];
        for (int i = 0; i < r; i++) {
            inverse[permData[i]] = i;
            permDataL[i] = permData[i];
            tDims[i] = data.shape().dim(permData[i]);
        }
        Tensor tShape = ShapeOps.gather(GradOps.shapeOf(data), g.longs(permDataL), 0);
        Tensor zeros = g.node1("ConstantOfShape", "zeros", List.of(tShape),
                Map.of("value", HostTensor.of(data.dtype(), new double[] {0}, 1)), data.dtype(), Shape.of(tDims));
        Tensor scattered = GradOps.scatterND(zeros, idx, ShapeOps.transpose(go[0], permGo), "add");
        return new Tensor[] {ShapeOps.transpose(scattered, inverse), null};
    }

    private static long[] reduceAxes(Graph g, Node n) {
        Tensor x = in(n, 0);
        long[] axes;
        if ("ReduceSum".equals(n.opType())) {
            Tensor ax = in(n, 1);
            axes = ax == null ? new long[0] : g.constants().get(ax).longs();
        } else {
            long[] a = n.attrLongs("axes");
            axes = a == null ? new long[0] : a;
        }
        if (axes.length == 0) {
            axes = new long[x.rank()];
            for (int i = 0; i < axes.length; i++) {
                axes[i] = i;
            }
        }
        return axes;
    }

    /** Re-inserts reduced axes when the forward reduction dropped them. */
    private static Tensor keepDims(Graph g, Node n, Tensor grad, long[] axes) {
        if (n.attrLong("keepdims", 1) != 0) {
            return grad;
        }
        return axes.length == 0 ? grad : ShapeOps.unsqueeze(grad, axes);
    }

    private static Tensor[] reduceMean(Graph g, Node n, Tensor[] go) {
        Tensor x = in(n, 0);
        long[] axes = reduceAxes(g, n);
        long count = 1;
        for (long a : axes) {
            long d = x.shape().dim((int) a);
            count = count == Shape.DYNAMIC || d == Shape.DYNAMIC ? Shape.DYNAMIC : count * d;
        }
        boolean toScalar = out(n, 0).rank() == 0;
        // A scalar broadcasts as it is; otherwise put the reduced axes back before expanding.
        Tensor grad = toScalar ? go[0] : keepDims(g, n, go[0], axes);
        if (count != Shape.DYNAMIC) {
            grad = Ops.div(grad, (double) count);
        } else {
            Tensor ratio = Ops.cast(GradOps.sizeOf(x), x.dtype());
            if (!toScalar) {
                ratio = Ops.div(ratio, Ops.cast(GradOps.sizeOf(out(n, 0)), x.dtype()));
            }
            grad = Ops.div(grad, ratio);
        }
        return new Tensor[] {GradOps.expandLike(grad, x)};
    }

    private static Tensor[] reduceMax(Graph g, Node n, Tensor[] go) {
        Tensor x = in(n, 0);
        long[] axes = reduceAxes(g, n);
        Tensor y = keepDims(g, n, out(n, 0), axes);
        Tensor mask = Ops.cast(Ops.equal(x, y), x.dtype());
        // Ties share the gradient equally.
        Tensor share = Ops.div(keepDims(g, n, go[0], axes), Ops.reduceSum(mask, true, axes));
        return new Tensor[] {Ops.mul(mask, share)};
    }

    /** The weight gradient of a 2-D convolution as another convolution (strides and dilations swap roles). */
    static Tensor convWeightGrad(Graph g, String where, Tensor x, Tensor gy, long groups, long kh, long kw,
                                 long[] strides, long[] pads, long[] dilations) {
        long cin = x.shape().dim(1);
        long cout = gy.shape().dim(1);
        long h = x.shape().dim(2);
        long w = x.shape().dim(3);
        long ho = gy.shape().dim(2);
        long wo = gy.shape().dim(3);
        for (long d : new long[] {cin, cout, h, w, ho, wo}) {
            if (d == Shape.DYNAMIC) {
                throw new IllegalArgumentException("gradient of " + where + ": channels and spatial sizes must be static, got "
                        + x.shape() + " and " + gy.shape());
            }
        }
        long cg = cin / groups;
        long og = cout / groups;
        // x [N, G*Cg, H, W] -> [Cg, G*N, H, W]: channels become the batch, the batch becomes channels (per group).
        Tensor xt = ShapeOps.reshape(ShapeOps.transpose(ShapeOps.reshape(x, -1, groups, cg, h, w), 2, 1, 0, 3, 4), cg, -1, h, w);
        // gy [N, G*Og, Ho, Wo] -> [G*Og, N, Ho, Wo]: the kernel.
        Tensor gt = ShapeOps.reshape(ShapeOps.transpose(ShapeOps.reshape(gy, -1, groups, og, ho, wo), 1, 2, 0, 3, 4), cout, -1, ho, wo);
        long kh2 = Math.floorDiv(h + pads[0] + pads[2] - ((ho - 1) * strides[0] + 1), dilations[0]) + 1;
        long kw2 = Math.floorDiv(w + pads[1] + pads[3] - ((wo - 1) * strides[1] + 1), dilations[1]) + 1;
        Tensor full = GradOps.convRaw("Conv", xt, gt, dilations, pads, strides, groups, null,
                Shape.of(cg, cout, kh2, kw2));
        Tensor dw = ShapeOps.transpose(full, 1, 0, 2, 3);
        if (kh2 != kh || kw2 != kw) {
            dw = ShapeOps.slice(dw, new long[] {2, 3}, new long[] {0, 0}, new long[] {kh, kw});
        }
        return dw;
    }

    private static Tensor[] conv(Graph g, Node n, Tensor[] go) {
        Tensor x = in(n, 0);
        Tensor w = in(n, 1);
        long[] s = n.attrLongs("strides");
        long[] p = n.attrLongs("pads");
        long[] d = n.attrLongs("dilations");
        long groups = n.attrLong("group", 1);
        long kh = w.shape().dim(2);
        long kw = w.shape().dim(3);
        long[] op = new long[2];
        for (int i = 0; i < 2; i++) {
            long in = x.shape().dim(2 + i);
            long o = go[0].shape().dim(2 + i);
            long k = i == 0 ? kh : kw;
            if (in == Shape.DYNAMIC || o == Shape.DYNAMIC) {
                throw new IllegalArgumentException("gradient of Conv '" + n.name() + "': spatial sizes must be static, got "
                        + x.shape());
            }
            op[i] = in - (s[i] * (o - 1) + (k - 1) * d[i] + 1 - p[i] - p[i + 2]);
        }
        Tensor dx = GradOps.convRaw("ConvTranspose", go[0], w, s, p, d, groups, op, x.shape());
        Tensor dw = convWeightGrad(g, "Conv '" + n.name() + "'", x, go[0], groups, kh, kw, s, p, d);
        Tensor db = in(n, 2) == null ? null : Ops.reduceSum(go[0], false, 0, 2, 3);
        return new Tensor[] {dx, dw, db};
    }

    private static Tensor[] convTranspose(Graph g, Node n, Tensor[] go) {
        Tensor x = in(n, 0);
        Tensor w = in(n, 1);
        long[] s = n.attrLongs("strides");
        long[] p = n.attrLongs("pads");
        long[] d = n.attrLongs("dilations");
        long groups = n.attrLong("group", 1);
        // The adjoint of a transposed convolution is the convolution with the same geometry.
        Tensor dx = GradOps.convRaw("Conv", go[0], w, s, p, d, groups, null, x.shape());
        Tensor dw = convWeightGrad(g, "ConvTranspose '" + n.name() + "'", go[0], x, groups, w.shape().dim(2),
                w.shape().dim(3), s, p, d);
        Tensor db = in(n, 2) == null ? null : Ops.reduceSum(go[0], false, 0, 2, 3);
        return new Tensor[] {dx, dw, db};
    }

    private static Tensor[] averagePool(Graph g, Node n, Tensor[] go) {
        Tensor x = in(n, 0);
        long[] k = n.attrLongs("kernel_shape");
        long[] s = n.attrLongs("strides");
        long[] p = n.attrLongs("pads");
        boolean includePad = n.attrLong("count_include_pad", 0) != 0;
        long c = x.shape().dim(1);
        long h = x.shape().dim(2);
        long w = x.shape().dim(3);
        long ho = go[0].shape().dim(2);
        long wo = go[0].shape().dim(3);
        if (c == Shape.DYNAMIC || h == Shape.DYNAMIC || w == Shape.DYNAMIC) {
            throw new IllegalArgumentException("gradient of AveragePool '" + n.name()
                    + "': channels and spatial sizes must be static, got " + x.shape());
        }
        // 1/divisor per output position, computed here: it only depends on the geometry.
        double[] inv = new double[(int) (ho * wo)];
        for (int i = 0; i < ho; i++) {
            for (int j = 0; j < wo; j++) {
                long rows = includePad ? k[0] : overlap(i * s[0] - p[0], k[0], h);
                long cols = includePad ? k[1] : overlap(j * s[1] - p[1], k[1], w);
                inv[(int) (i * wo + j)] = 1.0 / (rows * cols);
            }
        }
        Tensor scaled = Ops.mul(go[0], g.constant("avgpool_divisor", HostTensor.of(x.dtype(), inv, ho, wo)));
        double[] ones = new double[(int) (c * k[0] * k[1])];
        Arrays.fill(ones, 1.0);
        Tensor kernel = g.constant("avgpool_ones", HostTensor.of(x.dtype(), ones, c, 1, k[0], k[1]));
        long[] op = {h - (s[0] * (ho - 1) + k[0] - p[0] - p[2]), w - (s[1] * (wo - 1) + k[1] - p[1] - p[3])};
        return new Tensor[] {GradOps.convRaw("ConvTranspose", scaled, kernel, s, p, new long[] {1, 1}, c, op, x.shape())};
    }

    private static long overlap(long start, long k, long size) {
        return Math.max(0, Math.min(start + k, size) - Math.max(start, 0));
    }

    private static Tensor[] maxPool(Graph g, Node n, Tensor[] go) {
        if (go[0] == null) {
            return new Tensor[] {null};
        }
        Tensor x = in(n, 0);
        // Indices are flat positions in the whole input: scatter-add into a flat zero buffer.
        Tensor flat = ShapeOps.reshape(GradOps.zerosLike(x, x.dtype()), -1);
        Tensor scattered = GradOps.scatterElements(flat, ShapeOps.reshape(out(n, 1), -1), ShapeOps.reshape(go[0], -1), 0, "add");
        return new Tensor[] {reshapeTo(g, scattered, x)};
    }

    private static Tensor[] resize(Graph g, Node n, Tensor[] go) {
        Tensor x = in(n, 0);
        long h = x.shape().dim(2);
        long w = x.shape().dim(3);
        if (h == Shape.DYNAMIC || w == Shape.DYNAMIC) {
            throw new IllegalArgumentException("gradient of Resize '" + n.name() + "': spatial sizes must be static, got "
                    + x.shape());
        }
        // Each input pixel was copied to a 2x2 block: sum the block.
        Tensor blocks = ShapeOps.reshape(go[0], 0, 0, h, 2, w, 2);
        return new Tensor[] {Ops.reduceSum(blocks, false, 3, 5), null, null};
    }

    /** The op types with an entry (tests check that each one has a gradient check). */
    static java.util.Set<String> opTypes() {
        return java.util.Collections.unmodifiableSet(RULES.keySet());
    }
}
