package org.hourglass.benchmarks;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import ai.djl.training.tracker.Tracker;
import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;
import org.hourglass.api.executor.ModelSession;
import org.hourglass.executor.internal.ExecutorSettings;
import org.hourglass.executor.internal.OrtExecutor;
import org.hourglass.graph.Graph;
import org.hourglass.graph.InferenceModel;
import org.hourglass.graph.Layers;
import org.hourglass.graph.Ops;
import org.hourglass.graph.Optimizer;
import org.hourglass.graph.Shape;
import org.hourglass.graph.Tensor;
import org.hourglass.graph.TrainStep;
import org.hourglass.graph.TrainStepModel;
import org.hourglass.training.Trainer;
import org.hourglass.training.TrainingConfig;
import org.hourglass.training.TrainingData;
import org.hourglass.training.TrainingListener;
import org.hourglass.training.TrainingResult;

/**
 * Dense autoencoder 784-256-64-256-784 (ReLU, sigmoid output, MSE, Adam 1e-3) on Fashion-MNIST, batch 256:
 * training samples/s and inference samples/s (batch 1024) of the graph engine on ONNX Runtime against the same
 * model in PyTorch (libtorch through DJL), both on the same number of threads, interleaved round by round in one
 * process; an ONNX Runtime SGEMM 2048^3 gives the practical ceiling. Medians over the measured rounds.
 */
public final class DenseAutoencoderBenchmark {

    static final int IMAGES = 10240;
    static final int BATCH = 256;
    static final int INFER_BATCH = 1024;
    static final int INFER_RUNS = 10;
    static final double LR = 1e-3;
    /** GEMM FLOPs per sample: forward 2*sum(in*out); backward twice that, minus the unneeded input gradient of layer 1. */
    static final double FWD_FLOP = 2.0 * (784 * 256 + 256 * 64 + 64 * 256 + 256 * 784);
    static final double TRAIN_FLOP = 3 * FWD_FLOP - 2.0 * 784 * 256;

    private DenseAutoencoderBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = Integer.getInteger("bench.rounds", 15);
        int threads = Integer.getInteger("bench.threads", 2);
        float[] images = loadImages(IMAGES);
        System.out.printf(Locale.ROOT, "Dense AE 784-256-64-256-784, %d Fashion-MNIST images, batch %d, %d threads, "
                + "%d measured rounds (+1 warm-up)%n", IMAGES, BATCH, threads, rounds);

        try (OrtExecutor executor = new OrtExecutor(ExecutorSettings.defaults().withThreads(threads, 1))) {
            OrtSide ort = new OrtSide(executor, images);
            DjlSide djl = new DjlSide(images);
            Sgemm sgemm = new Sgemm(executor);
            // Bounds on what any optimizer work could win: the same step with plain SGD (2 elementwise passes per
            // parameter instead of Adam's 10), and the step's 11 matrix products alone.
            OrtSide sgd = new OrtSide(executor, images, Optimizer.sgd(0));
            // The same Adam step with a whole epoch (40 steps) per run of the run-of-steps model (ONNX Loop).
            OrtSide looped = new OrtSide(executor, images);
            looped.trainer.setStepsPerRun(IMAGES / BATCH);
            List<Double> loopTrain = new ArrayList<>();
            StepMatmuls matmuls = new StepMatmuls(executor);
            List<Double> sgdTrain = new ArrayList<>();
            List<Double> matmulRate = new ArrayList<>();
            List<Double> ortTrain = new ArrayList<>();
            List<Double> djlTrain = new ArrayList<>();
            List<Double> ortInfer = new ArrayList<>();
            List<Double> djlInfer = new ArrayList<>();
            List<Double> gemm = new ArrayList<>();
            try {
                for (int r = 0; r <= rounds; r++) {
                    double ot = ort.trainEpoch();
                    double dt = djl.trainEpoch();
                    double oi = ort.infer();
                    double di = djl.infer();
                    double gf = sgemm.gflops();
                    double st = sgd.trainEpoch();
                    double lt = looped.trainEpoch();
                    double mm = matmuls.samplesPerSecond();
                    System.out.printf(Locale.ROOT, "round %d%s: train ORT %.0f/s (loss %.4f), PyTorch %.0f/s (loss %.4f); "
                            + "infer ORT %.0f/s, PyTorch %.0f/s; SGEMM %.1f GFLOP/s; bounds: SGD step %.0f/s, "
                            + "matrix products alone %.0f/s; epoch in one run %.0f/s (loss %.4f)%n",
                            r, r == 0 ? " (warm-up)" : "", ot, ort.lastLoss, dt, djl.lastLoss, oi, di, gf, st, mm, lt,
                            looped.lastLoss);
                    if (r > 0) {
                        ortTrain.add(ot);
                        djlTrain.add(dt);
                        ortInfer.add(oi);
                        djlInfer.add(di);
                        gemm.add(gf);
                        sgdTrain.add(st);
                        matmulRate.add(mm);
                        loopTrain.add(lt);
                    }
                }
            } finally {
                ort.close();
                djl.close();
                sgemm.close();
                sgd.close();
                looped.close();
                matmuls.close();
            }
            double ceiling = median(gemm);
            double ot = median(ortTrain);
            double dt = median(djlTrain);
            double oi = median(ortInfer);
            double di = median(djlInfer);
            System.out.println();
            System.out.println("| measure (median) | graph engine on ORT | PyTorch (DJL) | ratio |");
            System.out.println("|---|---|---|---|");
            System.out.printf(Locale.ROOT, "| training, samples/s (batch %d) | %.0f | %.0f | %.2fx |%n", BATCH, ot, dt, ot / dt);
            System.out.printf(Locale.ROOT, "| training, GFLOP/s (share of SGEMM ceiling) | %.1f (%.0f%%) | %.1f (%.0f%%) | |%n",
                    ot * TRAIN_FLOP / 1e9, 100 * ot * TRAIN_FLOP / 1e9 / ceiling, dt * TRAIN_FLOP / 1e9,
                    100 * dt * TRAIN_FLOP / 1e9 / ceiling);
            System.out.printf(Locale.ROOT, "| inference, samples/s (batch %d) | %.0f | %.0f | %.2fx |%n", INFER_BATCH, oi, di,
                    oi / di);
            System.out.printf(Locale.ROOT, "| inference, GFLOP/s (share of SGEMM ceiling) | %.1f (%.0f%%) | %.1f (%.0f%%) | |%n",
                    oi * FWD_FLOP / 1e9, 100 * oi * FWD_FLOP / 1e9 / ceiling, di * FWD_FLOP / 1e9,
                    100 * di * FWD_FLOP / 1e9 / ceiling);
            System.out.printf(Locale.ROOT, "| ORT SGEMM 2048^3 ceiling, GFLOP/s | %.1f | | |%n", ceiling);
            double lt = median(loopTrain);
            System.out.printf(Locale.ROOT, "| training, one epoch per run (ONNX Loop), samples/s; GFLOP/s (share of ceiling) "
                    + "| %.0f; %.1f (%.0f%%) | | %.2fx |%n", lt, lt * TRAIN_FLOP / 1e9, 100 * lt * TRAIN_FLOP / 1e9 / ceiling,
                    lt / dt);
            for (Map.Entry<String, List<Double>> b : List.of(Map.entry("bound: same step with plain SGD", sgdTrain),
                    Map.entry("bound: the step's 11 matrix products alone", matmulRate))) {
                double rate = median(b.getValue());
                System.out.printf(Locale.ROOT, "| %s, samples/s; GFLOP/s (share of ceiling) | %.0f; %.1f (%.0f%%) | | |%n",
                        b.getKey(), rate, rate * TRAIN_FLOP / 1e9, 100 * rate * TRAIN_FLOP / 1e9 / ceiling);
            }
            // Paired: the ratio within each round, where both systems met the same machine load.
            System.out.printf(Locale.ROOT, "%nmedian of per-round ratios (paired): training %.2fx, inference %.2fx; "
                    + "one epoch per run against one step per run %.3fx%n", median(ratios(ortTrain, djlTrain)),
                    median(ratios(ortInfer, djlInfer)), median(ratios(loopTrain, ortTrain)));
            System.out.printf(Locale.ROOT, "%nspread (min..max): train ORT %.0f..%.0f, PyTorch %.0f..%.0f; infer ORT %.0f..%.0f, "
                    + "PyTorch %.0f..%.0f; SGEMM %.1f..%.1f%n", Collections.min(ortTrain), Collections.max(ortTrain),
                    Collections.min(djlTrain), Collections.max(djlTrain), Collections.min(ortInfer), Collections.max(ortInfer),
                    Collections.min(djlInfer), Collections.max(djlInfer), Collections.min(gemm), Collections.max(gemm));
        }
    }

    static List<Double> ratios(List<Double> a, List<Double> b) {
        List<Double> r = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            r.add(a.get(i) / b.get(i));
        }
        return r;
    }

    static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    /** The dense AE 784-256-64-256-784 (ReLU, sigmoid output) in a graph, and its MSE train step with Adam. */
    record DenseAe(Graph graph, Tensor recon, TrainStepModel trainStep) {

        static DenseAe build() {
            return build(Optimizer.adam());
        }

        static DenseAe build(Optimizer optimizer) {
            Graph graph = Graph.create(1);
            Tensor x = graph.input("x", Shape.batchOf(784));
            Tensor z = Layers.mlp("encoder", x, new long[] {256, 64}, Layers.Activation.RELU, Layers.Activation.NONE);
            Tensor recon = Layers.mlp("decoder", z, new long[] {256, 784}, Layers.Activation.RELU,
                    Layers.Activation.SIGMOID);
            return new DenseAe(graph, recon, TrainStep.builder(graph).loss(Ops.mean(Ops.pow(Ops.sub(recon, x), 2)))
                    .optimizer(optimizer).build());
        }
    }

    /** The graph engine: train-step model run by the Trainer, inference model with the trained weights. */
    static final class OrtSide implements AutoCloseable {
        final OrtExecutor executor;
        final float[] images;
        final Graph graph;
        final Tensor recon;
        final Trainer trainer;
        final TrainingData data;
        double lastLoss;
        int epoch;

        OrtSide(OrtExecutor executor, float[] images) {
            this(executor, images, Optimizer.adam());
        }

        OrtSide(OrtExecutor executor, float[] images, Optimizer optimizer) {
            this.executor = executor;
            this.images = images;
            DenseAe ae = DenseAe.build(optimizer);
            graph = ae.graph();
            recon = ae.recon();
            trainer = new Trainer(executor, ae.trainStep(), "bench-train");
            data = TrainingData.of("x", images, IMAGES);
        }

        double trainEpoch() {
            TrainingResult r = trainer.fit(data, TrainingConfig.of(1, BATCH, LR, 17 + epoch++), TrainingListener.none());
            lastLoss = r.finalLoss();
            return r.samplesPerSecond();
        }

        double infer() throws Exception {
            OnnxMl.ModelProto proto = InferenceModel.builder(graph).output("reconstruction", recon)
                    .weights(trainer.params()).build();
            try (ModelSession s = executor.load("bench-infer", proto)) {
                FloatBuffer in = ByteBuffer.allocateDirect(INFER_BATCH * 784 * 4).order(ByteOrder.nativeOrder())
                        .asFloatBuffer();
                float[] out = new float[INFER_BATCH * 784];
                run(s, in, out, 0); // first run allocates
                long start = System.nanoTime();
                for (int i = 0; i < INFER_RUNS; i++) {
                    run(s, in, out, (i * INFER_BATCH) % (IMAGES - INFER_BATCH));
                }
                return INFER_RUNS * INFER_BATCH / ((System.nanoTime() - start) / 1e9);
            }
        }

        private void run(ModelSession s, FloatBuffer in, float[] out, int from) throws Exception {
            in.clear();
            in.put(images, from * 784, INFER_BATCH * 784);
            in.flip();
            try (OnnxTensor x = OnnxTensor.createTensor(executor.environment(), in, new long[] {INFER_BATCH, 784});
                 OrtSession.Result r = s.run(Map.of("x", x))) {
                ((OnnxTensor) r.get(0)).getFloatBuffer().get(out);
            }
        }

        @Override
        public void close() {
            trainer.close();
        }
    }

    /** The same model in PyTorch through DJL: manual loop with a gradient collector (no DJL dataset overhead). */
    static final class DjlSide implements AutoCloseable {
        final float[] images;
        final Model model;
        final ai.djl.training.Trainer trainer;
        final ShuffledBatches batches;
        double lastLoss;

        DjlSide(float[] images) {
            this.images = images;
            model = Model.newInstance("dense-ae", "PyTorch");
            SequentialBlock net = new SequentialBlock()
                    .add(Linear.builder().setUnits(256).build()).add(Activation::relu)
                    .add(Linear.builder().setUnits(64).build())
                    .add(Linear.builder().setUnits(256).build()).add(Activation::relu)
                    .add(Linear.builder().setUnits(784).build()).add(Activation::sigmoid);
            model.setBlock(net);
            // A new optimizer per trainer: DJL's optimizer keeps a global step count.
            DefaultTrainingConfig cfg = new DefaultTrainingConfig(Loss.l2Loss("mse", 1f))
                    .optOptimizer(ai.djl.training.optimizer.Optimizer.adam()
                            .optLearningRateTracker(Tracker.fixed((float) LR)).build());
            trainer = model.newTrainer(cfg);
            trainer.initialize(new ai.djl.ndarray.types.Shape(BATCH, 784));
            batches = new ShuffledBatches(images, IMAGES, BATCH, 5);
        }

        double trainEpoch() {
            batches.shuffle();
            double lossSum = 0;
            int steps = IMAGES / BATCH;
            long start = System.nanoTime();
            for (int s = 0; s < steps; s++) {
                float[] batch = batches.batch(s);
                try (NDManager sub = trainer.getManager().newSubManager()) {
                    NDArray x = sub.create(batch, new ai.djl.ndarray.types.Shape(BATCH, 784));
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        NDList pred = trainer.forward(new NDList(x));
                        NDArray loss = trainer.getLoss().evaluate(new NDList(x), pred);
                        gc.backward(loss);
                        lossSum += loss.getFloat();
                    }
                    trainer.step();
                }
            }
            double rate = steps * BATCH / ((System.nanoTime() - start) / 1e9);
            lastLoss = lossSum / steps;
            return rate;
        }

        double infer() {
            ParameterStore ps = new ParameterStore(model.getNDManager(), false);
            float[] in = new float[INFER_BATCH * 784];
            float[] out = new float[INFER_BATCH * 784];
            run(ps, in, out, 0);
            long start = System.nanoTime();
            for (int i = 0; i < INFER_RUNS; i++) {
                run(ps, in, out, (i * INFER_BATCH) % (IMAGES - INFER_BATCH));
            }
            return INFER_RUNS * INFER_BATCH / ((System.nanoTime() - start) / 1e9);
        }

        private void run(ParameterStore ps, float[] in, float[] out, int from) {
            System.arraycopy(images, from * 784, in, 0, INFER_BATCH * 784);
            try (NDManager sub = model.getNDManager().newSubManager()) {
                NDArray x = sub.create(in, new ai.djl.ndarray.types.Shape(INFER_BATCH, 784));
                NDList y = model.getBlock().forward(ps, new NDList(x), false);
                float[] got = y.singletonOrThrow().toFloatArray();
                System.arraycopy(got, 0, out, 0, out.length);
            }
        }

        @Override
        public void close() {
            trainer.close();
            model.close();
        }
    }

    /**
     * The 11 matrix products of one training step of the dense AE (forward with fused ReLU, weight and input
     * gradients as the train step computes them: Gemm with transposed operands), and nothing else: the most a
     * step could reach if every elementwise op, the optimizer and ONNX Runtime's per-node work cost nothing.
     */
    static final class StepMatmuls implements AutoCloseable {
        final ModelSession session;
        final Map<String, OnnxTensor> feed = new java.util.HashMap<>();

        StepMatmuls(OrtExecutor executor) throws Exception {
            Graph g = Graph.create(0);
            long[][] layers = {{784, 256}, {256, 64}, {64, 256}, {256, 784}};
            InferenceModel.Builder model = InferenceModel.builder(g);
            SplittableRandom rng = new SplittableRandom(5);
            for (int l = 0; l < layers.length; l++) {
                long in = layers[l][0];
                long out = layers[l][1];
                Tensor x = input(g, executor, "x" + l, BATCH, in, rng);
                Tensor w = input(g, executor, "w" + l, in, out, rng);
                Tensor dy = input(g, executor, "dy" + l, BATCH, out, rng);
                model.output("y" + l, Ops.relu(Ops.gemm(x, w, null, 1, 0, false, false)));
                model.output("dw" + l, Ops.gemm(x, dy, null, 1, 0, true, false));
                if (l > 0) { // the first layer's input gradient is not needed
                    model.output("dx" + l, Ops.gemm(dy, w, null, 1, 0, false, true));
                }
            }
            session = executor.load("bench-step-matmuls", model.build());
        }

        private Tensor input(Graph g, OrtExecutor executor, String name, long rows, long cols, SplittableRandom rng)
                throws Exception {
            float[] v = new float[(int) (rows * cols)];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) rng.nextDouble(-1, 1);
            }
            feed.put(name, OnnxTensor.createTensor(executor.environment(), FloatBuffer.wrap(v), new long[] {rows, cols}));
            return g.input(name, Shape.of(rows, cols));
        }

        /** Runs as many times as an epoch has steps; samples/s as if each run were a step of {@code BATCH}. */
        double samplesPerSecond() {
            session.run(feed).close(); // warm
            int runs = IMAGES / BATCH;
            long start = System.nanoTime();
            for (int i = 0; i < runs; i++) {
                session.run(feed).close();
            }
            return runs * BATCH / ((System.nanoTime() - start) / 1e9);
        }

        @Override
        public void close() {
            feed.values().forEach(OnnxTensor::close);
            session.close();
        }
    }

    /** ONNX Runtime's SGEMM on 2048x2048 matrices: the practical FLOP ceiling of the machine. */
    static final class Sgemm implements AutoCloseable {
        static final int N = 2048;
        final ModelSession session;
        final OnnxTensor a;
        final OnnxTensor b;

        Sgemm(OrtExecutor executor) throws Exception {
            Graph g = Graph.create(0);
            Tensor x = g.input("a", Shape.of(N, N));
            Tensor y = g.input("b", Shape.of(N, N));
            session = executor.load("bench-sgemm", InferenceModel.builder(g).output("c", Ops.matmul(x, y)).build());
            float[] v = new float[N * N];
            SplittableRandom r = new SplittableRandom(3);
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) r.nextDouble();
            }
            a = OnnxTensor.createTensor(executor.environment(), FloatBuffer.wrap(v), new long[] {N, N});
            b = OnnxTensor.createTensor(executor.environment(), FloatBuffer.wrap(v), new long[] {N, N});
        }

        double gflops() {
            session.run(Map.of("a", a, "b", b)).close(); // warm
            List<Double> rates = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                long start = System.nanoTime();
                session.run(Map.of("a", a, "b", b)).close();
                rates.add(2.0 * N * N * N / ((System.nanoTime() - start) / 1e9) / 1e9);
            }
            return Collections.max(rates);
        }

        @Override
        public void close() {
            a.close();
            b.close();
            session.close();
        }
    }

    /** The first {@code count} Fashion-MNIST training images, scaled to [0, 1]. */
    static float[] loadImages(int count) throws IOException {
        Path file = Path.of(System.getProperty("hourglass.fashion.mnist", "/usr/share/datasets/fashion-mnist"),
                "train-images-idx3-ubyte.gz");
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("Fashion-MNIST not found at " + file
                    + ": apt-get install dataset-fashion-mnist, or -Dhourglass.fashion.mnist=DIR");
        }
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new GZIPInputStream(raw, 1 << 16))) {
            if (in.readInt() != 2051) {
                throw new IOException(file + " is not an IDX image file");
            }
            in.readInt();
            in.readInt();
            in.readInt();
            byte[] bytes = new byte[count * 784];
            in.readFully(bytes);
            float[] out = new float[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                out[i] = (bytes[i] & 0xFF) / 255f;
            }
            return out;
        }
    }
}
