package org.hourglass.graph;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Rebuilds part of an existing ONNX model with the builder's ops, so that the engine's autodiff can differentiate
 * it (ONNX Runtime only runs graphs). The part is what the requested outputs need, starting from tensors the caller
 * binds to its own tensors: typically the layers after an intermediate tensor of a pretrained network.
 *
 * <ul>
 *   <li>Initializers and {@code Constant} nodes become constants of the graph, not parameters: nothing is
 *       trained.</li>
 *   <li>Shape arithmetic ({@code Shape}, {@code Gather}, {@code Unsqueeze}, {@code Concat}, {@code Squeeze},
 *       {@code Cast} on integer shape values) is evaluated while importing. A dynamic dimension is tracked as a
 *       symbol; the bound tensors' dynamic dimensions at the same axis are taken to be the same size (a batch
 *       layout such as [batch, sequence, ...]). A {@code Reshape} target that holds a symbol becomes 0 (copy the
 *       input's dimension) where the input has that symbol at the same position; other run-time targets are
 *       refused.</li>
 *   <li>Imported ops: {@value #OPS}. Any other op type is refused with the node's name and op type.</li>
 * </ul>
 */
public final class OnnxImport {

    static final String OPS = "Add, Sub, Mul, Div, Pow (constant exponent), Sqrt, Exp, Log, Neg, Abs, Erf, Tanh, "
            + "Sigmoid, Relu, Softmax (last axis), MatMul, Gemm, Transpose, Reshape, Flatten, Unsqueeze, Squeeze, "
            + "Concat, Gather, ReduceMean, ReduceSum, Cast, Identity, Constant, Shape";

    /** A dynamic dimension; equal symbols are equal sizes. */
    private record Sym(int axis) {
        @Override
        public String toString() {
            return "?" + axis;
        }
    }

    /**
     * A value known while importing: a float array, or integers that may hold {@link Sym}s (shape arithmetic).
     */
    private record Const(DType dtype, long[] shape, float[] floats, Object[] ints) {
        long size() {
            return floats != null ? floats.length : ints.length;
        }

        boolean symbolic() {
            return ints != null && Arrays.stream(ints).anyMatch(v -> v instanceof Sym);
        }

        long intAt(int i, String what) {
            if (!(ints[i] instanceof Long l)) {
                throw new IllegalArgumentException(what + " is known only at run time (" + ints[i] + ")");
            }
            return l;
        }
    }

    /** An imported value: a graph tensor with its symbolic shape, or a constant. */
    private record Value(Tensor tensor, Object[] dims, Const constant) {
    }

    private final Graph g;
    private final int opset;
    private final Map<String, Value> values = new HashMap<>();
    private final Map<String, TensorProto> initializers = new HashMap<>();

    private OnnxImport(Graph g, ModelProto model) {
        this.g = g;
        this.opset = model.getOpsetImportList().stream()
                .filter(o -> o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx"))
                .mapToInt(o -> (int) o.getVersion()).findFirst().orElse(Graph.OPSET);
    }

    /**
     * Imports the nodes of {@code model} that {@code outputs} need, starting from {@code bindings} (tensor names
     * of the model, such as an intermediate tensor or a graph input, bound to tensors of {@code g}).
     *
     * @return the graph's tensor for each name of {@code outputs}, in order
     * @throws IllegalArgumentException naming the node and op type of a node that cannot be imported, or a graph
     *                                  input the outputs need that is not bound
     */
    public static Map<String, Tensor> subgraph(Graph g, ModelProto model, Map<String, Tensor> bindings,
                                               List<String> outputs) {
        Objects.requireNonNull(g, "graph");
        OnnxImport im = new OnnxImport(g, model);
        return im.run(model.getGraph(), bindings, outputs);
    }

    private Map<String, Tensor> run(GraphProto graph, Map<String, Tensor> bindings, List<String> outputs) {
        graph.getInitializerList().forEach(t -> initializers.put(t.getName(), t));
        for (Map.Entry<String, Tensor> b : bindings.entrySet()) {
            Tensor t = b.getValue();
            if (t.graph() != g) {
                throw new IllegalArgumentException("binding '" + b.getKey() + "' is a tensor of another graph");
            }
            Object[] dims = new Object[t.rank()];
            for (int i = 0; i < dims.length; i++) {
                long d = t.shape().dim(i);
                dims[i] = d == Shape.DYNAMIC ? new Sym(i) : (Object) d;
            }
            values.put(b.getKey(), new Value(t, dims, null));
        }
        Map<String, NodeProto> producer = new HashMap<>();
        for (NodeProto n : graph.getNodeList()) {
            n.getOutputList().forEach(o -> producer.put(o, n));
        }
        Set<String> graphInputs = new HashSet<>();
        graph.getInputList().forEach(v -> graphInputs.add(v.getName()));
        // The nodes the outputs need, stopping at bound tensors and initializers.
        Set<NodeProto> needed = new HashSet<>();
        Deque<String> work = new ArrayDeque<>(outputs);
        Set<String> seen = new HashSet<>();
        while (!work.isEmpty()) {
            String name = work.pop();
            if (name.isEmpty() || !seen.add(name) || values.containsKey(name) || initializers.containsKey(name)) {
                continue;
            }
            NodeProto n = producer.get(name);
            if (n == null) {
                throw new IllegalArgumentException(graphInputs.contains(name)
                        ? "the outputs need the model's input '" + name + "'; bind it to a tensor"
                        : "the model computes no tensor '" + name + "'");
            }
            if (needed.add(n)) {
                work.addAll(n.getInputList());
            }
        }
        // ONNX graphs list nodes in topological order.
        for (NodeProto n : graph.getNodeList()) {
            if (needed.contains(n)) {
                try {
                    importNode(n);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("importing node '" + n.getName() + "' (op " + n.getOpType()
                            + "): " + e.getMessage(), e);
                }
            }
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (String o : outputs) {
            out.put(o, tensor(o));
        }
        return out;
    }

    private void importNode(NodeProto n) {
        String op = n.getOpType();
        if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
            throw new IllegalArgumentException("op domain '" + n.getDomain() + "' is not imported; ops imported: "
                    + OPS);
        }
        switch (op) {
            case "Constant" -> put(n, 0, new Value(null, null, constantAttribute(n)));
            case "Identity" -> put(n, 0, value(n.getInput(0)));
            case "Shape" -> {
                Value v = value(n.getInput(0));
                Object[] dims = v.constant() != null ? boxed(v.constant().shape()) : v.dims().clone();
                put(n, 0, new Value(null, null, new Const(DType.INT64, new long[] {dims.length}, null, dims)));
            }
            case "Add", "Sub", "Mul", "Div" -> binary(n, op);
            case "Pow" -> {
                Const e = constant(n.getInput(1), "the exponent");
                if (e.size() != 1 || e.floats() == null) {
                    throw new IllegalArgumentException("only a constant scalar float exponent is imported");
                }
                Value x = value(n.getInput(0));
                put(n, 0, tensorValue(Ops.pow(tensor(x, n.getInput(0)), e.floats()[0]), dims(x)));
            }
            case "Sqrt", "Exp", "Log", "Neg", "Abs", "Erf", "Tanh", "Sigmoid", "Relu" -> {
                Value x = value(n.getInput(0));
                Tensor t = tensor(x, n.getInput(0));
                Tensor y = switch (op) {
                    case "Sqrt" -> Ops.sqrt(t);
                    case "Exp" -> Ops.exp(t);
                    case "Log" -> Ops.log(t);
                    case "Neg" -> Ops.neg(t);
                    case "Abs" -> Ops.abs(t);
                    case "Erf" -> Ops.erf(t);
                    case "Tanh" -> Ops.tanh(t);
                    case "Sigmoid" -> Ops.sigmoid(t);
                    default -> Ops.relu(t);
                };
                put(n, 0, tensorValue(y, dims(x)));
            }
            case "Softmax" -> {
                Value x = value(n.getInput(0));
                int rank = dims(x).length;
                long axis = intAttr(n, "axis", opset < 13 ? 1 : -1);
                long a = axis < 0 ? axis + rank : axis;
                if (a != rank - 1) {
                    throw new IllegalArgumentException("only Softmax over the last axis is imported, axis " + axis
                            + " of rank " + rank);
                }
                put(n, 0, tensorValue(Ops.softmax(tensor(x, n.getInput(0)), (int) a), dims(x)));
            }
            case "MatMul" -> {
                Value a = value(n.getInput(0));
                Value b = value(n.getInput(1));
                Object[] ba = Arrays.copyOf(dims(a), dims(a).length - 2);
                Object[] bb = Arrays.copyOf(dims(b), dims(b).length - 2);
                Object[] batch = broadcast(ba, bb);
                Object[] out = Arrays.copyOf(batch, batch.length + 2);
                out[batch.length] = dims(a)[dims(a).length - 2];
                out[batch.length + 1] = dims(b)[dims(b).length - 1];
                put(n, 0, tensorValue(Ops.matmul(tensor(a, n.getInput(0)), tensor(b, n.getInput(1))), out));
            }
            case "Gemm" -> {
                Value a = value(n.getInput(0));
                Value b = value(n.getInput(1));
                boolean ta = intAttr(n, "transA", 0) != 0;
                boolean tb = intAttr(n, "transB", 0) != 0;
                Tensor c = n.getInputCount() > 2 && !n.getInput(2).isEmpty() ? tensor(n.getInput(2)) : null;
                Tensor y = Ops.gemm(tensor(a, n.getInput(0)), tensor(b, n.getInput(1)), c,
                        floatAttr(n, "alpha", 1), floatAttr(n, "beta", 1), ta, tb);
                put(n, 0, tensorValue(y, new Object[] {dims(a)[ta ? 1 : 0], dims(b)[tb ? 0 : 1]}));
            }
            case "Transpose" -> {
                Value x = value(n.getInput(0));
                int rank = dims(x).length;
                long[] p = intsAttr(n, "perm");
                int[] perm = new int[rank];
                for (int i = 0; i < rank; i++) {
                    perm[i] = p == null ? rank - 1 - i : (int) p[i];
                }
                Object[] dims = new Object[rank];
                for (int i = 0; i < rank; i++) {
                    dims[i] = dims(x)[perm[i]];
                }
                put(n, 0, tensorValue(ShapeOps.transpose(tensor(x, n.getInput(0)), perm), dims));
            }
            case "Reshape" -> reshape(n);
            case "Flatten" -> {
                Value x = value(n.getInput(0));
                int rank = dims(x).length;
                long axis = intAttr(n, "axis", 1);
                int a = (int) (axis < 0 ? axis + rank : axis);
                Tensor y = ShapeOps.flatten(tensor(x, n.getInput(0)), a);
                put(n, 0, tensorValue(y, new Object[] {product(dims(x), 0, a), product(dims(x), a, rank)}));
            }
            case "Unsqueeze" -> unsqueeze(n);
            case "Squeeze" -> squeeze(n);
            case "Concat" -> concat(n);
            case "Gather" -> gather(n);
            case "ReduceMean", "ReduceSum" -> reduce(n, op);
            case "Cast" -> {
                DType to = dtype((int) intAttr(n, "to", 0));
                Value x = value(n.getInput(0));
                if (x.constant() != null && x.constant().ints() != null && to == DType.INT64) {
                    put(n, 0, x);
                } else {
                    put(n, 0, tensorValue(Ops.cast(tensor(x, n.getInput(0)), to), dims(x)));
                }
            }
            default -> throw new IllegalArgumentException("op type '" + op + "' cannot be imported; ops imported: "
                    + OPS);
        }
    }

    // ------------------------------------------------------------------------------------------------ ops

    private void binary(NodeProto n, String op) {
        Value a = value(n.getInput(0));
        Value b = value(n.getInput(1));
        if (a.constant() != null && b.constant() != null && a.constant().ints() != null
                && b.constant().ints() != null) {
            put(n, 0, new Value(null, null, foldInts(op, a.constant(), b.constant())));
            return;
        }
        Tensor ta = tensor(a, n.getInput(0));
        Tensor tb = tensor(b, n.getInput(1));
        Tensor y = switch (op) {
            case "Add" -> Ops.add(ta, tb);
            case "Sub" -> Ops.sub(ta, tb);
            case "Mul" -> Ops.mul(ta, tb);
            default -> Ops.div(ta, tb);
        };
        put(n, 0, tensorValue(y, broadcast(dims(a), dims(b))));
    }

    /** Integer arithmetic on known shape values (elementwise, same size or a scalar). */
    private static Const foldInts(String op, Const a, Const b) {
        int size = (int) Math.max(a.size(), b.size());
        if (a.size() != size && a.size() != 1 || b.size() != size && b.size() != 1) {
            throw new IllegalArgumentException("integer " + op + " of " + a.size() + " and " + b.size()
                    + " values is not imported");
        }
        Object[] out = new Object[size];
        for (int i = 0; i < size; i++) {
            long x = a.intAt(a.size() == 1 ? 0 : i, "a shape value");
            long y = b.intAt(b.size() == 1 ? 0 : i, "a shape value");
            out[i] = switch (op) {
                case "Add" -> x + y;
                case "Sub" -> x - y;
                case "Mul" -> x * y;
                default -> x / y;
            };
        }
        return new Const(DType.INT64, a.size() >= b.size() ? a.shape() : b.shape(), null, out);
    }

    private void reshape(NodeProto n) {
        Value x = value(n.getInput(0));
        Const target = constant(n.getInput(1), "the target shape");
        Object[] in = dims(x);
        long[] shape = new long[(int) target.size()];
        Object[] out = new Object[shape.length];
        for (int i = 0; i < shape.length; i++) {
            Object v = target.ints()[i];
            if (v instanceof Sym s) {
                if (i >= in.length || !s.equals(in[i])) {
                    throw new IllegalArgumentException("target " + Arrays.toString(target.ints()) + " holds a size "
                            + "known only at run time at position " + i + " that is not the input's "
                            + Arrays.toString(in) + " at the same position");
                }
                shape[i] = 0;
                out[i] = s;
            } else {
                long l = (Long) v;
                shape[i] = l;
                out[i] = l == 0 ? in[i] : l == -1 ? new Sym(-1000 - i) : (Object) l;
            }
        }
        put(n, 0, tensorValue(ShapeOps.reshape(tensor(x, n.getInput(0)), shape), out));
    }

    private void unsqueeze(NodeProto n) {
        Value x = value(n.getInput(0));
        long[] axes = opset < 13 ? intsAttr(n, "axes") : longs(constant(n.getInput(1), "the axes"));
        if (axes == null) {
            throw new IllegalArgumentException("no axes");
        }
        Object[] in = dims(x);
        int rank = in.length + axes.length;
        Set<Long> at = new HashSet<>();
        for (long a : axes) {
            at.add(a < 0 ? a + rank : a);
        }
        Object[] out = new Object[rank];
        for (int i = 0, j = 0; i < rank; i++) {
            out[i] = at.contains((long) i) ? (Object) 1L : in[j++];
        }
        if (x.constant() != null) {
            Const c = x.constant();
            put(n, 0, new Value(null, null, new Const(c.dtype(), unboxed(out), c.floats(), c.ints())));
            return;
        }
        long[] norm = at.stream().mapToLong(Long::longValue).sorted().toArray();
        put(n, 0, tensorValue(ShapeOps.unsqueeze(x.tensor(), norm), out));
    }

    private void squeeze(NodeProto n) {
        Value x = value(n.getInput(0));
        long[] axes = opset < 13 ? intsAttr(n, "axes")
                : n.getInputCount() > 1 ? longs(constant(n.getInput(1), "the axes")) : null;
        Object[] in = dims(x);
        Set<Long> drop = new HashSet<>();
        for (int i = 0; i < in.length; i++) {
            if (axes == null ? Long.valueOf(1).equals(in[i]) : contains(axes, i, in.length)) {
                drop.add((long) i);
            }
        }
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < in.length; i++) {
            if (!drop.contains((long) i)) {
                out.add(in[i]);
            }
        }
        if (x.constant() != null) {
            Const c = x.constant();
            put(n, 0, new Value(null, null, new Const(c.dtype(), unboxed(out.toArray()), c.floats(), c.ints())));
            return;
        }
        Tensor t = ShapeOps.reshape(x.tensor(), reshapeTarget(in, out.toArray()));
        put(n, 0, tensorValue(t, out.toArray()));
    }

    private void concat(NodeProto n) {
        List<Value> in = new ArrayList<>();
        n.getInputList().forEach(i -> in.add(value(i)));
        long axis = intAttr(n, "axis", 0);
        boolean folded = in.stream().allMatch(v -> v.constant() != null && v.constant().ints() != null
                && v.constant().shape().length == 1);
        if (folded) {
            List<Object> all = new ArrayList<>();
            in.forEach(v -> all.addAll(Arrays.asList(v.constant().ints())));
            put(n, 0, new Value(null, null, new Const(DType.INT64, new long[] {all.size()}, null, all.toArray())));
            return;
        }
        Object[] first = dims(in.get(0));
        int a = (int) (axis < 0 ? axis + first.length : axis);
        List<Tensor> ts = new ArrayList<>();
        Object total = 0L;
        for (int i = 0; i < in.size(); i++) {
            ts.add(tensor(in.get(i), n.getInput(i)));
            Object d = dims(in.get(i))[a];
            total = total instanceof Long t && d instanceof Long l ? (Object) (t + l) : new Sym(-2000 - a);
        }
        Object[] out = first.clone();
        out[a] = total;
        put(n, 0, tensorValue(ShapeOps.concat(a, ts), out));
    }

    private void gather(NodeProto n) {
        Value data = value(n.getInput(0));
        Value idx = value(n.getInput(1));
        long axis = intAttr(n, "axis", 0);
        if (data.constant() != null && data.constant().ints() != null && idx.constant() != null
                && data.constant().shape().length == 1 && axis == 0) {
            Const d = data.constant();
            Const i = idx.constant();
            Object[] out = new Object[(int) i.size()];
            for (int k = 0; k < out.length; k++) {
                long j = i.intAt(k, "an index");
                out[k] = d.ints()[(int) (j < 0 ? j + d.size() : j)];
            }
            put(n, 0, new Value(null, null, new Const(DType.INT64, i.shape(), null, out)));
            return;
        }
        Object[] dd = dims(data);
        Object[] qd = dims(idx);
        int a = (int) (axis < 0 ? axis + dd.length : axis);
        Object[] out = new Object[dd.length - 1 + qd.length];
        System.arraycopy(dd, 0, out, 0, a);
        System.arraycopy(qd, 0, out, a, qd.length);
        System.arraycopy(dd, a + 1, out, a + qd.length, dd.length - a - 1);
        put(n, 0, tensorValue(ShapeOps.gather(tensor(data, n.getInput(0)), tensor(idx, n.getInput(1)), a), out));
    }

    private void reduce(NodeProto n, String op) {
        Value x = value(n.getInput(0));
        boolean axesAsInput = op.equals("ReduceSum") ? opset >= 13 : opset >= 18;
        long[] axes = axesAsInput ? (n.getInputCount() > 1 && !n.getInput(1).isEmpty()
                ? longs(constant(n.getInput(1), "the axes")) : null) : intsAttr(n, "axes");
        boolean keep = intAttr(n, "keepdims", 1) != 0;
        Object[] in = dims(x);
        long[] ax = axes == null ? new long[0] : axes.clone();
        List<Object> out = new ArrayList<>();
        for (int i = 0; i < in.length; i++) {
            boolean reduced = ax.length == 0 || contains(ax, i, in.length);
            if (!reduced) {
                out.add(in[i]);
            } else if (keep) {
                out.add(1L);
            }
        }
        Tensor t = tensor(x, n.getInput(0));
        Tensor y = op.equals("ReduceMean") ? Ops.reduceMean(t, keep, ax) : Ops.reduceSum(t, keep, ax);
        put(n, 0, tensorValue(y, out.toArray()));
    }

    // --------------------------------------------------------------------------------------------- values

    private void put(NodeProto n, int output, Value v) {
        values.put(n.getOutput(output), v);
    }

    private static Value tensorValue(Tensor t, Object[] dims) {
        if (dims.length != t.rank()) {
            throw new IllegalStateException("rank of " + t + " is not that of " + Arrays.toString(dims));
        }
        Object[] d = dims.clone();
        for (int i = 0; i < d.length; i++) {
            // A size the builder knows statically is more precise than a symbol.
            if (t.shape().dim(i) != Shape.DYNAMIC) {
                d[i] = t.shape().dim(i);
            }
        }
        return new Value(t, d, null);
    }

    private Value value(String name) {
        Value v = values.get(name);
        if (v != null) {
            return v;
        }
        TensorProto init = initializers.get(name);
        if (init == null) {
            throw new IllegalArgumentException("input '" + name + "' is neither computed, bound nor an initializer");
        }
        v = new Value(null, null, read(init));
        values.put(name, v);
        return v;
    }

    private Tensor tensor(String name) {
        return tensor(value(name), name);
    }

    /** The graph tensor of a value; a constant becomes an initializer of the graph (once). */
    private Tensor tensor(Value v, String name) {
        if (v.tensor() != null) {
            return v.tensor();
        }
        Const c = v.constant();
        Tensor t;
        if (c.floats() != null) {
            t = c.shape().length == 0 ? g.scalar(c.floats()[0], DType.FLOAT)
                    : g.constant(name, HostTensor.ofFloats(c.floats(), c.shape()));
        } else {
            long[] l = new long[c.ints().length];
            for (int i = 0; i < l.length; i++) {
                l[i] = c.intAt(i, "tensor '" + name + "'");
            }
            t = g.constant(name, HostTensor.ofLongs(l, c.shape()));
        }
        Value tv = new Value(t, boxed(c.shape()), null);
        values.put(name, tv);
        return t;
    }

    private Const constant(String name, String what) {
        Value v = value(name);
        if (v.constant() == null) {
            throw new IllegalArgumentException(what + " ('" + name + "') must be a constant or computed from shapes");
        }
        return v.constant();
    }

    private static Object[] dims(Value v) {
        return v.dims() != null ? v.dims() : boxed(v.constant().shape());
    }

    private static long[] longs(Const c) {
        long[] out = new long[(int) c.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = c.intAt(i, "an axis");
        }
        return out;
    }

    private static Object[] broadcast(Object[] a, Object[] b) {
        int r = Math.max(a.length, b.length);
        Object[] out = new Object[r];
        for (int i = 0; i < r; i++) {
            int ia = i - (r - a.length);
            int ib = i - (r - b.length);
            Object x = ia < 0 ? (Object) 1L : a[ia];
            Object y = ib < 0 ? (Object) 1L : b[ib];
            out[i] = Long.valueOf(1).equals(x) ? y : Long.valueOf(1).equals(y) ? x : x instanceof Long ? x : y;
        }
        return out;
    }

    private static Object product(Object[] dims, int from, int to) {
        long p = 1;
        for (int i = from; i < to; i++) {
            if (!(dims[i] instanceof Long l)) {
                return new Sym(-3000 - from);
            }
            p *= l;
        }
        return p;
    }

    /** A reshape target from {@code in} to {@code out}: 0 where a symbol stays at its position. */
    private static long[] reshapeTarget(Object[] in, Object[] out) {
        long[] t = new long[out.length];
        for (int i = 0; i < out.length; i++) {
            if (out[i] instanceof Long l) {
                t[i] = l;
            } else if (i < in.length && out[i].equals(in[i])) {
                t[i] = 0;
            } else {
                t[i] = -1;
            }
        }
        return t;
    }

    private static boolean contains(long[] axes, int i, int rank) {
        for (long a : axes) {
            if ((a < 0 ? a + rank : a) == i) {
                return true;
            }
        }
        return false;
    }

    private static Object[] boxed(long[] shape) {
        Object[] o = new Object[shape.length];
        for (int i = 0; i < o.length; i++) {
            o[i] = shape[i];
        }
        return o;
    }

    private static long[] unboxed(Object[] dims) {
        long[] l = new long[dims.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = dims[i] instanceof Long v ? v : Shape.DYNAMIC;
        }
        return l;
    }

    private static DType dtype(int onnx) {
        try {
            return DType.fromOnnx(onnx);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("element type " + onnx + " is not imported", e);
        }
    }

    // ----------------------------------------------------------------------------------------- attributes

    private static AttributeProto attr(NodeProto n, String name) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a;
            }
        }
        return null;
    }

    private static long intAttr(NodeProto n, String name, long fallback) {
        AttributeProto a = attr(n, name);
        return a == null ? fallback : a.getI();
    }

    private static double floatAttr(NodeProto n, String name, double fallback) {
        AttributeProto a = attr(n, name);
        return a == null ? fallback : a.getF();
    }

    private static long[] intsAttr(NodeProto n, String name) {
        AttributeProto a = attr(n, name);
        return a == null ? null : a.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }

    private static Const constantAttribute(NodeProto n) {
        AttributeProto a = attr(n, "value");
        if (a != null) {
            return read(a.getT());
        }
        AttributeProto f = attr(n, "value_float");
        if (f != null) {
            return new Const(DType.FLOAT, new long[0], new float[] {f.getF()}, null);
        }
        AttributeProto i = attr(n, "value_int");
        if (i != null) {
            return new Const(DType.INT64, new long[0], null, new Object[] {i.getI()});
        }
        AttributeProto is = attr(n, "value_ints");
        if (is != null) {
            return new Const(DType.INT64, new long[] {is.getIntsCount()}, null, is.getIntsList().toArray());
        }
        throw new IllegalArgumentException("a Constant without value, value_float, value_int or value_ints is not "
                + "imported");
    }

    /** Reads a FLOAT, INT64 or INT32 tensor, raw or typed; external data is refused. */
    private static Const read(TensorProto t) {
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            throw new IllegalArgumentException("tensor '" + t.getName() + "' is stored outside the model");
        }
        long[] shape = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        boolean isRaw = !t.getRawData().isEmpty();
        switch (t.getDataType()) {
            case TensorProto.DataType.FLOAT_VALUE -> {
                float[] f = new float[(int) n];
                if (isRaw) {
                    raw.asFloatBuffer().get(f);
                } else {
                    for (int i = 0; i < f.length; i++) {
                        f[i] = t.getFloatData(i);
                    }
                }
                return new Const(DType.FLOAT, shape, f, null);
            }
            case TensorProto.DataType.INT64_VALUE, TensorProto.DataType.INT32_VALUE -> {
                boolean wide = t.getDataType() == TensorProto.DataType.INT64_VALUE;
                Object[] l = new Object[(int) n];
                for (int i = 0; i < l.length; i++) {
                    l[i] = isRaw ? (wide ? raw.getLong(i * 8) : (long) raw.getInt(i * 4))
                            : (wide ? t.getInt64Data(i) : (long) t.getInt32Data(i));
                }
                return new Const(DType.INT64, shape, null, l);
            }
            default -> throw new IllegalArgumentException("tensor '" + t.getName() + "' has element type "
                    + t.getDataType() + "; only FLOAT, INT64 and INT32 constants are imported");
        }
    }
}
