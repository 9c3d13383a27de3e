package org.hourglass.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.hourglass.executor.internal.OrtExecutor;
import org.hourglass.graph.TrainStepModel;
import org.hourglass.training.Trainer;
import org.hourglass.training.TrainingResult;

/**
 * The harness of the training-only benchmarks: the graph engine and PyTorch train one epoch each per round,
 * interleaved, then ONNX Runtime's SGEMM measures the ceiling of the moment; prints every round, then medians, the
 * ratio of the medians, the median of the per-round (paired) ratios and the share of the ceiling as a Markdown table.
 */
final class PairedTraining {

    /** One system's training loop. */
    interface Side extends AutoCloseable {

        /** Trains one epoch; returns samples per second. */
        double trainEpoch() throws Exception;

        /** Mean loss of the last epoch. */
        double lastLoss();

        @Override
        void close();
    }

    /** The graph engine's side: one {@code Trainer.fit} of one epoch per round. */
    abstract static class TrainerSide implements Side {
        final Trainer trainer;
        private double lastLoss;

        TrainerSide(OrtExecutor executor, TrainStepModel model, String name) {
            trainer = new Trainer(executor, model, name);
        }

        /** Fits one epoch. */
        abstract TrainingResult fitEpoch();

        @Override
        public double trainEpoch() {
            TrainingResult r = fitEpoch();
            lastLoss = r.finalLoss();
            return r.samplesPerSecond();
        }

        @Override
        public double lastLoss() {
            return lastLoss;
        }

        @Override
        public void close() {
            trainer.close();
        }
    }

    /**
     * The same model in PyTorch (libtorch through DJL), written as reference code is: parameters as NDArrays, forward
     * and backward in a gradient collector, DJL's Adam update per parameter; {@code steps} batches an epoch.
     */
    abstract static class TorchSide implements Side {
        final NDManager manager = NDManager.newBaseManager("PyTorch");
        private final List<String> names = new ArrayList<>();
        private final List<NDArray> params = new ArrayList<>();
        private final Optimizer adam;
        private final int steps;
        private final int batch;
        private double lastLoss;

        TorchSide(double lr, int steps, int batch) {
            adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed((float) lr)).build();
            this.steps = steps;
            this.batch = batch;
        }

        /** Registers a trained parameter under {@code name} (Adam's key for its state). */
        final NDArray param(String name, NDArray value) {
            value.setRequiresGradient(true);
            names.add(name);
            params.add(value);
            return value;
        }

        /** The inputs of batch {@code step}, created in {@code sub}. */
        abstract NDList inputs(NDManager sub, int step);

        /** The mean loss of one batch. */
        abstract NDArray loss(NDList inputs);

        @Override
        public double trainEpoch() {
            double lossSum = 0;
            long start = System.nanoTime();
            for (int s = 0; s < steps; s++) {
                try (NDManager sub = manager.newSubManager()) {
                    NDList in = inputs(sub, s);
                    try (GradientCollector gc = manager.getEngine().newGradientCollector()) {
                        gc.zeroGradients();
                        NDArray loss = loss(in);
                        gc.backward(loss);
                        lossSum += loss.getFloat();
                    }
                    for (int p = 0; p < params.size(); p++) {
                        try (NDArray grad = params.get(p).getGradient()) {
                            adam.update(names.get(p), params.get(p), grad);
                        }
                    }
                }
            }
            double rate = steps * batch / ((System.nanoTime() - start) / 1e9);
            lastLoss = lossSum / steps;
            return rate;
        }

        @Override
        public double lastLoss() {
            return lastLoss;
        }

        @Override
        public void close() {
            manager.close();
        }
    }

    private PairedTraining() {
    }

    /**
     * Runs 1 warm-up and {@code rounds} measured rounds; {@code flopPerSample} counts the training step's
     * convolutions and matrix products.
     */
    static void run(Side ort, Side djl, DenseAutoencoderBenchmark.Sgemm sgemm, int rounds, int batch,
                    double flopPerSample) throws Exception {
        List<Double> ortRates = new ArrayList<>();
        List<Double> djlRates = new ArrayList<>();
        List<Double> gemm = new ArrayList<>();
        List<Double> ortLosses = new ArrayList<>();
        List<Double> djlLosses = new ArrayList<>();
        for (int r = 0; r <= rounds; r++) {
            double o = ort.trainEpoch();
            double t = djl.trainEpoch();
            double gf = sgemm.gflops();
            System.out.printf(Locale.ROOT, "round %d%s: ORT %.0f samples/s (loss %.4f), PyTorch %.0f samples/s "
                    + "(loss %.4f); SGEMM %.1f GFLOP/s%n", r, r == 0 ? " (warm-up)" : "", o, ort.lastLoss(), t,
                    djl.lastLoss(), gf);
            ortLosses.add(ort.lastLoss());
            djlLosses.add(djl.lastLoss());
            if (r > 0) {
                ortRates.add(o);
                djlRates.add(t);
                gemm.add(gf);
            }
        }
        double ceiling = DenseAutoencoderBenchmark.median(gemm);
        double o = DenseAutoencoderBenchmark.median(ortRates);
        double t = DenseAutoencoderBenchmark.median(djlRates);
        System.out.println();
        System.out.println("| measure (median) | graph engine on ORT | PyTorch (DJL) | ratio |");
        System.out.println("|---|---|---|---|");
        System.out.printf(Locale.ROOT, "| training, samples/s (batch %d) | %.0f | %.0f | %.2fx |%n", batch, o, t,
                o / t);
        System.out.printf(Locale.ROOT,
                "| training, GFLOP/s (share of SGEMM ceiling) | %.1f (%.0f%%) | %.1f (%.0f%%) | |%n",
                o * flopPerSample / 1e9, 100 * o * flopPerSample / 1e9 / ceiling, t * flopPerSample / 1e9,
                100 * t * flopPerSample / 1e9 / ceiling);
        System.out.printf(Locale.ROOT, "| ORT SGEMM 2048^3 ceiling, GFLOP/s | %.1f | | |%n", ceiling);
        System.out.printf(Locale.ROOT, "%nmedian of per-round ratios (paired): %.2fx%n",
                DenseAutoencoderBenchmark.median(DenseAutoencoderBenchmark.ratios(ortRates, djlRates)));
        System.out.printf(Locale.ROOT, "spread (min..max): ORT %.0f..%.0f, PyTorch %.0f..%.0f; SGEMM %.1f..%.1f%n",
                Collections.min(ortRates), Collections.max(ortRates), Collections.min(djlRates),
                Collections.max(djlRates), Collections.min(gemm), Collections.max(gemm));
        // Under outside load the fastest round is the one least disturbed: its ratio is a second robust view.
        double ob = Collections.max(ortRates);
        double tb = Collections.max(djlRates);
        System.out.printf(Locale.ROOT, "best rounds: ORT %.0f samples/s (%.1f GFLOP/s, %.0f%% of the ceiling), PyTorch "
                + "%.0f samples/s (%.1f GFLOP/s); ratio %.2fx%n", ob, ob * flopPerSample / 1e9,
                100 * ob * flopPerSample / 1e9 / Collections.max(gemm), tb, tb * flopPerSample / 1e9, ob / tb);
        System.out.printf(Locale.ROOT, "mean loss, first and last epoch: ORT %.4f, %.4f; PyTorch %.4f, %.4f%n",
                ortLosses.get(0), ortLosses.get(ortLosses.size() - 1), djlLosses.get(0),
                djlLosses.get(djlLosses.size() - 1));
    }
}
