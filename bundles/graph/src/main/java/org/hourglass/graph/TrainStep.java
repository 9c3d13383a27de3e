package org.hourglass.graph;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Builds the {@link TrainStepModel}: appends the backward pass of the loss, optional clipping by global
 * gradient norm and the optimizer's update subgraph to the graph, then writes the model. Building appends nodes
 * to the graph; the forward part stays usable for {@link InferenceModel}.
 */
public final class TrainStep {

    private final Graph graph;
    private Tensor loss;
    private final Map<String, Tensor> metrics = new LinkedHashMap<>();
    private final Map<String, Tensor> diagnostics = new LinkedHashMap<>();
    private Optimizer optimizer = Optimizer.adam();
    private double clipNorm = 0;
    private long fuseBelow = 65536;
    private List<Tensor> params;
    private final Map<String, String> metadata = new LinkedHashMap<>();

    private TrainStep(Graph graph) {
        this.graph = Objects.requireNonNull(graph, "graph");
    }

    public static TrainStep builder(Graph graph) {
        return new TrainStep(graph);
    }

    /** The scalar loss to minimise. */
    public TrainStep loss(Tensor lossTensor) {
        this.loss = lossTensor;
        return this;
    }

    /** An extra scalar (or any tensor) output {@code metric/<name>}. */
    public TrainStep metric(String name, Tensor value) {
        if (metrics.putIfAbsent(name, value) != null) {
            throw new IllegalArgumentException("metric '" + name + "' given twice");
        }
        return this;
    }

    /**
     * A tensor without a batch dimension (any static shape) output as {@code diag/<name>}; the training loop
     * averages it over an epoch's batches (weighted by batch size) and reports it per epoch.
     */
    public TrainStep diagnostic(String name, Tensor value) {
        if (!value.shape().isStatic()) {
            throw new IllegalArgumentException("diagnostic '" + name + "' needs a static shape, got " + value.shape());
        }
        if (diagnostics.putIfAbsent(name, value) != null) {
            throw new IllegalArgumentException("diagnostic '" + name + "' given twice");
        }
        return this;
    }

    /** The optimizer (default: Adam with PyTorch's defaults). */
    public TrainStep optimizer(Optimizer opt) {
        this.optimizer = Objects.requireNonNull(opt);
        return this;
    }

    /** Scales all gradients down when their global L2 norm exceeds {@code maxNorm}; adds metric {@code grad_norm}. */
    public TrainStep clipGradientNorm(double maxNorm) {
        if (maxNorm <= 0) {
            throw new IllegalArgumentException("maxNorm must be > 0, was " + maxNorm);
        }
        this.clipNorm = maxNorm;
        return this;
    }

    /** Only train these parameters (default: every parameter the loss depends on). */
    public TrainStep params(List<Tensor> trainable) {
        for (Tensor p : trainable) {
            if (p.kind() != Tensor.Kind.PARAM || p.graph() != graph || graph.isBuffer(p)) {
                throw new IllegalArgumentException(p + " is not a trainable parameter of this graph");
            }
        }
        this.params = List.copyOf(trainable);
        return this;
    }

    /**
     * Parameters with fewer than {@code elements} entries (biases, small layers) are updated together as one
     * flat vector: the optimizer's elementwise ops then run once for all of them instead of once per parameter,
     * which removes most of ONNX Runtime's per-op overhead. Large parameters keep their own update (copying them
     * into a flat vector would cost more than it saves). Default 65536; 0 turns fusion off. The model's inputs and
     * outputs are the same either way.
     */
    public TrainStep fuseUpdatesBelow(long elements) {
        if (elements < 0) {
            throw new IllegalArgumentException("elements must be >= 0");
        }
        this.fuseBelow = elements;
        return this;
    }

    public TrainStep metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    public TrainStepModel build() {
        if (loss == null) {
            throw new IllegalStateException("no loss given");
        }
        for (Tensor t : java.util.stream.Stream.of(java.util.stream.Stream.of(loss), metrics.values().stream(),
                diagnostics.values().stream()).flatMap(x -> x).toList()) {
            if (t.graph() != graph) {
                throw new IllegalArgumentException(t + " belongs to another graph than the one this train step is built on");
            }
        }
        List<Tensor> trainable = params != null ? params : paramsOnPathTo(loss);
        if (trainable.isEmpty()) {
            throw new IllegalStateException("the loss " + loss + " depends on no parameter");
        }
        DType ft = graph.floatType();
        Tensor lr = graph.stateInput(TrainStepModel.LR, ft, Shape.scalar());
        Tensor step = graph.trainingStep();
        // A train step runs only on ONNX Runtime: its matrix-product gradients may read transposed operands.
        Map<Tensor, Tensor> grads = Autodiff.gradients(loss, trainable, true);

        Map<String, Tensor> outputs = new LinkedHashMap<>();
        outputs.put(TrainStepModel.LOSS, loss);
        for (Map.Entry<String, Tensor> m : metrics.entrySet()) {
            outputs.put(TrainStepModel.METRIC_PREFIX + m.getKey(), m.getValue());
        }
        for (Map.Entry<String, Tensor> d : diagnostics.entrySet()) {
            outputs.put(TrainStepModel.DIAGNOSTIC_PREFIX + d.getKey(), d.getValue());
        }
        if (clipNorm > 0) {
            Map<Tensor, Tensor> raw = grads;
            grads = graph.withScopes(new ArrayDeque<>(List.of("clip")), () -> clip(raw, outputs));
        }
        final Map<Tensor, Tensor> g = grads;

        List<Tensor> stateInputs = new ArrayList<>();
        Map<String, HostTensor> initial = new LinkedHashMap<>();
        for (Tensor p : trainable) {
            initial.put(p.name(), graph.initialValue(p));
        }
        List<Tensor> buffers = new ArrayList<>(graph.buffers().keySet());
        for (Tensor b : buffers) {
            initial.put(b.name(), graph.initialValue(b));
        }
        Optimizer.StepScalars scalars = graph.withScopes(new ArrayDeque<>(List.of("opt")),
                () -> optimizer.prepare(graph, lr, step));
        Map<String, Map<String, Tensor>> stateOf = new LinkedHashMap<>();
        for (Tensor p : trainable) {
            Map<String, Tensor> state = new LinkedHashMap<>();
            for (String slot : optimizer.slots()) {
                String name = TrainStepModel.OPT_PREFIX + slot + "/" + p.name();
                Tensor s = graph.stateInput(name, ft, p.shape());
                state.put(slot, s);
                stateInputs.add(s);
                initial.put(name, HostTensor.of(ft, new double[(int) p.shape().size()], p.shape().dims()));
            }
            stateOf.put(p.name(), state);
        }
        Map<String, Tensor> nextState = new LinkedHashMap<>();
        List<Tensor> fused = new ArrayList<>();
        for (Tensor p : trainable) {
            if (p.shape().size() < fuseBelow) {
                fused.add(p);
            }
        }
        if (fused.size() < 2) {
            fused.clear();
        }
        for (Tensor p : trainable) {
            if (fused.contains(p)) {
                continue;
            }
            Map<String, Tensor> upd = graph.withScopes(new ArrayDeque<>(List.of("opt", p.name())),
                    () -> optimizer.update(graph, scalars, p, g.get(p), stateOf.get(p.name())));
            collect(p, upd, nextState);
        }
        if (!fused.isEmpty()) {
            graph.withScopes(new ArrayDeque<>(List.of("opt", "fused")), () -> {
                updateFused(fused, g, stateOf, scalars, nextState);
                return null;
            });
        }
        for (Map.Entry<Tensor, java.util.function.UnaryOperator<Tensor>> c : graph.constraints().entrySet()) {
            if (nextState.containsKey(c.getKey().name())) {
                Tensor updated = nextState.get(c.getKey().name());
                nextState.put(c.getKey().name(), graph.withScopes(
                        new ArrayDeque<>(List.of("constrain", c.getKey().name())), () -> c.getValue().apply(updated)));
            }
        }
        for (Map.Entry<Tensor, Tensor> b : graph.buffers().entrySet()) {
            nextState.put(b.getKey().name(), b.getValue() != null ? b.getValue() : b.getKey());
        }
        // Outputs in state order: parameters first, then buffers, then optimizer state.
        for (String name : initial.keySet()) {
            outputs.put(TrainStepModel.NEXT_PREFIX + name, nextState.get(name));
        }

        List<Tensor> inputs = new ArrayList<>(graph.inputs());
        inputs.addAll(graph.randomInputs().keySet());
        inputs.addAll(trainable);
        inputs.addAll(buffers);
        inputs.addAll(stateInputs);
        inputs.add(step);
        inputs.add(lr);
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        meta.putIfAbsent("hourglass.optimizer", optimizer.toString());
        var proto = ModelWriter.write(graph, "train-step", inputs, outputs, Map.of(), meta);

        List<TrainStepModel.DataInput> data = new ArrayList<>();
        for (Tensor t : graph.inputs()) {
            data.add(new TrainStepModel.DataInput(t.name(), t.dtype(), t.shape()));
        }
        List<TrainStepModel.RandomInput> random = new ArrayList<>();
        for (Map.Entry<Tensor, Noise> e : graph.randomInputs().entrySet()) {
            random.add(new TrainStepModel.RandomInput(e.getKey().name(), e.getKey().shape(), e.getValue()));
        }
        List<String> paramNames = new ArrayList<>();
        for (Tensor p : trainable) {
            paramNames.add(p.name());
        }
        for (Tensor b : buffers) {
            paramNames.add(b.name());
        }
        return new TrainStepModel(proto, data, random, paramNames, initial, List.copyOf(metrics.keySet()),
                diagnosticShapes(), ft, optimizer);
    }

    private void collect(Tensor p, Map<String, Tensor> upd, Map<String, Tensor> nextState) {
        nextState.put(p.name(), upd.get("param"));
        for (String slot : optimizer.slots()) {
            nextState.put(TrainStepModel.OPT_PREFIX + slot + "/" + p.name(), upd.get(slot));
        }
    }

    /** One update for several small parameters: flatten and concatenate, update, split and reshape back. */
    private void updateFused(List<Tensor> fused, Map<Tensor, Tensor> grads, Map<String, Map<String, Tensor>> stateOf,
                             Optimizer.StepScalars scalars, Map<String, Tensor> nextState) {
        long[] sizes = new long[fused.size()];
        List<Tensor> ps = new ArrayList<>();
        List<Tensor> gs = new ArrayList<>();
        Map<String, List<Tensor>> slots = new LinkedHashMap<>();
        for (int i = 0; i < sizes.length; i++) {
            Tensor p = fused.get(i);
            sizes[i] = p.shape().size();
            ps.add(flat(p));
            gs.add(flat(grads.get(p)));
            for (String slot : optimizer.slots()) {
                slots.computeIfAbsent(slot, k -> new ArrayList<>()).add(flat(stateOf.get(p.name()).get(slot)));
            }
        }
        Map<String, Tensor> flatState = new LinkedHashMap<>();
        for (Map.Entry<String, List<Tensor>> e : slots.entrySet()) {
            flatState.put(e.getKey(), ShapeOps.concat(0, e.getValue()));
        }
        Map<String, Tensor> upd = optimizer.update(graph, scalars, ShapeOps.concat(0, ps), ShapeOps.concat(0, gs), flatState);
        Map<String, List<Tensor>> parts = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : upd.entrySet()) {
            parts.put(e.getKey(), ShapeOps.split(e.getValue(), 0, sizes));
        }
        for (int i = 0; i < sizes.length; i++) {
            Tensor p = fused.get(i);
            Map<String, Tensor> one = new LinkedHashMap<>();
            for (Map.Entry<String, List<Tensor>> e : parts.entrySet()) {
                Tensor piece = e.getValue().get(i);
                one.put(e.getKey(), p.rank() == 1 ? piece : ShapeOps.reshape(piece, p.shape().dims()));
            }
            collect(p, one, nextState);
        }
    }

    /** Rank 1 as is (ONNX Runtime copies graph inputs and outputs through Reshape, so skip needless ones). */
    private Tensor flat(Tensor t) {
        return t.rank() == 1 ? t : ShapeOps.reshape(t, -1);
    }

    /** Global-norm clipping as in PyTorch's {@code clip_grad_norm_}: {@code g *= min(1, max / (norm + 1e-6))}. */
    private Map<Tensor, Tensor> clip(Map<Tensor, Tensor> grads, Map<String, Tensor> outputs) {
        Tensor total = null;
        for (Tensor gr : grads.values()) {
            Tensor sq = Ops.reduceSum(Ops.mul(gr, gr), false);
            total = total == null ? sq : Ops.add(total, sq);
        }
        Tensor norm = Ops.sqrt(total);
        Tensor coef = Ops.clip(Ops.div(graph.scalar(clipNorm), Ops.add(norm, 1e-6)), 0.0, 1.0);
        outputs.put(TrainStepModel.METRIC_PREFIX + "grad_norm", norm);
        Map<Tensor, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<Tensor, Tensor> e : grads.entrySet()) {
            out.put(e.getKey(), Ops.mul(e.getValue(), coef));
        }
        return out;
    }

    private Map<String, long[]> diagnosticShapes() {
        Map<String, long[]> out = new LinkedHashMap<>();
        diagnostics.forEach((name, t) -> out.put(name, t.shape().dims()));
        return out;
    }

    /** Trainable parameters (not buffers) with a path to the loss, in graph order. */
    private List<Tensor> paramsOnPathTo(Tensor target) {
        Set<Tensor> seen = new HashSet<>();
        ArrayDeque<Tensor> work = new ArrayDeque<>();
        work.add(target);
        while (!work.isEmpty()) {
            Tensor t = work.removeLast();
            if (seen.add(t) && t.producer() != null) {
                for (Tensor in : t.producer().inputs()) {
                    if (in != null) {
                        work.add(in);
                    }
                }
            }
        }
        List<Tensor> out = new ArrayList<>();
        for (Tensor p : graph.params()) {
            if (seen.contains(p) && !graph.isBuffer(p)) {
                out.add(p);
            }
        }
        return out;
    }
}
