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
 * The builder context of one ONNX graph. Symbolic {@link Tensor}s come from inputs, parameters, constants and
 * op methods; every op method appends one (or a few) ONNX nodes, checks shapes at build time and names the
 * node after the current {@link #scope scope}. Gradients come from {@link #gradients}, models from
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
    private boolean fusedProducts;

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
    private Scope uniqueScope(String base) {
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
    private Tensor sharedConstant(String key, String name, java.util.function.Supplier<HostTensor> value) {
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

    private List<Tensor> node(String domain, String opType, String gradKey, String base, List<Tensor> in,
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

    private static Map<String, Object> attrs(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] != null) {
                m.put((String) kv[i], kv[i + 1]);
            }
        }
        return m;
    }

    private static String lower(String opType) {
        return Character.toLowerCase(opType.charAt(0)) + opType.substring(1);
    }

    private void requireFloating(String op, Tensor... ts) {
        for (Tensor t : ts) {
            if (!t.dtype().isFloating()) {
                throw new IllegalArgumentException(op + ": " + t + " must be FLOAT or DOUBLE");
            }
        }
    }

    private void sameType(String op, Tensor a, Tensor b) {
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException(op + ": element types differ: " + a + " vs " + b);
        }
    }

    /** Numpy broadcasting of two static shapes; DYNAMIC dimensions are assumed compatible. */
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

    // ----------------------------------------------------------------------------------------- elementwise

    private Tensor binary(String op, Tensor a, Tensor b) {
        sameType(op, a, b);
        Shape s = broadcast(op + " '" + scopedHint(op) + "'", a.shape(), b.shape());
        return node1(op, lower(op), List.of(a, b), Map.of(), a.dtype(), s);
    }

    private String scopedHint(String op) {
        return scopes.isEmpty() ? lower(op) : String.join("/", scopes) + "/" + lower(op);
    }

    private Tensor unary(String op, Tensor x, Map<String, Object> attrs) {
        requireFloating(op, x);
        return node1(op, lower(op), List.of(x), attrs, x.dtype(), x.shape());
    }

    public Tensor add(Tensor a, Tensor b) {
        return binary("Add", a, b);
    }

    public Tensor add(Tensor a, double b) {
        return add(a, scalar(b, a.dtype()));
    }

    public Tensor sub(Tensor a, Tensor b) {
        return binary("Sub", a, b);
    }

    public Tensor sub(Tensor a, double b) {
        return sub(a, scalar(b, a.dtype()));
    }

    /** {@code a - b} with a scalar on the left. */
    public Tensor sub(double a, Tensor b) {
        return sub(scalar(a, b.dtype()), b);
    }

    public Tensor mul(Tensor a, Tensor b) {
        return binary("Mul", a, b);
    }

    public Tensor mul(Tensor a, double b) {
        return mul(a, scalar(b, a.dtype()));
    }

    public Tensor div(Tensor a, Tensor b) {
        return binary("Div", a, b);
    }

    public Tensor div(Tensor a, double b) {
        return div(a, scalar(b, a.dtype()));
    }

    public Tensor neg(Tensor x) {
        return unary("Neg", x, Map.of());
    }

    public Tensor abs(Tensor x) {
        return unary("Abs", x, Map.of());
    }

    public Tensor sqrt(Tensor x) {
        return unary("Sqrt", x, Map.of());
    }

    /** {@code x ^ exponent} with a constant exponent. */
    public Tensor pow(Tensor x, double exponent) {
        requireFloating("Pow", x);
        return node1("Pow", "pow", List.of(x, scalar(exponent, x.dtype())), Map.of(), x.dtype(), x.shape());
    }

    /** Elementwise power with a tensor exponent (used by optimizers for {@code beta^step}; no gradient to the exponent). */
    Tensor powTensor(Tensor base, Tensor exponent) {
        sameType("Pow", base, exponent);
        return node1("Pow", "pow", List.of(base, exponent), Map.of(), base.dtype(),
                broadcast("Pow", base.shape(), exponent.shape()));
    }

    public Tensor exp(Tensor x) {
        return unary("Exp", x, Map.of());
    }

    public Tensor log(Tensor x) {
        return unary("Log", x, Map.of());
    }

    public Tensor relu(Tensor x) {
        return unary("Relu", x, Map.of());
    }

    public Tensor leakyRelu(Tensor x, double alpha) {
        if (alpha <= 0) {
            throw new IllegalArgumentException("LeakyRelu: alpha must be > 0, was " + alpha);
        }
        return unary("LeakyRelu", x, attrs("alpha", alpha));
    }

    public Tensor sigmoid(Tensor x) {
        return unary("Sigmoid", x, Map.of());
    }

    public Tensor tanh(Tensor x) {
        return unary("Tanh", x, Map.of());
    }

    public Tensor softplus(Tensor x) {
        return unary("Softplus", x, Map.of());
    }

    public Tensor erf(Tensor x) {
        return unary("Erf", x, Map.of());
    }

    Tensor sign(Tensor x) {
        return unary("Sign", x, Map.of());
    }

    /** GELU in its exact erf form: {@code 0.5 x (1 + erf(x / sqrt 2))}. */
    public Tensor gelu(Tensor x) {
        try (Scope s = uniqueScope("gelu")) {
            Tensor e = erf(mul(x, 1 / Math.sqrt(2)));
            return mul(mul(x, 0.5), add(e, 1.0));
        }
    }

    /** {@code x} unchanged, but no gradient flows back through it. */
    public Tensor stopGradient(Tensor x) {
        return node("Identity", "StopGradient", "stopGradient", List.of(x), Map.of(), List.of(x.dtype()),
                List.of(x.shape())).get(0);
    }

    public Tensor identity(Tensor x) {
        return node1("Identity", "identity", List.of(x), Map.of(), x.dtype(), x.shape());
    }

    /** Converts the element type; gradients flow back between floating types. */
    public Tensor cast(Tensor x, DType to) {
        return node1("Cast", "cast", List.of(x), attrs("to", (long) to.onnxCode()), to, x.shape());
    }

    public Tensor clip(Tensor x, double min, double max) {
        requireFloating("Clip", x);
        if (min > max) {
            throw new IllegalArgumentException("Clip: min " + min + " > max " + max);
        }
        return node1("Clip", "clip", List.of(x, scalar(min, x.dtype()), scalar(max, x.dtype())), Map.of(), x.dtype(),
                x.shape());
    }

    /** Elementwise {@code cond ? a : b} with broadcasting. */
    public Tensor where(Tensor cond, Tensor a, Tensor b) {
        if (cond.dtype() != DType.BOOL) {
            throw new IllegalArgumentException("Where: condition " + cond + " must be BOOL");
        }
        sameType("Where", a, b);
        Shape s = broadcast("Where", broadcast("Where", cond.shape(), a.shape()), b.shape());
        return node1("Where", "where", List.of(cond, a, b), Map.of(), a.dtype(), s);
    }

    private Tensor compare(String op, Tensor a, Tensor b) {
        sameType(op, a, b);
        return node1(op, lower(op), List.of(a, b), Map.of(), DType.BOOL, broadcast(op, a.shape(), b.shape()));
    }

    public Tensor greater(Tensor a, Tensor b) {
        return compare("Greater", a, b);
    }

    public Tensor greater(Tensor a, double b) {
        return greater(a, scalar(b, a.dtype()));
    }

    public Tensor less(Tensor a, Tensor b) {
        return compare("Less", a, b);
    }

    public Tensor less(Tensor a, double b) {
        return less(a, scalar(b, a.dtype()));
    }

    public Tensor equal(Tensor a, Tensor b) {
        return compare("Equal", a, b);
    }

    public Tensor greaterOrEqual(Tensor a, Tensor b) {
        return compare("GreaterOrEqual", a, b);
    }

    public Tensor lessOrEqual(Tensor a, Tensor b) {
        return compare("LessOrEqual", a, b);
    }

    // ---------------------------------------------------------------------------------------- linear algebra

    /** Matrix product with numpy semantics for rank >= 2 (leading dimensions broadcast). */
    public Tensor matmul(Tensor a, Tensor b) {
        requireFloating("MatMul", a, b);
        sameType("MatMul", a, b);
        if (a.rank() < 2 || b.rank() < 2) {
            throw new IllegalArgumentException("MatMul '" + scopedHint("MatMul") + "': both operands need rank >= 2, got "
                    + a.shape() + " and " + b.shape() + " (reshape vectors to matrices)");
        }
        long k1 = a.shape().dim(-1);
        long k2 = b.shape().dim(-2);
        if (k1 != Shape.DYNAMIC && k2 != Shape.DYNAMIC && k1 != k2) {
            throw new IllegalArgumentException("MatMul '" + scopedHint("MatMul") + "': inner dimensions differ: "
                    + a.shape() + " x " + b.shape());
        }
        Shape batchA = Shape.of(Arrays.copyOf(a.shape().dims(), a.rank() - 2));
        Shape batchB = Shape.of(Arrays.copyOf(b.shape().dims(), b.rank() - 2));
        long[] batch = broadcast("MatMul", batchA, batchB).dims();
        long[] out = Arrays.copyOf(batch, batch.length + 2);
        out[batch.length] = a.shape().dim(-2);
        out[batch.length + 1] = b.shape().dim(-1);
        return node1("MatMul", "matmul", List.of(a, b), Map.of(), a.dtype(), Shape.of(out));
    }

    /** {@code alpha * op(a) @ op(b) + beta * c} on matrices; {@code c} may be null or broadcast to the result. */
    public Tensor gemm(Tensor a, Tensor b, Tensor c, double alpha, double beta, boolean transA, boolean transB) {
        requireFloating("Gemm", a, b);
        sameType("Gemm", a, b);
        String hint = "Gemm '" + scopedHint("Gemm") + "'";
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
        List<Tensor> in = new ArrayList<>(List.of(a, b));
        if (c != null) {
            sameType("Gemm", a, c);
            Shape bc = broadcast(hint, out, c.shape());
            if (bc.rank() != 2 || (n != Shape.DYNAMIC && bc.dim(1) != n) || (m != Shape.DYNAMIC && bc.dim(0) != m)) {
                throw new IllegalArgumentException(hint + ": bias " + c.shape() + " does not broadcast to " + out);
            }
            in.add(c);
        }
        return node1("Gemm", "gemm", in, attrs("alpha", alpha, "beta", beta, "transA", transA ? 1L : 0L,
                "transB", transB ? 1L : 0L), a.dtype(), out);
    }

    /**
     * {@code op(a) @ op(b)} with {@code op} swapping the last two dimensions where asked, numpy broadcasting of the
     * leading ones: ONNX Runtime's contrib op {@code com.microsoft:FusedMatMul} (float32 only), which reads the
     * operands transposed instead of materialising the transpose. Used by the gradient rules of train steps, which
     * run only on ONNX Runtime; inference models never contain it.
     */
    Tensor fusedMatMul(Tensor a, Tensor b, boolean transA, boolean transB) {
        sameType("FusedMatMul", a, b);
        if (a.dtype() != DType.FLOAT || a.rank() < 2 || b.rank() < 2) {
            throw new IllegalArgumentException("FusedMatMul '" + scopedHint("FusedMatMul")
                    + "': needs float32 operands of rank >= 2, got " + a + " and " + b);
        }
        long m = a.shape().dim(transA ? -1 : -2);
        long ka = a.shape().dim(transA ? -2 : -1);
        long kb = b.shape().dim(transB ? -1 : -2);
        long n = b.shape().dim(transB ? -2 : -1);
        if (ka != Shape.DYNAMIC && kb != Shape.DYNAMIC && ka != kb) {
            throw new IllegalArgumentException("FusedMatMul '" + scopedHint("FusedMatMul") + "': inner dimensions "
                    + "differ: " + a.shape() + (transA ? "^T" : "") + " x " + b.shape() + (transB ? "^T" : ""));
        }
        Shape batchA = Shape.of(Arrays.copyOf(a.shape().dims(), a.rank() - 2));
        Shape batchB = Shape.of(Arrays.copyOf(b.shape().dims(), b.rank() - 2));
        long[] batch = broadcast("FusedMatMul", batchA, batchB).dims();
        long[] out = Arrays.copyOf(batch, batch.length + 2);
        out[batch.length] = m;
        out[batch.length + 1] = n;
        return node(CONTRIB_DOMAIN, "FusedMatMul", "FusedMatMul", "matmul", List.of(a, b),
                attrs("alpha", 1.0, "transA", transA ? 1L : 0L, "transB", transB ? 1L : 0L), List.of(a.dtype()),
                List.of(Shape.of(out))).get(0);
    }

    /** Whether gradient rules may use {@link #fusedMatMul} (set while a train step's gradients are built). */
    boolean fusedProducts() {
        return fusedProducts;
    }

    void fusedProducts(boolean on) {
        fusedProducts = on;
    }

    // --------------------------------------------------------------------------------------- normalisation

    public Tensor softmax(Tensor x, int axis) {
        requireFloating("Softmax", x);
        return node1("Softmax", "softmax", List.of(x), attrs("axis", (long) x.shape().normalizeAxis(axis)), x.dtype(),
                x.shape());
    }

    public Tensor logSoftmax(Tensor x, int axis) {
        requireFloating("LogSoftmax", x);
        return node1("LogSoftmax", "logSoftmax", List.of(x), attrs("axis", (long) x.shape().normalizeAxis(axis)),
                x.dtype(), x.shape());
    }

    /**
     * Layer normalisation over the dimensions from {@code axis} to the end; {@code scale} and {@code bias} have
     * the shape of those dimensions.
     */
    public Tensor layerNorm(Tensor x, Tensor scale, Tensor bias, int axis, double epsilon) {
        requireFloating("LayerNormalization", x, scale, bias);
        int a = x.shape().normalizeAxis(axis);
        long[] tail = Arrays.copyOfRange(x.shape().dims(), a, x.rank());
        for (Tensor p : List.of(scale, bias)) {
            sameType("LayerNormalization", x, p);
            if (!Arrays.equals(p.shape().dims(), tail)) {
                throw new IllegalArgumentException("LayerNormalization '" + scopedHint("LayerNormalization") + "': "
                        + p + " must have shape " + Shape.of(tail) + " (the normalised dimensions of " + x.shape() + ")");
            }
        }
        return node1("LayerNormalization", "layerNorm", List.of(x, scale, bias),
                attrs("axis", (long) a, "epsilon", epsilon), x.dtype(), x.shape());
    }

    /**
     * The {@code Mean} and {@code InvStdDev} outputs (ONNX's optional outputs 1 and 2, float32, the normalised
     * dimensions kept as 1) of a float32 LayerNormalization node, added to the node on first use: only graphs whose
     * gradient needs them compute them, and inference models of graphs never differentiated keep one output.
     */
    Tensor[] layerNormStats(Node n) {
        Tensor x = n.input(0);
        if (!n.opType().equals("LayerNormalization") || x.dtype() != DType.FLOAT
                || n.attrLong("stash_type", 1) != 1) {
            throw new IllegalArgumentException(n + ": float32 statistics need a float32 LayerNormalization, got " + x);
        }
        if (n.outputs().size() < 3) {
            int a = x.shape().normalizeAxis((int) n.attrLong("axis", -1));
            long[] dims = x.shape().dims();
            Arrays.fill(dims, a, dims.length, 1L);
            for (int i = n.outputs().size(); i <= 2; i++) {
                n.addOutput(register(new Tensor(this, n.name() + ":" + i, DType.FLOAT, Shape.of(dims),
                        Tensor.Kind.NODE, n)));
            }
        }
        return new Tensor[] {n.output(1), n.output(2)};
    }

    // ------------------------------------------------------------------------------------------ reductions

    private long[] normalizeAxes(Tensor x, long[] axes) {
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

    private static Shape reducedShape(Shape s, long[] axes, boolean keepDims) {
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

    /** Sum over {@code axes} (all axes when none are given). */
    public Tensor reduceSum(Tensor x, boolean keepDims, long... axes) {
        long[] ax = normalizeAxes(x, axes);
        List<Tensor> in = ax.length == 0 ? List.of(x) : List.of(x, longs(ax));
        return node1("ReduceSum", "reduceSum", in, attrs("keepdims", keepDims ? 1L : 0L), x.dtype(),
                reducedShape(x.shape(), ax, keepDims));
    }

    /** Mean over {@code axes} (all axes when none are given). */
    public Tensor reduceMean(Tensor x, boolean keepDims, long... axes) {
        requireFloating("ReduceMean", x);
        long[] ax = normalizeAxes(x, axes);
        return node1("ReduceMean", "reduceMean", List.of(x),
                attrs("axes", ax.length == 0 ? null : ax, "keepdims", keepDims ? 1L : 0L), x.dtype(),
                reducedShape(x.shape(), ax, keepDims));
    }

    /** Maximum over {@code axes} (all axes when none are given). */
    public Tensor reduceMax(Tensor x, boolean keepDims, long... axes) {
        long[] ax = normalizeAxes(x, axes);
        return node1("ReduceMax", "reduceMax", List.of(x),
                attrs("axes", ax.length == 0 ? null : ax, "keepdims", keepDims ? 1L : 0L), x.dtype(),
                reducedShape(x.shape(), ax, keepDims));
    }

    /** The mean of all elements, a scalar. */
    public Tensor mean(Tensor x) {
        return reduceMean(x, false);
    }

    /** The sum of all elements, a scalar. */
    public Tensor sum(Tensor x) {
        return reduceSum(x, false);
    }

    // ------------------------------------------------------------------------------------------ shape ops

    /** Reshape to a constant target: 0 copies the input dimension, one -1 is inferred. */
    public Tensor reshape(Tensor x, long... shape) {
        String hint = "Reshape '" + scopedHint("Reshape") + "'";
        long[] out = new long[shape.length];
        int infer = -1;
        long known = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == 0) {
                if (i >= x.rank()) {
                    throw new IllegalArgumentException(hint + ": 0 at position " + i + " but input " + x.shape()
                            + " has rank " + x.rank());
                }
                out[i] = x.shape().dim(i);
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
            out[infer] = x.shape().isStatic() && known != Shape.DYNAMIC ? x.shape().size() / Math.max(known, 1)
                    : Shape.DYNAMIC;
            if (x.shape().isStatic() && known > 0 && x.shape().size() % known != 0) {
                throw new IllegalArgumentException(hint + ": cannot reshape " + x.shape() + " to " + Arrays.toString(shape));
            }
        } else if (x.shape().isStatic() && Shape.of(out).isStatic() && Shape.of(out).size() != x.shape().size()) {
            throw new IllegalArgumentException(hint + ": cannot reshape " + x.shape() + " (" + x.shape().size()
                    + " elements) to " + Shape.of(out));
        }
        return node1("Reshape", "reshape", List.of(x, longs(shape)), Map.of(), x.dtype(), Shape.of(out));
    }

    /** Reshape to the (run-time) shape of {@code like}. */
    Tensor reshapeLike(Tensor x, Tensor like) {
        return node1("Reshape", "reshape", List.of(x, shapeOf(like)), Map.of(), x.dtype(), like.shape());
    }

    /** To a matrix: dimensions before {@code axis} become rows, the rest columns. */
    public Tensor flatten(Tensor x, int axis) {
        int a = axis == x.rank() ? axis : x.shape().normalizeAxis(axis);
        long rows = 1;
        long cols = 1;
        for (int i = 0; i < x.rank(); i++) {
            long d = x.shape().dim(i);
            if (i < a) {
                rows = rows == Shape.DYNAMIC || d == Shape.DYNAMIC ? Shape.DYNAMIC : rows * d;
            } else {
                cols = cols == Shape.DYNAMIC || d == Shape.DYNAMIC ? Shape.DYNAMIC : cols * d;
            }
        }
        return node1("Flatten", "flatten", List.of(x), attrs("axis", (long) a), x.dtype(), Shape.of(rows, cols));
    }

    public Tensor transpose(Tensor x, int... perm) {
        if (perm.length != x.rank()) {
            throw new IllegalArgumentException("Transpose '" + scopedHint("Transpose") + "': permutation "
                    + Arrays.toString(perm) + " does not match rank of " + x.shape());
        }
        long[] out = new long[perm.length];
        boolean[] seen = new boolean[perm.length];
        long[] p = new long[perm.length];
        for (int i = 0; i < perm.length; i++) {
            int a = x.shape().normalizeAxis(perm[i]);
            if (seen[a]) {
                throw new IllegalArgumentException("Transpose: " + Arrays.toString(perm) + " is not a permutation");
            }
            seen[a] = true;
            p[i] = a;
            out[i] = x.shape().dim(a);
        }
        return node1("Transpose", "transpose", List.of(x), attrs("perm", p), x.dtype(), Shape.of(out));
    }

    public Tensor concat(int axis, Tensor... xs) {
        return concat(axis, List.of(xs));
    }

    public Tensor concat(int axis, List<Tensor> xs) {
        String hint = "Concat '" + scopedHint("Concat") + "'";
        if (xs.isEmpty()) {
            throw new IllegalArgumentException(hint + ": nothing to concatenate");
        }
        Tensor first = xs.get(0);
        int a = first.shape().normalizeAxis(axis);
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
        return node1("Concat", "concat", xs, attrs("axis", (long) a), first.dtype(), Shape.of(out));
    }

    /** Slice with step 1: {@code x[starts:ends]} along {@code axes}; negative indices count from the end. */
    public Tensor slice(Tensor x, long[] axes, long[] starts, long[] ends) {
        if (axes.length != starts.length || axes.length != ends.length) {
            throw new IllegalArgumentException("Slice: axes, starts and ends must have equal lengths");
        }
        long[] out = x.shape().dims();
        long[] ax = new long[axes.length];
        for (int i = 0; i < axes.length; i++) {
            int a = x.shape().normalizeAxis((int) axes[i]);
            ax[i] = a;
            long d = x.shape().dim(a);
            if (d == Shape.DYNAMIC) {
                out[a] = Shape.DYNAMIC;
                continue;
            }
            long s = clampIndex(starts[i], d);
            long e = clampIndex(ends[i], d);
            out[a] = Math.max(0, e - s);
        }
        return node1("Slice", "slice", List.of(x, longs(starts), longs(ends), longs(ax)), Map.of(), x.dtype(),
                Shape.of(out));
    }

    static long clampIndex(long i, long d) {
        long v = i < 0 ? i + d : i;
        return Math.max(0, Math.min(d, v));
    }

    /** Splits along {@code axis} into pieces of the given sizes. */
    public List<Tensor> split(Tensor x, int axis, long... sizes) {
        int a = x.shape().normalizeAxis(axis);
        long total = 0;
        for (long s : sizes) {
            if (s < 0) {
                throw new IllegalArgumentException("Split: negative size in " + Arrays.toString(sizes));
            }
            total += s;
        }
        long d = x.shape().dim(a);
        if (d != Shape.DYNAMIC && d != total) {
            throw new IllegalArgumentException("Split '" + scopedHint("Split") + "': sizes " + Arrays.toString(sizes)
                    + " add up to " + total + " but axis " + a + " of " + x.shape() + " has " + d);
        }
        List<DType> types = new ArrayList<>();
        List<Shape> shapes = new ArrayList<>();
        for (long s : sizes) {
            types.add(x.dtype());
            shapes.add(x.shape().with(a, s));
        }
        return node("Split", "Split", "split", List.of(x, longs(sizes)), attrs("axis", (long) a), types, shapes);
    }

    /** Picks entries of {@code data} along {@code axis} by INT64 {@code indices}. */
    public Tensor gather(Tensor data, Tensor indices, int axis) {
        if (indices.dtype() != DType.INT64 && indices.dtype() != DType.INT32) {
            throw new IllegalArgumentException("Gather: indices " + indices + " must be INT64 or INT32");
        }
        int a = data.shape().normalizeAxis(axis);
        long[] d = data.shape().dims();
        long[] q = indices.shape().dims();
        long[] out = new long[d.length - 1 + q.length];
        System.arraycopy(d, 0, out, 0, a);
        System.arraycopy(q, 0, out, a, q.length);
        System.arraycopy(d, a + 1, out, a + q.length, d.length - a - 1);
        return node1("Gather", "gather", List.of(data, indices), attrs("axis", (long) a), data.dtype(), Shape.of(out));
    }

    /** Broadcasts to {@code shape} (numpy rules, both ways: 1 in the target keeps the input's dimension). */
    public Tensor expand(Tensor x, long... shape) {
        Shape out = broadcast("Expand '" + scopedHint("Expand") + "'", x.shape(), Shape.of(shape));
        return node1("Expand", "expand", List.of(x, longs(shape)), Map.of(), x.dtype(), out);
    }

    /** Broadcasts to the run-time shape of {@code like}. */
    Tensor expandLike(Tensor x, Tensor like) {
        return node1("Expand", "expand", List.of(x, shapeOf(like)), Map.of(), x.dtype(), like.shape());
    }

    /** Inserts size-1 dimensions at {@code axes} (positions in the output). */
    public Tensor unsqueeze(Tensor x, long... axes) {
        int r = x.rank() + axes.length;
        long[] norm = new long[axes.length];
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
            out[i] = Arrays.binarySearch(norm, i) >= 0 ? 1 : x.shape().dim(src++);
        }
        return node1("Unsqueeze", "unsqueeze", List.of(x, longs(norm)), Map.of(), x.dtype(), Shape.of(out));
    }

    /** Removes size-1 dimensions at {@code axes}. */
    public Tensor squeeze(Tensor x, long... axes) {
        long[] ax = normalizeAxes(x, axes);
        if (ax.length == 0) {
            throw new IllegalArgumentException("Squeeze: name the axes to remove");
        }
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < x.rank(); i++) {
            if (Arrays.binarySearch(ax, i) >= 0) {
                long d = x.shape().dim(i);
                if (d != 1 && d != Shape.DYNAMIC) {
                    throw new IllegalArgumentException("Squeeze '" + scopedHint("Squeeze") + "': axis " + i + " of "
                            + x.shape() + " has size " + d + ", not 1");
                }
            } else {
                out.add(x.shape().dim(i));
            }
        }
        return node1("Squeeze", "squeeze", List.of(x, longs(ax)), Map.of(), x.dtype(),
                Shape.of(out.stream().mapToLong(Long::longValue).toArray()));
    }

    /** The values and INT64 indices of the {@code k} largest entries along {@code axis}, sorted. */
    public record TopK(Tensor values, Tensor indices) {
    }

    public TopK topK(Tensor x, long k, int axis) {
        int a = x.shape().normalizeAxis(axis);
        long d = x.shape().dim(a);
        if (k < 1 || (d != Shape.DYNAMIC && k > d)) {
            throw new IllegalArgumentException("TopK '" + scopedHint("TopK") + "': k=" + k + " but axis " + a + " of "
                    + x.shape() + " has " + d + " entries");
        }
        Shape s = x.shape().with(a, k);
        List<Tensor> outs = node("TopK", "TopK", "topK", List.of(x, longs(k)),
                attrs("axis", (long) a, "largest", 1L, "sorted", 1L), List.of(x.dtype(), DType.INT64), List.of(s, s));
        return new TopK(outs.get(0), outs.get(1));
    }

    /**
     * TopK with a count known only at run time: {@code k} is an INT64 tensor of shape {@code [1]} (for example
     * computed from the batch size); the selected axis of the outputs is dynamic. ONNX Runtime fails the run when
     * {@code k} exceeds the axis' length, so callers bound it. Same gradient rule as the constant form.
     *
     * @since 1.2
     */
    public TopK topK(Tensor x, Tensor k, int axis) {
        int a = x.shape().normalizeAxis(axis);
        if (k.dtype() != DType.INT64 || k.rank() != 1 || k.shape().dim(0) != 1) {
            throw new IllegalArgumentException("TopK '" + scopedHint("TopK") + "': k must be an INT64 tensor of shape "
                    + "[1], got " + k.dtype() + " " + k.shape());
        }
        Shape s = x.shape().with(a, Shape.DYNAMIC);
        List<Tensor> outs = node("TopK", "TopK", "topK", List.of(x, k),
                attrs("axis", (long) a, "largest", 1L, "sorted", 1L), List.of(x.dtype(), DType.INT64), List.of(s, s));
        return new TopK(outs.get(0), outs.get(1));
    }

    // --------------------------------------------------------------------------------- convolution, pooling

    private static long convOut(long in, long pBegin, long pEnd, long kernel, long stride, long dilation) {
        if (in == Shape.DYNAMIC) {
            return Shape.DYNAMIC;
        }
        return Math.floorDiv(in + pBegin + pEnd - ((kernel - 1) * dilation + 1), stride) + 1;
    }

    /** 2-D convolution: {@code x [N, C, H, W]}, {@code w [O, C/groups, kh, kw]}, optional bias {@code [O]}. */
    public Tensor conv2d(Tensor x, Tensor w, Tensor bias, ConvOptions o) {
        String hint = "Conv '" + scopedHint("Conv") + "'";
        requireFloating("Conv", x, w);
        sameType("Conv", x, w);
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
        long kh = w.shape().dim(2);
        long kw = w.shape().dim(3);
        long ho = convOut(x.shape().dim(2), p[0], p[2], kh, s[0], d[0]);
        long wo = convOut(x.shape().dim(3), p[1], p[3], kw, s[1], d[1]);
        if ((ho != Shape.DYNAMIC && ho < 1) || (wo != Shape.DYNAMIC && wo < 1)) {
            throw new IllegalArgumentException(hint + ": kernel " + w.shape() + " does not fit input " + x.shape());
        }
        List<Tensor> in = new ArrayList<>(List.of(x, w));
        if (bias != null) {
            if (bias.rank() != 1 || bias.shape().dim(0) != w.shape().dim(0)) {
                throw new IllegalArgumentException(hint + ": bias " + bias.shape() + " must be [" + w.shape().dim(0) + "]");
            }
            in.add(bias);
        }
        return node1("Conv", "conv", in, attrs("kernel_shape", new long[] {kh, kw}, "strides", s, "pads", p,
                "dilations", d, "group", o.groups()), x.dtype(), Shape.of(x.shape().dim(0), w.shape().dim(0), ho, wo));
    }

    /** 2-D transposed convolution: {@code x [N, C, H, W]}, {@code w [C, O/groups, kh, kw]}, optional bias {@code [O]}. */
    public Tensor convTranspose2d(Tensor x, Tensor w, Tensor bias, ConvOptions o) {
        String hint = "ConvTranspose '" + scopedHint("ConvTranspose") + "'";
        requireFloating("ConvTranspose", x, w);
        sameType("ConvTranspose", x, w);
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
        long kh = w.shape().dim(2);
        long kw = w.shape().dim(3);
        long[] hw = new long[2];
        for (int i = 0; i < 2; i++) {
            long in = x.shape().dim(2 + i);
            long k = i == 0 ? kh : kw;
            hw[i] = in == Shape.DYNAMIC ? Shape.DYNAMIC : s[i] * (in - 1) + op[i] + (k - 1) * d[i] + 1 - p[i] - p[i + 2];
        }
        long outC = w.shape().dim(1) * o.groups();
        List<Tensor> in = new ArrayList<>(List.of(x, w));
        if (bias != null) {
            if (bias.rank() != 1 || bias.shape().dim(0) != outC) {
                throw new IllegalArgumentException(hint + ": bias " + bias.shape() + " must be [" + outC + "]");
            }
            in.add(bias);
        }
        return node1("ConvTranspose", "convTranspose", in, attrs("kernel_shape", new long[] {kh, kw}, "strides", s,
                "pads", p, "dilations", d, "group", o.groups(), "output_padding", op), x.dtype(),
                Shape.of(x.shape().dim(0), outC, hw[0], hw[1]));
    }

    private Shape poolShape(String op, Tensor x, long[] kernel, ConvOptions o) {
        if (x.rank() != 4 || kernel.length != 2) {
            throw new IllegalArgumentException(op + ": needs x [N, C, H, W] and a 2-D kernel, got " + x.shape());
        }
        long[] s = o.strides();
        long[] p = o.pads();
        long ho = convOut(x.shape().dim(2), p[0], p[2], kernel[0], s[0], 1);
        long wo = convOut(x.shape().dim(3), p[1], p[3], kernel[1], s[1], 1);
        return Shape.of(x.shape().dim(0), x.shape().dim(1), ho, wo);
    }

    /** 2-D average pooling; {@code countIncludePad} decides whether padded zeros count in the divisor. */
    public Tensor avgPool2d(Tensor x, long[] kernel, ConvOptions o, boolean countIncludePad) {
        requireFloating("AveragePool", x);
        Shape out = poolShape("AveragePool", x, kernel, o);
        return node1("AveragePool", "avgPool", List.of(x), attrs("kernel_shape", kernel.clone(), "strides", o.strides(),
                "pads", o.pads(), "count_include_pad", countIncludePad ? 1L : 0L), x.dtype(), out);
    }

    /** 2-D max pooling (the node also outputs the argmax indices its gradient uses). */
    public Tensor maxPool2d(Tensor x, long[] kernel, ConvOptions o) {
        requireFloating("MaxPool", x);
        Shape out = poolShape("MaxPool", x, kernel, o);
        return node("MaxPool", "MaxPool", "maxPool", List.of(x), attrs("kernel_shape", kernel.clone(),
                "strides", o.strides(), "pads", o.pads()), List.of(x.dtype(), DType.INT64), List.of(out, out)).get(0);
    }

    /** Nearest-neighbour 2x upsampling of {@code [N, C, H, W]} (ONNX Resize, each pixel copied to a 2x2 block). */
    public Tensor upsample2x(Tensor x) {
        requireFloating("Resize", x);
        if (x.rank() != 4) {
            throw new IllegalArgumentException("Resize: needs x [N, C, H, W], got " + x.shape());
        }
        long h = x.shape().dim(2);
        long w = x.shape().dim(3);
        Tensor scales = constantCache.computeIfAbsent("resize2x", k -> {
            Deque<String> saved = scopes;
            scopes = new ArrayDeque<>();
            try {
                return constant("const/scales_2x", HostTensor.ofFloats(new float[] {1, 1, 2, 2}, 4));
            } finally {
                scopes = saved;
            }
        });
        return node1("Resize", "resize", java.util.Arrays.asList(x, null, scales),
                attrs("mode", "nearest", "coordinate_transformation_mode", "asymmetric", "nearest_mode", "floor"),
                x.dtype(), Shape.of(x.shape().dim(0), x.shape().dim(1), h == Shape.DYNAMIC ? h : 2 * h,
                        w == Shape.DYNAMIC ? w : 2 * w));
    }

    // ------------------------------------------------------------------- helpers used by gradient rules

    Tensor shapeOf(Tensor x) {
        return node1("Shape", "shape", List.of(x), Map.of(), DType.INT64, Shape.of(x.rank()));
    }

    /** A row {@code [1, n]} of ones (shared between uses). */
    Tensor onesRow(long n, DType dtype) {
        return sharedConstant("ones:" + dtype + ":" + n, "const/ones", () -> {
            double[] ones = new double[Math.toIntExact(n)];
            Arrays.fill(ones, 1.0);
            return HostTensor.of(dtype, ones, 1, n);
        });
    }

    /** A row {@code [1, m]} of ones where {@code m} is the run-time first dimension of {@code x}. */
    Tensor onesRowLike(Tensor x, DType dtype) {
        Tensor first = node1("Shape", "shape", List.of(x), attrs("start", 0L, "end", 1L), DType.INT64, Shape.of(1));
        return node1("ConstantOfShape", "ones", List.of(concat(0, longs(1), first)),
                attrs("value", HostTensor.of(dtype, new double[] {1}, 1)), dtype, Shape.of(1, x.shape().dim(0)));
    }

    Tensor sizeOf(Tensor x) {
        return node1("Size", "size", List.of(x), Map.of(), DType.INT64, Shape.scalar());
    }

    /** Zeros with the run-time shape of {@code like} and the type {@code dtype}. */
    Tensor zerosLike(Tensor like, DType dtype) {
        return node1("ConstantOfShape", "zeros", List.of(shapeOf(like)),
                attrs("value", HostTensor.of(dtype, new double[] {0}, 1)), dtype, like.shape());
    }

    Tensor pad(Tensor x, long[] pads, Shape out) {
        return node1("Pad", "pad", List.of(x, longs(pads)), attrs("mode", "constant"), x.dtype(), out);
    }

    Tensor scatterND(Tensor data, Tensor indices, Tensor updates, String reduction) {
        return node1("ScatterND", "scatterND", List.of(data, indices, updates), attrs("reduction", reduction),
                data.dtype(), data.shape());
    }

    Tensor scatterElements(Tensor data, Tensor indices, Tensor updates, int axis, String reduction) {
        return node1("ScatterElements", "scatterElements", List.of(data, indices, updates),
                attrs("axis", (long) axis, "reduction", reduction), data.dtype(), data.shape());
    }

    /** Conv with explicit output shape (gradient rules know it better than the generic inference). */
    Tensor convRaw(String opType, Tensor x, Tensor w, long[] strides, long[] pads, long[] dilations, long group,
                   long[] outputPadding, Shape out) {
        return node1(opType, lower(opType), List.of(x, w), attrs("kernel_shape",
                new long[] {w.shape().dim(2), w.shape().dim(3)}, "strides", strides, "pads", pads,
                "dilations", dilations, "group", group, "output_padding", outputPadding), x.dtype(), out);
    }

    // ------------------------------------------------------------------------------------------ composites

    /**
     * A dense layer {@code x @ W + b} with {@code W [in, out]} ({@code init}) and {@code b [out]} (zeros) as
     * parameters {@code name/weight} and {@code name/bias}; one Gemm node, so ORT can fuse a following ReLU.
     */
    public Tensor linear(String name, Tensor x, long out, Init init) {
        if (x.rank() != 2) {
            throw new IllegalArgumentException("linear '" + name + "': input must be [batch, features], got " + x.shape());
        }
        long in = x.shape().dim(1);
        if (in == Shape.DYNAMIC) {
            throw new IllegalArgumentException("linear '" + name + "': the feature dimension of " + x + " must be static");
        }
        try (Scope s = scope(name)) {
            Tensor w = param("weight", Shape.of(in, out), init);
            Tensor b = param("bias", Shape.of(out), Init.zeros());
            return gemm(x, w, b, 1.0, 1.0, false, false);
        }
    }

    /** Activation functions for {@link #mlp}. */
    public enum Activation { RELU, TANH, SIGMOID, GELU, NONE }

    /** Applies an activation. */
    public Tensor activate(Tensor x, Activation a) {
        switch (a) {
            case RELU: return relu(x);
            case TANH: return tanh(x);
            case SIGMOID: return sigmoid(x);
            case GELU: return gelu(x);
            default: return x;
        }
    }

    /**
     * A multi-layer perceptron: {@code linear name/fc<i>} for each width, {@code hidden} after every layer but the
     * last, {@code last} after the last. He init for ReLU/GELU layers, Xavier otherwise.
     */
    public Tensor mlp(String name, Tensor x, long[] widths, Activation hidden, Activation last) {
        try (Scope s = scope(name)) {
            Tensor h = x;
            for (int i = 0; i < widths.length; i++) {
                Activation act = i == widths.length - 1 ? last : hidden;
                Init init = act == Activation.RELU || act == Activation.GELU ? Init.heUniform() : Init.xavierUniform(1.0);
                h = activate(linear("fc" + (i + 1), h, widths[i], init), act);
            }
            return h;
        }
    }

    /** Straight-through estimator: the forward value of {@code quantized}, the gradient of {@code x}. */
    public Tensor straightThrough(Tensor x, Tensor quantized) {
        return add(x, stopGradient(sub(quantized, x)));
    }

    /** Mean squared error over all elements. */
    public Tensor mse(Tensor prediction, Tensor target) {
        // Pow(d, 2) rather than Mul(d, d): its gradient is one product (2d * g) instead of two summed ones.
        return mean(pow(sub(prediction, target), 2));
    }

    // -------------------------------------------------------------------------------------------- autodiff

    /**
     * Appends the backward pass of {@code loss} (a scalar) and returns the gradient of every tensor in
     * {@code wrt} (parameters or inputs). A tensor the loss does not depend on gets a zero gradient.
     *
     * @throws IllegalArgumentException naming the op when a node on the path has no gradient rule
     */
    public Map<Tensor, Tensor> gradients(Tensor loss, List<Tensor> wrt) {
        return Autodiff.gradients(this, loss, wrt);
    }
}
