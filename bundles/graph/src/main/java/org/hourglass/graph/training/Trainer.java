package org.hourglass.graph.training;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import org.hourglass.api.executor.ExecutorException;
import org.hourglass.api.executor.ModelSession;
import org.hourglass.api.executor.OnnxExecutor;
import org.hourglass.graph.DType;
import org.hourglass.graph.HostTensor;
import org.hourglass.graph.Shape;
import org.hourglass.graph.TrainStepModel;

/**
 * Runs a {@link TrainStepModel} on the executor. The state (parameters and optimizer state) lives in native
 * tensors: each step's {@code next/X} outputs, owned by ONNX Runtime, are fed back as the next step's {@code X}
 * inputs without copying, and the previous step's outputs are closed once the new ones exist. Data is shuffled
 * with the configured seed; random inputs are drawn in Java from the same seed, so CPU runs are reproducible.
 *
 * <p>Not thread-safe: one thread trains. Interrupting that thread cancels training between steps with a
 * {@link CancellationException}; the state stays that of the last completed step.
 */
public final class Trainer implements AutoCloseable {

    private final OnnxExecutor executor;
    private final OrtEnvironment env;
    private final TrainStepModel model;
    private final ModelSession session;
    private final boolean ownsSession;
    private final DType ft;

    /** Current state by input name; the tensors belong to {@link #owned} or {@link #lastResult}. */
    private final Map<String, OnnxTensor> state = new LinkedHashMap<>();
    private final List<OnnxTensor> owned = new ArrayList<>();
    private OrtSession.Result lastResult;
    private long globalStep;
    private boolean closed;

    /** Loads the model into a new session of the executor; closing the trainer closes it. */
    public Trainer(OnnxExecutor executor, TrainStepModel model, String sessionName) {
        this(executor, model, executor.load(sessionName, model.proto()), true);
    }

    /** Uses a session the caller loaded from {@code model.proto()} and keeps owning. */
    public Trainer(OnnxExecutor executor, TrainStepModel model, ModelSession session) {
        this(executor, model, session, false);
    }

    private Trainer(OnnxExecutor executor, TrainStepModel model, ModelSession session, boolean ownsSession) {
        this.executor = Objects.requireNonNull(executor, "executor");
        this.env = executor.environment();
        this.model = Objects.requireNonNull(model, "model");
        this.session = session;
        this.ownsSession = ownsSession;
        this.ft = model.floatType();
        try {
            setState(model.initialState());
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Replaces the whole state (to resume training). Every state name must be present. */
    public void setState(Map<String, HostTensor> values) {
        checkOpen();
        for (String name : model.stateNames()) {
            if (!values.containsKey(name)) {
                throw new IllegalArgumentException("state '" + name + "' is missing; expected " + model.stateNames());
            }
        }
        releaseState();
        for (String name : model.stateNames()) {
            HostTensor v = values.get(name);
            HostTensor expected = model.initialState().get(name);
            if (!java.util.Arrays.equals(v.shape(), expected.shape()) || v.dtype() != expected.dtype()) {
                throw new IllegalArgumentException("state '" + name + "' is " + v + ", expected " + expected);
            }
            OnnxTensor t = toTensor(v);
            owned.add(t);
            state.put(name, t);
        }
    }

    /** Restarts the step counter (Adam's bias correction) at the given number of completed steps. */
    public void setStep(long completedSteps) {
        this.globalStep = completedSteps;
    }

    /** Steps completed so far. */
    public long step() {
        return globalStep;
    }

    /** A copy of the current state (parameters and optimizer state) by name. */
    public Map<String, HostTensor> state() {
        checkOpen();
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, OnnxTensor> e : state.entrySet()) {
            out.put(e.getKey(), toHost(e.getValue()));
        }
        return out;
    }

    /** A copy of the current parameter values by parameter name (for {@code InferenceModel.weights}). */
    public Map<String, HostTensor> params() {
        Map<String, HostTensor> all = state();
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (String p : model.params()) {
            out.put(p, all.get(p));
        }
        return out;
    }

    /** Trains for {@code config.epochs()} epochs over {@code data}. */
    public TrainingResult fit(TrainingData data, TrainingConfig config, TrainingListener listener) {
        checkOpen();
        Objects.requireNonNull(listener, "listener");
        int n = data.size();
        List<TrainStepModel.DataInput> inputs = model.dataInputs();
        int[] rowLen = new int[inputs.size()];
        for (int i = 0; i < inputs.size(); i++) {
            TrainStepModel.DataInput in = inputs.get(i);
            if (!data.columns().containsKey(in.name())) {
                throw new IllegalArgumentException("training data has no column for input '" + in.name() + "'; columns: "
                        + data.columns().keySet());
            }
            rowLen[i] = data.rowLength(in.name());
            long expected = itemSize(in.shape(), in.name());
            if (rowLen[i] != expected) {
                throw new IllegalArgumentException("input '" + in.name() + "' " + in.shape() + " needs " + expected
                        + " values per sample; the data has " + rowLen[i]);
            }
        }
        int batch = Math.min(config.batchSize(), n);
        int stepsPerEpoch = config.dropLast() ? n / batch : (n + batch - 1) / batch;
        if (stepsPerEpoch == 0) {
            throw new IllegalArgumentException("no complete batch of " + batch + " in " + n + " samples");
        }
        // Batch buffers are direct and reused: ONNX Runtime reads them in place, no copy per step.
        ByteBuffer[] buffers = new ByteBuffer[inputs.size()];
        for (int i = 0; i < buffers.length; i++) {
            buffers[i] = ByteBuffer.allocateDirect(batch * rowLen[i] * inputs.get(i).dtype().bytes())
                    .order(ByteOrder.nativeOrder());
        }
        List<TrainStepModel.RandomInput> randoms = model.randomInputs();
        ByteBuffer[] randomBuffers = new ByteBuffer[randoms.size()];
        long[] randomItem = new long[randoms.size()];
        for (int i = 0; i < randoms.size(); i++) {
            randomItem[i] = itemSize(randoms.get(i).shape(), randoms.get(i).name());
            randomBuffers[i] = ByteBuffer.allocateDirect((int) (batch * randomItem[i] * ft.bytes()))
                    .order(ByteOrder.nativeOrder());
        }
        SplittableRandom shuffleRng = new SplittableRandom(config.seed());
        SplittableRandom noiseRng = new SplittableRandom(config.seed() ^ 0x5DEECE66DL);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }

        List<Double> epochLosses = new ArrayList<>();
        double firstLoss = Double.NaN;
        long steps = 0;
        long samples = 0;
        long start = System.nanoTime();
        for (int epoch = 0; epoch < config.epochs(); epoch++) {
            if (config.shuffle()) {
                for (int i = n - 1; i > 0; i--) {
                    int j = shuffleRng.nextInt(i + 1);
                    int t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
            }
            long epochStart = System.nanoTime();
            Map<String, double[]> diagSums = new LinkedHashMap<>();
            model.diagnostics().forEach((name, shape) -> diagSums.put(name, new double[(int) Shape.of(shape).size()]));
            double lossSum = 0;
            long epochSamples = 0;
            for (int s = 0; s < stepsPerEpoch; s++) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new CancellationException("training cancelled after step " + globalStep);
                }
                int from = s * batch;
                int b = Math.min(batch, n - from);
                Map<String, OnnxTensorLike> feed = new HashMap<>(state);
                List<OnnxTensor> transient_ = new ArrayList<>();
                try {
                    for (int i = 0; i < inputs.size(); i++) {
                        TrainStepModel.DataInput in = inputs.get(i);
                        float[] col = data.columns().get(in.name());
                        OnnxTensor t = batchTensor(buffers[i], in.dtype(), col, rowLen[i], order, from, b, in.shape());
                        transient_.add(t);
                        feed.put(in.name(), t);
                    }
                    for (int i = 0; i < randoms.size(); i++) {
                        TrainStepModel.RandomInput r = randoms.get(i);
                        OnnxTensor t = randomTensor(randomBuffers[i], r, b, randomItem[i], noiseRng);
                        transient_.add(t);
                        feed.put(r.name(), t);
                    }
                    long stepNo = globalStep + 1;
                    OnnxTensor stepT = scalar(stepNo);
                    transient_.add(stepT);
                    feed.put(TrainStepModel.STEP, stepT);
                    OnnxTensor lrT = scalar(config.learningRate().at(stepNo, epoch));
                    transient_.add(lrT);
                    feed.put(TrainStepModel.LR, lrT);

                    OrtSession.Result result = session.run(feed);
                    double loss;
                    Map<String, Double> metrics;
                    try {
                        loss = scalarOf(result, TrainStepModel.LOSS);
                        metrics = new LinkedHashMap<>();
                        for (String m : model.metrics()) {
                            metrics.put(m, scalarOf(result, TrainStepModel.METRIC_PREFIX + m));
                        }
                        if (result.get(TrainStepModel.METRIC_PREFIX + "grad_norm").isPresent()) {
                            metrics.put("grad_norm", scalarOf(result, TrainStepModel.METRIC_PREFIX + "grad_norm"));
                        }
                        for (Map.Entry<String, double[]> d : diagSums.entrySet()) {
                            addWeighted(result, TrainStepModel.DIAGNOSTIC_PREFIX + d.getKey(), b, d.getValue());
                        }
                        adopt(result);
                    } catch (RuntimeException e) {
                        result.close();
                        throw e;
                    }
                    globalStep = stepNo;
                    if (!Double.isFinite(loss)) {
                        throw new IllegalStateException("the loss became " + loss + " at step " + stepNo
                                + " (epoch " + epoch + "); lower the learning rate or clip gradients");
                    }
                    if (steps == 0) {
                        firstLoss = loss;
                    }
                    steps++;
                    samples += b;
                    epochSamples += b;
                    lossSum += loss * b;
                    double secs = (System.nanoTime() - epochStart) / 1e9;
                    listener.onStep(new TrainingListener.Progress(epoch, s + 1, stepsPerEpoch, globalStep, loss, metrics,
                            epochSamples / Math.max(secs, 1e-9)));
                } finally {
                    for (OnnxTensor t : transient_) {
                        t.close();
                    }
                }
            }
            double secs = (System.nanoTime() - epochStart) / 1e9;
            epochLosses.add(lossSum / epochSamples);
            for (double[] sum : diagSums.values()) {
                for (int i = 0; i < sum.length; i++) {
                    sum[i] /= epochSamples;
                }
            }
            listener.onEpoch(new TrainingListener.EpochSummary(epoch, lossSum / epochSamples,
                    epochSamples / Math.max(secs, 1e-9), diagSums));
        }
        double secs = (System.nanoTime() - start) / 1e9;
        return new TrainingResult(epochLosses, firstLoss, steps, samples / Math.max(secs, 1e-9));
    }

    /** Makes the result's {@code next/} outputs the current state and releases the previous state. */
    private void adopt(OrtSession.Result result) {
        Map<String, OnnxTensor> next = new LinkedHashMap<>();
        for (String name : model.stateNames()) {
            OnnxValue v = result.get(TrainStepModel.NEXT_PREFIX + name).orElseThrow(() -> new ExecutorException(
                    "train-step model has no output '" + TrainStepModel.NEXT_PREFIX + name + "'"));
            next.put(name, (OnnxTensor) v);
        }
        releaseState();
        state.putAll(next);
        lastResult = result;
    }

    private void releaseState() {
        state.clear();
        for (OnnxTensor t : owned) {
            t.close();
        }
        owned.clear();
        if (lastResult != null) {
            lastResult.close();
            lastResult = null;
        }
    }

    private static long itemSize(Shape shape, String name) {
        if (shape.rank() == 0 || shape.dim(0) != Shape.DYNAMIC) {
            throw new IllegalArgumentException("input '" + name + "' " + shape + " needs a dynamic first (batch) dimension");
        }
        long n = 1;
        for (int i = 1; i < shape.rank(); i++) {
            if (shape.dim(i) == Shape.DYNAMIC) {
                throw new IllegalArgumentException("input '" + name + "' " + shape
                        + ": only the batch dimension may be dynamic");
            }
            n *= shape.dim(i);
        }
        return n;
    }

    private static long[] batchShape(Shape shape, int b) {
        long[] dims = shape.dims();
        dims[0] = b;
        return dims;
    }

    private OnnxTensor batchTensor(ByteBuffer buf, DType dtype, float[] col, int rowLen, int[] order, int from, int b,
                                   Shape shape) {
        buf.clear();
        try {
            if (dtype == DType.FLOAT) {
                FloatBuffer fb = buf.asFloatBuffer();
                for (int r = 0; r < b; r++) {
                    fb.put(col, order[from + r] * rowLen, rowLen);
                }
                fb.flip();
                return OnnxTensor.createTensor(env, fb, batchShape(shape, b));
            } else if (dtype == DType.DOUBLE) {
                DoubleBuffer db = buf.asDoubleBuffer();
                for (int r = 0; r < b; r++) {
                    int off = order[from + r] * rowLen;
                    for (int k = 0; k < rowLen; k++) {
                        db.put(col[off + k]);
                    }
                }
                db.flip();
                return OnnxTensor.createTensor(env, db, batchShape(shape, b));
            }
            throw new IllegalArgumentException("data inputs must be FLOAT or DOUBLE, got " + dtype);
        } catch (OrtException e) {
            throw new ExecutorException("cannot create a batch tensor: " + e.getMessage(), e);
        }
    }

    private OnnxTensor randomTensor(ByteBuffer buf, TrainStepModel.RandomInput r, int b, long item,
                                    SplittableRandom rng) {
        buf.clear();
        int count = (int) (b * item);
        try {
            if (ft == DType.FLOAT) {
                FloatBuffer fb = buf.asFloatBuffer();
                for (int i = 0; i < count; i++) {
                    fb.put((float) r.noise().sample(rng));
                }
                fb.flip();
                return OnnxTensor.createTensor(env, fb, batchShape(r.shape(), b));
            }
            DoubleBuffer db = buf.asDoubleBuffer();
            for (int i = 0; i < count; i++) {
                db.put(r.noise().sample(rng));
            }
            db.flip();
            return OnnxTensor.createTensor(env, db, batchShape(r.shape(), b));
        } catch (OrtException e) {
            throw new ExecutorException("cannot create random input '" + r.name() + "': " + e.getMessage(), e);
        }
    }

    private OnnxTensor scalar(double v) {
        try {
            return ft == DType.FLOAT ? OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[] {(float) v}), new long[0])
                    : OnnxTensor.createTensor(env, DoubleBuffer.wrap(new double[] {v}), new long[0]);
        } catch (OrtException e) {
            throw new ExecutorException("cannot create a scalar tensor: " + e.getMessage(), e);
        }
    }

    private OnnxTensor toTensor(HostTensor v) {
        try {
            switch (v.dtype()) {
                case FLOAT: return OnnxTensor.createTensor(env, FloatBuffer.wrap(v.floats()), v.shape());
                case DOUBLE: return OnnxTensor.createTensor(env, DoubleBuffer.wrap(v.doubles()), v.shape());
                default: throw new IllegalArgumentException("state must be FLOAT or DOUBLE, got " + v);
            }
        } catch (OrtException e) {
            throw new ExecutorException("cannot create a state tensor: " + e.getMessage(), e);
        }
    }

    static HostTensor toHost(OnnxTensor t) {
        long[] shape = t.getInfo().getShape();
        switch (t.getInfo().type) {
            case FLOAT: {
                FloatBuffer fb = t.getFloatBuffer();
                float[] a = new float[fb.remaining()];
                fb.get(a);
                return HostTensor.ofFloats(a, shape);
            }
            case DOUBLE: {
                DoubleBuffer db = t.getDoubleBuffer();
                double[] a = new double[db.remaining()];
                db.get(a);
                return HostTensor.ofDoubles(a, shape);
            }
            default:
                throw new IllegalArgumentException("unsupported state tensor type " + t.getInfo().type);
        }
    }

    /** Adds {@code weight} times the output's values to {@code sum}. */
    private static void addWeighted(OrtSession.Result result, String name, int weight, double[] sum) {
        OnnxValue v = result.get(name).orElseThrow(() -> new ExecutorException("model has no output '" + name + "'"));
        OnnxTensor t = (OnnxTensor) v;
        switch (t.getInfo().type) {
            case FLOAT -> {
                java.nio.FloatBuffer fb = t.getFloatBuffer();
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += (double) fb.get(i) * weight;
                }
            }
            case DOUBLE -> {
                java.nio.DoubleBuffer db = t.getDoubleBuffer();
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += db.get(i) * weight;
                }
            }
            default -> throw new IllegalArgumentException("output '" + name + "' is not floating point");
        }
    }

    private static double scalarOf(OrtSession.Result result, String name) {
        OnnxValue v = result.get(name).orElseThrow(() -> new ExecutorException("model has no output '" + name + "'"));
        OnnxTensor t = (OnnxTensor) v;
        switch (t.getInfo().type) {
            case FLOAT: return t.getFloatBuffer().get(0);
            case DOUBLE: return t.getDoubleBuffer().get(0);
            default: throw new IllegalArgumentException("output '" + name + "' is not a floating scalar");
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("trainer is closed");
        }
    }

    /** Releases the native state and, when the trainer loaded it, the session. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        releaseState();
        if (ownsSession && session != null) {
            session.close();
        }
    }

    /** The executor this trainer runs on. */
    public OnnxExecutor executor() {
        return executor;
    }
}
