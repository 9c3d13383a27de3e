package org.hourglass.graph;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The registry of one ONNX graph: its nodes, tensor names and name scopes, inputs, parameters, buffers and
 * constants. Symbolic {@link Tensor}s come from inputs, parameters and constants here and from the ops in
 * {@link Ops}, {@link ShapeOps}, {@link ConvOps} and {@link Layers}, which take their graph from their tensor
 * arguments; every op appends one (or a few) ONNX nodes, checks shapes at build time ({@code ShapeRules}) and names
 * the node after the current {@link #scope scope}. Gradients come from {@link Autodiff}, models from
 * {@link TrainStep} and {@link InferenceModel}.
 *
 * <p>The whole platform pins one opset: {@value #OPSET} (ONNX IR version {@value #IR_VERSION}). At opset 17
 * {@code ReduceSum}, {@code Unsqueeze}, {@code Squeeze} and {@code Split} take axes/sizes as inputs while
 * {@code ReduceMean} and {@code ReduceMax} take {@code axes} as an attribute; {@code LayerNormalization} exists.
 *
 * <p>A graph is built by one thread; it is not thread-safe.
 */
public final class Graph {

    /** The one ONNX opset of the platform. */
    public static final int OPSET = 17;
    /** The ONNX IR version that goes with {@link #OPSET}. */
    public static final int IR_VERSION = 8;
    /** The domain of ONNX Runtime's contrib ops (opset 1), used only inside train steps. */
    static final String CONTRIB_DOMAIN = "com.microsoft";

    private final DType floatType;
    private final long seed;
    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, Tensor> byName = new HashMap<>();
    private final List<Tensor> inputs = new ArrayList<>();
    private final Map<Tensor, Noise> randomInputs = new LinkedHashMap<>();
    private final Map<Tensor, Init> params = new LinkedHashMap<>();
    private final Map<Tensor, Tensor> buffers = new LinkedHashMap<>();
    private final Map<Tensor, java.util.function.UnaryOperator<Tensor>> constraints = new LinkedHashMap<>();
    private Tensor trainingStep;
    private final Map<Tensor, HostTensor> constants = new LinkedHashMap<>();
    private final Map<String, Tensor> constantCache = new HashMap<>();
    private final Map<String, Integer> nameCounts = new HashMap<>();
    private Deque<String> scopes = new ArrayDeque<>();

    /**
     * @param floatType the element type of parameters and floating constants: FLOAT for training, DOUBLE for
     *                  precise gradient checks
     * @param seed      seeds parameter initialisation
     */
    public Graph(DType floatType, long seed) {
        if (!Objects.requireNonNull(floatType, "floatType").isFloating()) {
            throw new IllegalArgumentException("a graph's float type must be FLOAT or DOUBLE, was " + floatType);
        }
        this.floatType = floatType;
        this.seed = seed;
    }

    /** A float32 graph. */
    public static Graph create(long seed) {
        return new Graph(DType.FLOAT, seed);
    }

    public DType floatType() {
        return floatType;
    }

    public long seed() {
        return seed;
    }

    // ------------------------------------------------------------------------------------------------ naming

    /** A name scope: nodes and parameters created while it is open are prefixed with {@code name/}. */
    public final class Scope implements AutoCloseable {
        private final int depth;

        private Scope(int depth) {
            this.depth = depth;
        }

        @Override
        public void close() {
            if (scopes.size() != depth) {
                throw new IllegalStateException("name scopes must be closed in reverse order of opening");
            }
            scopes.removeLast();
        }
    }

    /** Opens a name scope; use with try-with-resources. */
    public Scope scope(String name) {
        checkName(name);
        scopes.addLast(name);
        return new Scope(scopes.size());
    }

    /** Opens a scope named {@code base}, made unique among its siblings ({@code gelu}, {@code gelu_1}, ...). */
    Scope uniqueScope(String base) {
        String full = uniqueName(base);
        String prefix = scopes.isEmpty() ? "" : String.join("/", scopes) + "/";
        scopes.addLast(full.substring(prefix.length()));
        return new Scope(scopes.size());
    }

    /** Runs {@code body} with the scope stack replaced (the backward pass names its nodes {@code grad/...}). */
    <T> T withScopes(Deque<String> replacement, java.util.function.Supplier<T> body) {
        Deque<String> saved = scopes;
        scopes = replacement;
        try {
            return body.get();
        } finally {
            scopes = saved;
        }
    }

    private static void checkName(String name) {
        if (name == null || name.isEmpty() || name.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("names must be non-empty without whitespace, was '" + name + "'");
        }
    }

    /** {@code scope/base}, made unique by a numeric suffix. */
    private String uniqueName(String base) {
        String full = scopes.isEmpty() ? base : String.join("/", scopes) + "/" + base;
        if (!byName.containsKey(full) && !nameCounts.containsKey(full)) {
            nameCounts.put(full, 0);
            return full;
        }
        int n = nameCounts.getOrDefault(full, 0);
        String candidate;
        do {
            n++;
            candidate = full + "_" + n;
        } while (byName.containsKey(candidate) || nameCounts.containsKey(candidate));
        nameCounts.put(full, n);
        nameCounts.put(candidate, 0);
        return candidate;
    }

    private String exactName(String name) {
        checkName(name);
        String full = scopes.isEmpty() ? name : String.join("/", scopes) + "/" + name;
        if (byName.containsKey(full) || nameCounts.containsKey(full)) {
            throw new IllegalArgumentException("the graph already has a tensor named '" + full + "'");
        }
        nameCounts.put(full, 0);
        return full;
    }

    private Tensor register(Tensor t) {
        byName.put(t.name(), t);
        return t;
    }

    // ----------------------------------------------------------------------------------- graph entry points

    /** A data input fed per batch, of the graph's float type. */
    public Tensor input(String name, Shape shape) {
        return input(name, floatType, shape);
    }

    /** A data input fed per batch. Names are taken as given (no scope prefix), so callers can feed them. */
    public Tensor input(String name, DType dtype, Shape shape) {
        Deque<String> saved = scopes;
        scopes = new ArrayDeque<>();
        try {
            Tensor t = register(new Tensor(this, exactName(name), dtype, shape, Tensor.Kind.INPUT, null));
            inputs.add(t);
            return t;
        } finally {
            scopes = saved;
        }
    }

    /**
     * A random input, generated in Java from the training seed each step and fed to the model. A dynamic first
     * dimension takes the batch size.
     */
    public Tensor randomInput(String name, Shape shape, Noise noise) {
        Objects.requireNonNull(noise, "noise");
        Deque<String> saved = scopes;
        scopes = new ArrayDeque<>();
        try {
            Tensor t = register(new Tensor(this, exactName(name), floatType, shape, Tensor.Kind.RANDOM, null));
            randomInputs.put(t, noise);
            return t;
        } finally {
            scopes = saved;
        }
    }

    /** A train-step input that is not data (optimizer state, step, learning rate); name taken as given. */
    Tensor stateInput(String name, DType dtype, Shape shape) {
        Deque<String> saved = scopes;
        scopes = new ArrayDeque<>();
        try {
            return register(new Tensor(this, exactName(name), dtype, shape, Tensor.Kind.STATE, null));
        } finally {
            scopes = saved;
        }
    }

    /** A trainable parameter of the graph's float type with a static shape, named within the current scope. */
    public Tensor param(String name, Shape shape, Init init) {
        if (!shape.isStatic()) {
            throw new IllegalArgumentException("parameter '" + name + "' needs a static shape, got " + shape);
        }
        Tensor t = register(new Tensor(this, exactName(name), floatType, shape, Tensor.Kind.PARAM, null));
        params.put(t, Objects.requireNonNull(init, "init"));
        return t;
    }

    /**
     * A state tensor the optimizer does not touch (EMA codebook, running threshold, usage counter): fed back from
     * step to step like a parameter, checkpointed with it, and written into inference models as an initializer with
     * its trained value. Without {@link #assign} it keeps its initial value.
     */
    public Tensor buffer(String name, Shape shape, Init init) {
        Tensor t = param(name, shape, init);
        buffers.put(t, null);
        return t;
    }

    /** Sets the value {@code buffer} takes after each training step (same shape and type). */
    public void assign(Tensor buffer, Tensor next) {
        if (!buffers.containsKey(buffer)) {
            throw new IllegalArgumentException(buffer + " is not a buffer of this graph");
        }
        if (next.graph() != this || !next.shape().equals(buffer.shape()) || next.dtype() != buffer.dtype()) {
            throw new IllegalArgumentException("buffer " + buffer + " cannot take the value " + next);
        }
        if (buffers.get(buffer) != null) {
            throw new IllegalArgumentException("buffer " + buffer + " is already assigned");
        }
        buffers.put(buffer, next);
    }

    /**
     * Applies {@code projection} to a trained parameter after every optimizer update (e.g. renormalising decoder
     * columns); the train step's {@code next/} output of the parameter is the projected value.
     */
    public void constrain(Tensor param, java.util.function.UnaryOperator<Tensor> projection) {
        if (param.kind() != Tensor.Kind.PARAM || param.graph() != this || buffers.containsKey(param)) {
            throw new IllegalArgumentException(param + " is not a trainable parameter of this graph");
        }
        if (constraints.putIfAbsent(param, Objects.requireNonNull(projection, "projection")) != null) {
            throw new IllegalArgumentException(param + " is already constrained");
        }
    }

    /**
     * The train step's 1-based step number (float scalar input {@code opt/step}), for schedules such as a KL
     * warm-up. Only for graphs that become a train step.
     */
    public Tensor trainingStep() {
        if (trainingStep == null) {
            trainingStep = stateInput(TrainStepModel.STEP, floatType, Shape.scalar());
        }
        return trainingStep;
    }

    /** True for tensors made by {@link #buffer}. */
    public boolean isBuffer(Tensor t) {
        return buffers.containsKey(t);
    }

    /** Buffers and their assigned next values (null: unchanged), in creation order. */
    Map<Tensor, Tensor> buffers() {
        return Collections.unmodifiableMap(buffers);
    }

    /** Parameter projections. */
    Map<Tensor, java.util.function.UnaryOperator<Tensor>> constraints() {
        return Collections.unmodifiableMap(constraints);
    }

    /** A constant initializer holding {@code value}. */
    public Tensor constant(String name, HostTensor value) {
        Tensor t = register(new Tensor(this, uniqueName(name), value.dtype(), Shape.of(value.shape()),
                Tensor.Kind.CONSTANT, null));
        constants.put(t, value);
        return t;
    }

    /** A scalar constant of the graph's float type (shared between uses). */
    public Tensor scalar(double value) {
        return scalar(value, floatType);
    }

    /** A scalar constant of the given type (shared between uses). */
    public Tensor scalar(double value, DType dtype) {
        return sharedConstant(dtype + ":" + Double.doubleToLongBits(value),
                "const/" + dtype.name().toLowerCase(java.util.Locale.ROOT) + "_" + format(value),
                () -> HostTensor.of(dtype, new double[] {value}));
    }

    /** A 1-D INT64 constant (shapes, axes, indices), shared between uses. */
    public Tensor longs(long... values) {
        return sharedConstant("i64:" + Arrays.toString(values), "const/i64",
                () -> HostTensor.ofLongs(values.clone(), values.length));
    }

    /** The constant cached under {@code key}, created outside any scope on first use. */
    Tensor sharedConstant(String key, String name, java.util.function.Supplier<HostTensor> value) {
        Tensor t = constantCache.get(key);
        if (t == null) {
            Deque<String> saved = scopes;
            scopes = new ArrayDeque<>();
            try {
                t = constant(name, value.get());
            } finally {
                scopes = saved;
            }
            constantCache.put(key, t);
        }
        return t;
    }

    private static String format(double v) {
        String s = v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
        return s.replace('-', 'm').replace('.', 'p');
    }

    // -------------------------------------------------------------------------------------------- inspection

    /** All nodes in creation order (a topological order). */
    public List<Node> nodes() {
        return Collections.unmodifiableList(nodes);
    }

    /** Data inputs in creation order. */
    public List<Tensor> inputs() {
        return Collections.unmodifiableList(inputs);
    }

    /** Random inputs and their distributions, in creation order. */
    public Map<Tensor, Noise> randomInputs() {
        return Collections.unmodifiableMap(randomInputs);
    }

    /** Parameters (trainable ones and {@link #buffer buffers}) in creation order. */
    public List<Tensor> params() {
        return List.copyOf(params.keySet());
    }

    /** Constant initializers. */
    Map<Tensor, HostTensor> constants() {
        return constants;
    }

    /** The tensor with this name, or null. */
    public Tensor tensor(String name) {
        return byName.get(name);
    }

    /**
     * The initial value of a parameter: its initializer, drawn from a stream that depends only on the graph
     * seed and the parameter name.
     */
    public HostTensor initialValue(Tensor param) {
        Init init = params.get(param);
        if (init == null) {
            throw new IllegalArgumentException(param + " is not a parameter of this graph");
        }
        long[] shape = param.shape().dims();
        SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + param.name().hashCode());
        double[] v = init.sample(shape, rng);
        return HostTensor.of(floatType, v, shape);
    }

    /** Initial values of all parameters, by name. */
    public Map<String, HostTensor> initialValues() {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Tensor p : params.keySet()) {
            out.put(p.name(), initialValue(p));
        }
        return out;
    }

    // ------------------------------------------------------------------------------------- node construction

    /** Appends a node; shapes and types of the outputs are given by the caller (the op method). */
    List<Tensor> node(String opType, String gradKey, String base, List<Tensor> in, Map<String, Object> attrs,
                      List<DType> outTypes, List<Shape> outShapes) {
        return node("", opType, gradKey, base, in, attrs, outTypes, outShapes);
    }

    List<Tensor> node(String domain, String opType, String gradKey, String base, List<Tensor> in,
                              Map<String, Object> attrs, List<DType> outTypes, List<Shape> outShapes) {
        for (Tensor t : in) {
            if (t != null && t.graph() != this) {
                throw new IllegalArgumentException(opType + ": tensor " + t + " belongs to another graph");
            }
        }
        String name = uniqueName(base);
        List<Tensor> outs = new ArrayList<>();
        Node node = new Node(name, domain, opType, gradKey, new ArrayList<>(in), outs, new LinkedHashMap<>(attrs),
                nodes.size());
        for (int i = 0; i < outTypes.size(); i++) {
            String outName = outTypes.size() == 1 ? name : name + ":" + i;
            outs.add(register(new Tensor(this, outName, outTypes.get(i), outShapes.get(i), Tensor.Kind.NODE, node)));
        }
        nodes.add(node);
        return outs;
    }

    Tensor node1(String opType, String base, List<Tensor> in, Map<String, Object> attrs, DType type, Shape shape) {
        return node(opType, opType, base, in, attrs, List.of(type), List.of(shape)).get(0);
    }

    /** Appends an optional output to {@code n} (named {@code <node>:<i>}), registered like the node's own. */
    Tensor extraOutput(Node n, DType dtype, Shape shape) {
        Tensor t = register(new Tensor(this, n.name() + ":" + n.outputs().size(), dtype, shape, Tensor.Kind.NODE, n));
        n.addOutput(t);
        return t;
    }

    /** {@code scope/op} for error messages: where in the model a shape check failed. */
    String hint(String op) {
        String lower = Character.toLowerCase(op.charAt(0)) + op.substring(1);
        return scopes.isEmpty() ? lower : String.join("/", scopes) + "/" + lower;
    }
}
