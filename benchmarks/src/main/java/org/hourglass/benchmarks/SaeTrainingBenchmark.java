package org.hourglass.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.tracker.Tracker;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.hourglass.executor.internal.ExecutorSettings;
import org.hourglass.executor.internal.OrtExecutor;
import org.hourglass.family.topk.blocks.SaeBlocks;
import org.hourglass.graph.Graph;
import org.hourglass.graph.Ops;
import org.hourglass.graph.Optimizer;
import org.hourglass.graph.ShapeOps;
import org.hourglass.graph.Tensor;
import org.hourglass.graph.TrainStep;
import org.hourglass.graph.TrainStepModel;
import org.hourglass.training.Trainer;
import org.hourglass.training.TrainingConfig;
import org.hourglass.training.TrainingData;
import org.hourglass.training.TrainingListener;
import org.hourglass.training.TrainingResult;

/**
 * TopK sparse autoencoder training (d = 384, 8x expansion = 3072 latents, k = 32, batch 4096, Adam 1e-3) on real
 * MiniLM activations: samples/s of the graph engine's train step on ONNX Runtime against the same model in PyTorch
 * (libtorch through DJL), same threads, interleaved round by round in one process; medians and paired ratios.
 *
 * <p>The model is the {@code topk} family's, built from its exported {@code SaeBlocks}: {@code pre = (x - b_pre) W_enc + b_enc}, {@code z = ReLU(pre)} where
 * {@code pre} is among the row's k largest (a mask at the k-th value), {@code x̂ = z W_dec + b_pre}, MSE plus AuxK
 * (the 192 largest pre-activations among latents idle for 100,000 samples decode the residual, weight 1/32), an
 * idle-count buffer, decoder rows projected to unit norm after every update, {@code b_pre} at the data mean.
 * Both sides compute every part every step (AuxK included, zero while no latent is dead).
 *
 * <p>Rows: the {@code .npy} cache the {@code onnx-activations} data source writes ({@code benchmarks/sae/run.py}
 * makes it under {@code benchmarks/sae/target/activations/block3}), or the file named by {@code -Dsae.activations}.
 */
public final class SaeTrainingBenchmark {

    static final int D = 384;
    static final int N = 8 * D;
    static final int K = 32;
    static final int AUX_K = D / 2;
    static final double AUX_COEFFICIENT = 1.0 / 32;
    static final long DEAD_TOKENS = 100_000;
    static final long SEED = 1;
    static final int BATCH = 4096;
    /** Batches per round per system (the rows are cycled, reshuffled each round). */
    static final int STEPS = 10;
    static final double LR = 1e-3;
    /** GEMM FLOPs per sample: encoder and decoder forward 2*2*d*n, their weight and input gradients twice that
     *  (minus the unneeded input gradient of the encoder), plus the AuxK decoder forward and its weight gradient. */
    static final double TRAIN_FLOP = 2.0 * D * N * (2 + 3 + 2);

    private SaeTrainingBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = Integer.getInteger("bench.rounds", 9);
        int threads = Integer.getInteger("bench.threads", 2);
        Path file = activationsFile();
        float[] rows = readNpy(file);
        int count = rows.length / D;
        if (count < BATCH) {
            throw new IllegalStateException(file + " has " + count + " rows; the benchmark needs at least " + BATCH);
        }
        System.out.printf(Locale.ROOT, "TopK SAE d=%d n=%d k=%d, AuxK %d, batch %d, %d steps per round, Adam %.0e; "
                + "%d MiniLM rows from %s; %d threads, %d measured rounds (+1 warm-up)%n", D, N, K, AUX_K, BATCH,
                STEPS, LR, count, file.getFileName(), threads, rounds);

        try (OrtExecutor executor = new OrtExecutor(ExecutorSettings.defaults().withThreads(threads, 1))) {
            OrtSide ort = new OrtSide(executor, rows, count);
            DjlSide djl = new DjlSide(rows, count);
            List<Double> ortRates = new ArrayList<>();
            List<Double> djlRates = new ArrayList<>();
            try {
                for (int r = 0; r <= rounds; r++) {
                    double o = ort.train();
                    double t = djl.train();
                    System.out.printf(Locale.ROOT, "round %d%s: ORT %.0f samples/s (loss %.4f), PyTorch %.0f samples/s "
                            + "(loss %.4f)%n", r, r == 0 ? " (warm-up)" : "", o, ort.lastLoss, t, djl.lastLoss);
                    if (r > 0) {
                        ortRates.add(o);
                        djlRates.add(t);
                    }
                }
            } finally {
                ort.close();
                djl.close();
            }
            double o = DenseAutoencoderBenchmark.median(ortRates);
            double t = DenseAutoencoderBenchmark.median(djlRates);
            System.out.println();
            System.out.println("| measure (median) | graph engine on ORT | PyTorch (DJL) | ratio |");
            System.out.println("|---|---|---|---|");
            System.out.printf(Locale.ROOT, "| training, samples/s (batch %d) | %.0f | %.0f | %.2fx |%n", BATCH, o, t, o / t);
            System.out.printf(Locale.ROOT, "| training, GEMM GFLOP/s | %.1f | %.1f | |%n", o * TRAIN_FLOP / 1e9,
                    t * TRAIN_FLOP / 1e9);
            System.out.printf(Locale.ROOT, "%nmedian of per-round ratios (paired): %.2fx%n",
                    DenseAutoencoderBenchmark.median(DenseAutoencoderBenchmark.ratios(ortRates, djlRates)));
            System.out.printf(Locale.ROOT, "spread (min..max): ORT %.0f..%.0f, PyTorch %.0f..%.0f%n",
                    Collections.min(ortRates), Collections.max(ortRates), Collections.min(djlRates),
                    Collections.max(djlRates));
        }
    }

    /** The graph engine: the topk family's training graph (forward, MSE + AuxK, Adam, projections) run by the Trainer. */
    static final class OrtSide implements AutoCloseable {
        final Trainer trainer;
        final TrainingData data;
        double lastLoss;
        int round;

        OrtSide(OrtExecutor executor, float[] rows, int count) {
            Graph g = Graph.create(SEED);
            Tensor x = g.input("x", org.hourglass.graph.Shape.batchOf(D));
            // The topk family's graph: its exported blocks, and its selection (a mask at the row's k-th value).
            SaeBlocks.Params p = SaeBlocks.params(g, D, N);
            Tensor pre = SaeBlocks.preActivations(g, x, p.wEnc(), p.bEnc(), p.bPre());
            ShapeOps.TopK top = ShapeOps.topK(Ops.stopGradient(pre), K, 1);
            Tensor kth = ShapeOps.slice(top.values(), new long[] {1}, new long[] {K - 1}, new long[] {K});
            Tensor z = Ops.where(Ops.greaterOrEqual(pre, kth), Ops.relu(pre), g.scalar(0.0));
            Tensor recon = SaeBlocks.decode(g, z, p.wDec(), p.bPre());
            Tensor aux = SaeBlocks.auxLoss(g, pre, p.wDec(), Ops.stopGradient(Ops.sub(x, recon)),
                    SaeBlocks.deadMask(g, p.idle(), DEAD_TOKENS), AUX_K, AUX_COEFFICIENT);
            SaeBlocks.trackIdle(g, p.idle(), SaeBlocks.active(g, z), SaeBlocks.rowCount(g, x), DEAD_TOKENS);
            SaeBlocks.unitNormRows(g, p.wDec());
            SaeBlocks.startAtBatchMean(g, p.bPre(), x);

            TrainStepModel model = TrainStep.builder(g).loss(Ops.add(Ops.mean(Ops.pow(Ops.sub(recon, x), 2)), aux)).optimizer(Optimizer.adam())
                    .build();
            trainer = new Trainer(executor, model, "bench-sae-train");
            // STEPS full batches per round: the Trainer shuffles these rows each epoch.
            int used = Math.min(count, STEPS * BATCH);
            float[] slice = new float[used * D];
            System.arraycopy(rows, 0, slice, 0, slice.length);
            data = TrainingData.of("x", slice, used);
        }

        double train() {
            TrainingResult r = trainer.fit(data, TrainingConfig.of(1, BATCH, LR, 17 + round++), TrainingListener.none());
            lastLoss = r.finalLoss();
            return r.samplesPerSecond();
        }

        @Override
        public void close() {
            trainer.close();
        }
    }

    /**
     * The same model in PyTorch through DJL: parameters as NDArrays, forward and backward in a gradient collector,
     * DJL's Adam update (libtorch's fused one per parameter), the decoder projection and the idle counts as tensor
     * ops outside autograd.
     */
    static final class DjlSide implements AutoCloseable {
        final NDManager manager = NDManager.newBaseManager("PyTorch");
        final float[] rows;
        final int used;
        final int[] order;
        final SplittableRandom rng = new SplittableRandom(5);
        final NDArray wEnc;
        final NDArray bEnc;
        final NDArray wDec;
        final NDArray bPre;
        NDArray idle;
        final ai.djl.training.optimizer.Optimizer adam = ai.djl.training.optimizer.Optimizer.adam()
                .optLearningRateTracker(Tracker.fixed((float) LR)).build();
        double lastLoss;

        DjlSide(float[] rows, int count) {
            this.rows = rows;
            used = Math.min(count, STEPS * BATCH);
            order = new int[used];
            for (int i = 0; i < used; i++) {
                order[i] = i;
            }
            // The same start as the graph's parameters (SaeBlocks.params derives its seed from the graph's).
            double[] dec = SaeBlocks.unitRows(N, D, SEED * 0x9E3779B97F4A7C15L + 0x5AE);
            wDec = manager.create(toFloats(dec), new Shape(N, D));
            wEnc = manager.create(toFloats(transpose(dec)), new Shape(D, N));
            bEnc = manager.zeros(new Shape(N));
            // b_pre at the data mean, as the graph's first-step projection sets it.
            bPre = manager.create(rows, new Shape(count, D)).mean(new int[] {0});
            idle = manager.zeros(new Shape(N));
            for (NDArray p : new NDArray[] {wEnc, bEnc, wDec, bPre}) {
                p.setRequiresGradient(true);
            }
        }

        double train() {
            for (int i = used - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            float[] batch = new float[BATCH * D];
            double lossSum = 0;
            int steps = used / BATCH;
            long start = System.nanoTime();
            for (int s = 0; s < steps; s++) {
                for (int r = 0; r < BATCH; r++) {
                    System.arraycopy(rows, order[s * BATCH + r] * D, batch, r * D, D);
                }
                try (NDManager sub = manager.newSubManager()) {
                    NDArray x = sub.create(batch, new Shape(BATCH, D));
                    // Results of ops on arrays of the base manager land there: move the temporaries to sub.
                    NDArray dead = idle.gte(DEAD_TOKENS);
                    dead.attach(sub);
                    NDArray z;
                    try (GradientCollector gc = manager.getEngine().newGradientCollector()) {
                        gc.zeroGradients();
                        NDArray pre = x.sub(bPre).matMul(wEnc).add(bEnc);
                        NDArray kth = pre.stopGradient().topK(K, 1, true, true).get(0).get(":, " + (K - 1) + ":" + K);
                        NDArray relu = pre.maximum(0f);
                        // DJL's where does not broadcast its condition: masks are multiplied in instead.
                        z = relu.mul(pre.gte(kth).toType(DataType.FLOAT32, false));
                        NDArray recon = z.matMul(wDec).add(bPre);
                        NDArray mse = recon.sub(x).square().mean();

                        NDArray residual = x.sub(recon).stopGradient();
                        NDArray deadF = dead.toType(DataType.FLOAT32, false);
                        NDArray candidates = pre.stopGradient().mul(deadF).add(deadF.sub(1f).mul(1e30f));
                        NDArray auxKth = candidates.topK(AUX_K, 1, true, true).get(0)
                                .get(":, " + (AUX_K - 1) + ":" + AUX_K);
                        NDArray zAux = relu.mul(candidates.gte(auxKth).logicalAnd(dead).toType(DataType.FLOAT32, false));
                        NDArray diff = zAux.matMul(wDec).sub(residual);
                        NDArray centred = residual.sub(residual.mean(new int[] {0}, true));
                        NDArray scale = centred.square().mean().add(1e-12f);
                        NDArray anyDead = deadF.sum().gt(0).toType(DataType.FLOAT32, false);
                        NDArray aux = diff.square().mean().div(scale).mul(anyDead).mul((float) AUX_COEFFICIENT);
                        NDArray loss = mse.add(aux);
                        gc.backward(loss);
                        lossSum += loss.getFloat();
                    }
                    String[] ids = {"W_enc", "b_enc", "W_dec", "b_pre"};
                    NDArray[] params = {wEnc, bEnc, wDec, bPre};
                    for (int p = 0; p < params.length; p++) {
                        try (NDArray grad = params[p].getGradient()) {
                            adam.update(ids[p], params[p], grad);
                        }
                    }
                    // Outside the collector autograd is off: in-place projection and idle counts.
                    NDArray squares = wDec.square();
                    squares.attach(sub);
                    wDec.divi(squares.sum(new int[] {1}, true).add(1e-12f).sqrt());
                    NDArray fired = z.gt(0).toType(DataType.FLOAT32, false).max(new int[] {0});
                    NDArray counted = idle.add((float) BATCH);
                    counted.attach(sub);
                    NDArray next = counted.clip(0, 2 * DEAD_TOKENS).mul(fired.neg().add(1f));
                    next.attach(manager);
                    idle.close();
                    idle = next;
                }
            }
            double rate = steps * BATCH / ((System.nanoTime() - start) / 1e9);
            lastLoss = lossSum / steps;
            return rate;
        }

        @Override
        public void close() {
            manager.close();
        }
    }

    static Path activationsFile() throws IOException {
        String named = System.getProperty("sae.activations", "");
        if (!named.isBlank()) {
            return Path.of(named);
        }
        Path dir = Path.of(System.getProperty("sae.activations.dir", "sae/target/activations/block3"));
        List<Path> found = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.npy")) {
                files.forEach(found::add);
            }
        }
        if (found.size() != 1) {
            throw new IllegalStateException("expected one .npy activations cache in " + dir.toAbsolutePath() + ", found "
                    + found.size() + ": run benchmarks/sae/run.py --variants topk first, or -Dsae.activations=FILE");
        }
        return found.get(0);
    }

    /** A float32, C-ordered 2-D {@code .npy} file with {@value #D} columns. */
    static float[] readNpy(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        if (all.length < 10 || (all[0] & 0xFF) != 0x93 || all[1] != 'N') {
            throw new IOException(file + " is not a .npy file");
        }
        int headerLength = all[6] == 1 ? (b.getShort(8) & 0xFFFF) : b.getInt(8);
        int offset = all[6] == 1 ? 10 : 12;
        String header = new String(all, offset, headerLength, StandardCharsets.ISO_8859_1);
        if (!header.contains("'<f4'") || header.contains("'fortran_order': True") || !header.contains(", " + D + ")")) {
            throw new IOException(file + ": expected little-endian float32 rows of " + D + ", header " + header.trim());
        }
        int start = offset + headerLength;
        float[] out = new float[(all.length - start) / 4];
        b.position(start);
        b.asFloatBuffer().get(out);
        return out;
    }

    static double[] transpose(double[] m) {
        double[] t = new double[m.length];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < D; j++) {
                t[j * N + i] = m[i * D + j];
            }
        }
        return t;
    }

    static float[] toFloats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }
}
