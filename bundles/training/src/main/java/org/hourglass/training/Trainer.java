package org.hourglass.training;

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
    /** A run's stacked inputs stay under this size: fewer steps per run where a batch is large. */
    static final long MAX_RUN_BYTES = 64L << 20;
    /** Steps per run of the run-of-steps model; 1 runs the step model once per step. */
    private int stepsPerRun = 1;
    private final String sessionName;
    private ModelSession loopSession;
    private RunBuffers lastBuffers;

    /** Loads the model into a new session of the executor; closing the trainer closes it. */
    public Trainer(OnnxExecutor executor, TrainStepModel model, String sessionName) {
        this(executor, model, executor.load(sessionName, model.proto()), true, sessionName);
    }

    /** Uses a session the caller loaded from {@code model.proto()} and keeps owning. */
    public Trainer(OnnxExecutor executor, TrainStepModel model, ModelSession session) {
        this(executor, model, session, false, "train-step");
    }

    private Trainer(OnnxExecutor executor, TrainStepModel model, ModelSession session, boolean ownsSession,
                    String sessionName) {
        this.sessionName = sessionName;
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

    /**
     * Runs up to {@code steps} consecutive full batches in one run of the model's run-of-steps form
     * ({@link TrainStepModel#loopProto()}: an ONNX {@code Loop}), loaded into a second session on first use. The
     * results equal those of single steps (same batches, random draws and arithmetic); per-step progress is
     * reported after each run, and cancellation is checked between runs. A last incomplete batch still takes a
     * single step, and a run holds fewer steps where their stacked inputs would pass 64 MiB. Default 1: one run
     * per step.
     */
    public void setStepsPerRun(int steps) {
        if (steps < 1) {
            throw new IllegalArgumentException("steps per run must be >= 1, was " + steps);
        }
        this.stepsPerRun = steps;
    }

    public int stepsPerRun() {
        return stepsPerRun;
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
        List<TrainStepModel.RandomInput> randoms = model.randomInputs();
        long[] randomItem = new long[randoms.size()];
        for (int i = 0; i < randoms.size(); i++) {
            randomItem[i] = itemSize(randoms.get(i).shape(), randoms.get(i).name());
        }
        SplittableRandom shuffleRng = new SplittableRandom(config.seed());
        SplittableRandom noiseRng = new SplittableRandom(config.seed() ^ 0x5DEECE66DL);
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }

        List<Double> epochLosses = new ArrayList<>();
        Totals totals = new Totals();
        int fullSteps = n / batch;
        long[] dataBytes = new long[inputs.size()];
        for (int i = 0; i < inputs.size(); i++) {
            dataBytes[i] = (long) batch * rowLen[i] * inputs.get(i).dtype().bytes();
        }
        long[] randomBytes = new long[randoms.size()];
        for (int i = 0; i < randoms.size(); i++) {
            randomBytes[i] = batch * randomItem[i] * ft.bytes();
        }
        long bytesPerStep = java.util.stream.LongStream.concat(java.util.Arrays.stream(dataBytes),
                java.util.Arrays.stream(randomBytes)).sum();
        int maxRun = (int) Math.min(Math.min(stepsPerRun, fullSteps),
                Math.max(1, MAX_RUN_BYTES / Math.max(1, bytesPerStep)));
        // Batch buffers are direct and reused (across fits too): ONNX Runtime reads them in place, no copy per step.
        RunBuffers buf = buffers(dataBytes, randomBytes, Math.max(1, maxRun));
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
            Epoch ep = new Epoch(epoch, stepsPerEpoch, listener);
            int s = 0;
            while (s < stepsPerEpoch) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new CancellationException("training cancelled after step " + globalStep);
                }
                int k = Math.min(maxRun, fullSteps - s);
                if (k >= 2) {
                    runSteps(data, config, inputs, rowLen, randoms, randomItem, buf, order, s * batch, batch, k,
                            noiseRng, ep, totals);
                    s += k;
                    continue;
                }
                int from = s * batch;
                int b = Math.min(batch, n - from);
                Map<String, OnnxTensorLike> feed = new HashMap<>(state);
                List<OnnxTensor> transient_ = new ArrayList<>();
                try {
                    for (int i = 0; i < inputs.size(); i++) {
                        TrainStepModel.DataInput in = inputs.get(i);
                        float[] col = data.columns().get(in.name());
                        OnnxTensor t = batchTensor(buf.data[i], in.dtype(), col, rowLen[i], order, from, b, in.shape());
                        transient_.add(t);
                        feed.put(in.name(), t);
                    }
                    for (int i = 0; i < randoms.size(); i++) {
                        TrainStepModel.RandomInput r = randoms.get(i);
                        OnnxTensor t = randomTensor(buf.random[i], r, b, randomItem[i], noiseRng);
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
                        for (String m : metricOutputs(result, "")) {
                            metrics.put(m, scalarOf(result, TrainStepModel.METRIC_PREFIX + m));
                        }
                        for (Map.Entry<String, double[]> d : ep.diagSums.entrySet()) {
                            addWeighted(values(result, TrainStepModel.DIAGNOSTIC_PREFIX + d.getKey()), 0, b, d.getValue());
                        }
                        adopt(result);
                    } catch (RuntimeException e) {
                        result.close();
                        throw e;
                    }
                    ep.stepDone(s, stepNo, b, loss, metrics, totals);
                } finally {
                    for (OnnxTensor t : transient_) {
                        t.close();
                    }
                }
                s++;
            }
            double secs = (System.nanoTime() - ep.start) / 1e9;
            epochLosses.add(ep.lossSum / ep.samples);
            for (double[] sum : ep.diagSums.values()) {
                for (int i = 0; i < sum.length; i++) {
                    sum[i] /= ep.samples;
                }
            }
            listener.onEpoch(new TrainingListener.EpochSummary(epoch, ep.lossSum / ep.samples,
                    ep.samples / Math.max(secs, 1e-9), ep.diagSums));
        }
        double secs = (System.nanoTime() - start) / 1e9;
        return new TrainingResult(epochLosses, totals.firstLoss, totals.steps, totals.samples / Math.max(secs, 1e-9));
    }

    /** Counts over the whole fit. */
    private static final class Totals {
        double firstLoss = Double.NaN;
        long steps;
        long samples;
    }

    /** One epoch's sums, and what happens after every step: the loss check, the counts and the listener. */
    private final class Epoch {
        final int epoch;
        final int stepsPerEpoch;
        final TrainingListener listener;
        final long start = System.nanoTime();
        final Map<String, double[]> diagSums = new LinkedHashMap<>();
        double lossSum;
        long samples;

        Epoch(int epoch, int stepsPerEpoch, TrainingListener listener) {
            this.epoch = epoch;
            this.stepsPerEpoch = stepsPerEpoch;
            this.listener = listener;
            model.diagnostics().forEach((name, shape) -> diagSums.put(name, new double[(int) Shape.of(shape).size()]));
        }

        /** Step {@code s} (0-based in the epoch), global number {@code stepNo}, is in the state now. */
        void stepDone(int s, long stepNo, int b, double loss, Map<String, Double> metrics, Totals totals) {
            globalStep = stepNo;
            if (!Double.isFinite(loss)) {
                throw new DivergenceException("the loss became " + loss + " at step " + stepNo
                        + " (epoch " + epoch + "); lower the learning rate or clip gradients", stepNo, loss);
            }
            if (totals.steps == 0) {
                totals.firstLoss = loss;
            }
            totals.steps++;
            totals.samples += b;
            samples += b;
            lossSum += loss * b;
            double secs = (System.nanoTime() - start) / 1e9;
            listener.onStep(new TrainingListener.Progress(epoch, s + 1, stepsPerEpoch, stepNo, loss, metrics,
                    samples / Math.max(secs, 1e-9)));
        }
    }

    /**
     * The batch buffers of the previous fit when they have the right sizes (pipelines call {@code fit} once per
     * epoch; run buffers of up to 64 MiB each time would wait for the garbage collector to free them), else new ones.
     */
    private RunBuffers buffers(long[] dataBytes, long[] randomBytes, int steps) {
        if (lastBuffers == null || !lastBuffers.fits(dataBytes, randomBytes, steps)) {
            lastBuffers = new RunBuffers(dataBytes, randomBytes, steps);
        }
        return lastBuffers;
    }

    /** Direct buffers for the inputs of one step or of a run of up to {@code steps} full batches. */
    private static final class RunBuffers {
        final long[] dataBytes;
        final long[] randomBytes;
        final int steps;
        final ByteBuffer[] data;
        final ByteBuffer[] random;

        /** Per input, the bytes of one step's batch; room for {@code steps} of them. */
        RunBuffers(long[] dataBytes, long[] randomBytes, int steps) {
            this.dataBytes = dataBytes.clone();
            this.randomBytes = randomBytes.clone();
            this.steps = steps;
            data = allocate(dataBytes, steps);
            random = allocate(randomBytes, steps);
        }

        boolean fits(long[] dataBytes, long[] randomBytes, int steps) {
            return steps == this.steps && java.util.Arrays.equals(dataBytes, this.dataBytes)
                    && java.util.Arrays.equals(randomBytes, this.randomBytes);
        }

        private static ByteBuffer[] allocate(long[] bytes, int steps) {
            ByteBuffer[] out = new ByteBuffer[bytes.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = ByteBuffer.allocateDirect(Math.toIntExact(Math.multiplyExact(bytes[i], steps)))
                        .order(ByteOrder.nativeOrder());
            }
            return out;
        }
    }

    /**
     * Steps {@code s .. s+k-1} of the epoch (full batches from {@code from}) in one run of the run-of-steps model.
     * Random values are drawn step by step in the single-step order, so both paths see the same noise.
     */
    private void runSteps(TrainingData data, TrainingConfig config, List<TrainStepModel.DataInput> inputs, int[] rowLen,
                          List<TrainStepModel.RandomInput> randoms, long[] randomItem, RunBuffers buf, int[] order,
                          int from, int batch, int k, SplittableRandom noiseRng, Epoch ep, Totals totals) {
        if (loopSession == null) {
            loopSession = executor.load(sessionName + "/steps", model.loopProto());
        }
        Map<String, OnnxTensorLike> feed = new HashMap<>(state);
        List<OnnxTensor> transient_ = new ArrayList<>();
        try {
            for (int i = 0; i < inputs.size(); i++) {
                TrainStepModel.DataInput in = inputs.get(i);
                OnnxTensor t = batchTensor(buf.data[i], in.dtype(), data.columns().get(in.name()), rowLen[i], order, from,
                        k * batch, stacked(in.shape(), k, batch));
                transient_.add(t);
                feed.put(TrainStepModel.STEPS_PREFIX + in.name(), t);
            }
            for (ByteBuffer r : buf.random) {
                r.clear();
            }
            for (int j = 0; j < k; j++) {
                for (int i = 0; i < randoms.size(); i++) {
                    drawNoise(buf.random[i], randoms.get(i), (int) (batch * randomItem[i]), noiseRng);
                }
            }
            for (int i = 0; i < randoms.size(); i++) {
                TrainStepModel.RandomInput r = randoms.get(i);
                OnnxTensor t = tensorOf(buf.random[i].flip(), stacked(r.shape(), k, batch), r.name());
                transient_.add(t);
                feed.put(TrainStepModel.STEPS_PREFIX + r.name(), t);
            }
            long first = globalStep + 1;
            OnnxTensor firstT = scalar(first);
            transient_.add(firstT);
            feed.put(TrainStepModel.FIRST_STEP, firstT);
            double[] lrs = new double[k];
            for (int j = 0; j < k; j++) {
                lrs[j] = config.learningRate().at(first + j, ep.epoch);
            }
            OnnxTensor lrT = vector(lrs);
            transient_.add(lrT);
            feed.put(TrainStepModel.STEP_LRS, lrT);

            OrtSession.Result result = loopSession.run(feed);
            double[] losses;
            Map<String, double[]> metrics = new LinkedHashMap<>();
            try {
                losses = values(result, TrainStepModel.STEPS_PREFIX + TrainStepModel.LOSS);
                for (String m : metricOutputs(result, TrainStepModel.STEPS_PREFIX)) {
                    metrics.put(m, values(result, TrainStepModel.STEPS_PREFIX + TrainStepModel.METRIC_PREFIX + m));
                }
                for (Map.Entry<String, double[]> d : ep.diagSums.entrySet()) {
                    double[] v = values(result, TrainStepModel.STEPS_PREFIX + TrainStepModel.DIAGNOSTIC_PREFIX + d.getKey());
                    for (int j = 0; j < k; j++) {
                        addWeighted(v, j * d.getValue().length, batch, d.getValue());
                    }
                }
                adopt(result);
            } catch (RuntimeException e) {
                result.close();
                throw e;
            }
            int s0 = from / batch;
            for (int j = 0; j < k; j++) {
                Map<String, Double> stepMetrics = new LinkedHashMap<>();
                for (Map.Entry<String, double[]> m : metrics.entrySet()) {
                    stepMetrics.put(m.getKey(), m.getValue()[m.getValue().length / k * j]);
                }
                ep.stepDone(s0 + j, first + j, batch, losses[j], stepMetrics, totals);
            }
        } finally {
            for (OnnxTensor t : transient_) {
                t.close();
            }
        }
    }

    /** The model's metric names as in its outputs (declared metrics, then {@code grad_norm} when clipping). */
    private List<String> metricOutputs(OrtSession.Result result, String prefix) {
        List<String> names = new ArrayList<>(model.metrics());
        if (result.get(prefix + TrainStepModel.METRIC_PREFIX + "grad_norm").isPresent()) {
            names.add("grad_norm");
        }
        return names;
    }

    private static long[] stacked(Shape itemShape, int k, int batch) {
        long[] dims = itemShape.dims();
        long[] out = new long[dims.length + 1];
        out[0] = k;
        out[1] = batch;
        System.arraycopy(dims, 1, out, 2, dims.length - 1);
        return out;
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
        return batchTensor(buf, dtype, col, rowLen, order, from, b, batchShape(shape, b));
    }

    /** Rows {@code order[from .. from+b)} of a column gathered into {@code buf}, as a tensor of shape {@code dims}. */
    private OnnxTensor batchTensor(ByteBuffer buf, DType dtype, float[] col, int rowLen, int[] order, int from, int b,
                                   long[] dims) {
        buf.clear();
        try {
            if (dtype == DType.FLOAT) {
                FloatBuffer fb = buf.asFloatBuffer();
                for (int r = 0; r < b; r++) {
                    fb.put(col, order[from + r] * rowLen, rowLen);
                }
                fb.flip();
                return OnnxTensor.createTensor(env, fb, dims);
            } else if (dtype == DType.DOUBLE) {
                DoubleBuffer db = buf.asDoubleBuffer();
                for (int r = 0; r < b; r++) {
                    int off = order[from + r] * rowLen;
                    for (int k = 0; k < rowLen; k++) {
                        db.put(col[off + k]);
                    }
                }
                db.flip();
                return OnnxTensor.createTensor(env, db, dims);
            }
            throw new IllegalArgumentException("data inputs must be FLOAT or DOUBLE, got " + dtype);
        } catch (OrtException e) {
            throw new ExecutorException("cannot create a batch tensor: " + e.getMessage(), e);
        }
    }

    private OnnxTensor randomTensor(ByteBuffer buf, TrainStepModel.RandomInput r, int b, long item,
                                    SplittableRandom rng) {
        buf.clear();
        drawNoise(buf, r, (int) (b * item), rng);
        return tensorOf(buf.flip(), batchShape(r.shape(), b), r.name());
    }

    /** Appends {@code count} draws of the input's noise at the buffer's position, in the float type's width. */
    private void drawNoise(ByteBuffer buf, TrainStepModel.RandomInput r, int count, SplittableRandom rng) {
        for (int i = 0; i < count; i++) {
            double v = r.noise().sample(rng);
            if (ft == DType.FLOAT) {
                buf.putFloat((float) v);
            } else {
                buf.putDouble(v);
            }
        }
    }

    /** The buffer's remaining values (of the float type) as a tensor of shape {@code dims}. */
    private OnnxTensor tensorOf(ByteBuffer buf, long[] dims, String name) {
        try {
            return ft == DType.FLOAT ? OnnxTensor.createTensor(env, buf.asFloatBuffer(), dims)
                    : OnnxTensor.createTensor(env, buf.asDoubleBuffer(), dims);
        } catch (OrtException e) {
            throw new ExecutorException("cannot create random input '" + name + "': " + e.getMessage(), e);
        }
    }

    /** A 1-D tensor of the float type. */
    private OnnxTensor vector(double[] v) {
        try {
            if (ft == DType.FLOAT) {
                float[] f = new float[v.length];
                for (int i = 0; i < v.length; i++) {
                    f[i] = (float) v[i];
                }
                return OnnxTensor.createTensor(env, FloatBuffer.wrap(f), new long[] {v.length});
            }
            return OnnxTensor.createTensor(env, DoubleBuffer.wrap(v), new long[] {v.length});
        } catch (OrtException e) {
            throw new ExecutorException("cannot create a vector tensor: " + e.getMessage(), e);
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

    /** Adds {@code weight} times {@code v[offset ..]} to {@code sum}. */
    private static void addWeighted(double[] v, int offset, int weight, double[] sum) {
        for (int i = 0; i < sum.length; i++) {
            sum[i] += v[offset + i] * weight;
        }
    }

    /** All values of a floating-point output. */
    private static double[] values(OrtSession.Result result, String name) {
        OnnxValue v = result.get(name).orElseThrow(() -> new ExecutorException("model has no output '" + name + "'"));
        OnnxTensor t = (OnnxTensor) v;
        switch (t.getInfo().type) {
            case FLOAT -> {
                FloatBuffer fb = t.getFloatBuffer();
                double[] out = new double[fb.remaining()];
                for (int i = 0; i < out.length; i++) {
                    out[i] = fb.get(i);
                }
                return out;
            }
            case DOUBLE -> {
                DoubleBuffer db = t.getDoubleBuffer();
                double[] out = new double[db.remaining()];
                db.get(out);
                return out;
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
        if (loopSession != null) {
            loopSession.close();
        }
        if (ownsSession && session != null) {
            session.close();
        }
    }

    /** The executor this trainer runs on. */
    public OnnxExecutor executor() {
        return executor;
    }
}
