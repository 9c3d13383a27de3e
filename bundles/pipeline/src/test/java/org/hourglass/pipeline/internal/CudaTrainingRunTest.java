package org.hourglass.pipeline.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.abort;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hourglass.api.executor.Device;
import org.hourglass.api.executor.ExecutorException;
import org.hourglass.api.executor.OnnxExecutor;
import org.hourglass.executor.internal.ExecutorSettings;
import org.hourglass.executor.internal.OrtExecutor;
import org.hourglass.spi.Dataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CUDA path: the same pipeline training job (validation split, checkpoints, threshold, evaluation), same seed,
 * once with {@code device=cuda} and once with {@code device=cpu}; the scores must agree. Reported as skipped, with
 * the reason, where this ONNX Runtime build has no CUDA provider (the default CPU build; {@code -Pgpu} builds the
 * CUDA one) or where no CUDA device answers.
 *
 * <p>Tolerances: CPU training is reproducible bit for bit ({@link TrainingRunTest#sameSeedSameModel}), but cuBLAS
 * sums in another order and, on Ampere and newer GPUs, rounds matrix-product inputs to TF32 (10-bit mantissa,
 * relative error about 5e-4) unless told otherwise. Both runs start from identical weights and see identical batches,
 * so the first epoch's mean loss may differ only by that rounding (1%); after 20 epochs (400 Adam steps) the weights
 * have drifted apart by the accumulated rounding, so the scores are compared as a model's quality is: the same
 * ranking (Spearman correlation of the scores of 400 evaluation samples >= 0.98), the same scale (median relative
 * difference of the scores <= 10%), the same AUROC within 0.02 and the same final loss within 10%.
 */
class CudaTrainingRunTest {

    static final int EPOCHS = 20;

    @TempDir
    Path dir;

    private static final Dataset TRAIN = Fixtures.data(800, 0, 1);
    private static final Dataset EVAL = Fixtures.data(400, 0.25, 2);

    @Test
    void trainingOnCudaScoresLikeTrainingOnTheCpu() throws Exception {
        EnumSet<OrtProvider> providers = OrtEnvironment.getAvailableProviders();
        assumeTrue(providers.contains(OrtProvider.CUDA), () -> "no CUDA execution provider in this ONNX Runtime "
                + "build (providers " + providers + "): build with -Pgpu, on a machine with a CUDA GPU, to run it");
        OrtExecutor gpu;
        try {
            gpu = new OrtExecutor(ExecutorSettings.defaults().withDevice(Device.CUDA).withThreads(2, 1));
        } catch (ExecutorException e) {
            abort("the ONNX Runtime build has the CUDA provider, but CUDA did not start (no device, or the CUDA 12 "
                    + "and cuDNN 9 libraries are missing): " + e.getMessage());
            return;
        }
        try (OrtExecutor cuda = gpu;
             OrtExecutor cpu = new OrtExecutor(ExecutorSettings.defaults().withDevice(Device.CPU).withThreads(2, 1))) {
            assertEquals(Device.CUDA, cuda.info().active(), cuda.info().reason());
            Trained onGpu = train(cuda, dir.resolve("cuda"));
            Trained onCpu = train(cpu, dir.resolve("cpu"));
            System.out.printf(Locale.ROOT, "CUDA vs CPU (%s): first-epoch loss %.6f / %.6f, final loss %.6f / %.6f, "
                    + "AUROC %.4f / %.4f%n", cuda.info().reason(), onGpu.losses.get(0), onCpu.losses.get(0),
                    onGpu.finalLoss, onCpu.finalLoss, onGpu.auroc, onCpu.auroc);

            assertEquals(EPOCHS, onGpu.losses.size());
            assertEquals(onCpu.losses.get(0), onGpu.losses.get(0), 0.01 * onCpu.losses.get(0),
                    "first epoch: same start, same batches");
            assertEquals(onCpu.finalLoss, onGpu.finalLoss, 0.1 * onCpu.finalLoss, "final training loss");
            assertEquals(onCpu.auroc, onGpu.auroc, 0.02, "evaluation AUROC");
            double rho = spearman(onGpu.scores, onCpu.scores);
            assertTrue(rho >= 0.98, "scores rank the samples alike: Spearman " + rho);
            double median = medianRelativeDifference(onGpu.scores, onCpu.scores);
            assertTrue(median <= 0.1, "scores agree in scale: median relative difference " + median);
        }
    }

    /** What one device's training produced. */
    private record Trained(List<Double> losses, double finalLoss, double auroc, double[] scores) {
    }

    private static Trained train(OnnxExecutor executor, Path modelDir) throws Exception {
        Settings s = Fixtures.settings(modelDir, EPOCHS, 0, true);
        TrainingRun run = new TrainingRun(s, Fixtures.plugins(() -> TRAIN, () -> EVAL), executor,
                new ModelStore(s.storeDir()), "fingerprint", Map.of("epochs", s.epochs()));
        try (ServedModel served = Fixtures.served(run, executor)) {
            Map<String, Double> metrics = served.record().metrics();
            return new Trained(run.progress().epochLosses(), metrics.get("final_loss"), metrics.get("eval_auroc"),
                    served.score(EVAL.samples().values(), EVAL.count()));
        }
    }

    static double spearman(double[] a, double[] b) {
        double[] ra = ranks(a);
        double[] rb = ranks(b);
        double n = a.length;
        double mean = (n + 1) / 2;
        double sab = 0;
        double saa = 0;
        double sbb = 0;
        for (int i = 0; i < a.length; i++) {
            sab += (ra[i] - mean) * (rb[i] - mean);
            saa += (ra[i] - mean) * (ra[i] - mean);
            sbb += (rb[i] - mean) * (rb[i] - mean);
        }
        return sab / Math.sqrt(saa * sbb);
    }

    /** 1-based ranks, ties sharing their mean rank. */
    static double[] ranks(double[] v) {
        Integer[] order = new Integer[v.length];
        for (int i = 0; i < v.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Double.compare(v[x], v[y]));
        double[] r = new double[v.length];
        for (int i = 0; i < v.length;) {
            int j = i;
            while (j + 1 < v.length && v[order[j + 1]] == v[order[i]]) {
                j++;
            }
            for (int k = i; k <= j; k++) {
                r[order[k]] = (i + j) / 2.0 + 1;
            }
            i = j + 1;
        }
        return r;
    }

    static double medianRelativeDifference(double[] a, double[] b) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-12);
        }
        Arrays.sort(d);
        return d.length % 2 == 1 ? d[d.length / 2] : (d[d.length / 2 - 1] + d[d.length / 2]) / 2;
    }

    @Test
    void comparisonHelpersMeasureWhatTheySay() {
        double[] a = {0.1, 0.4, 0.2, 0.9};
        assertEquals(1.0, spearman(a, new double[] {1, 4, 2, 9}), 1e-12);
        assertEquals(-1.0, spearman(a, new double[] {9, 2, 4, 1}), 1e-12);
        assertEquals(List.of(1.5, 1.5, 3.0), Arrays.stream(ranks(new double[] {2, 2, 5})).boxed().toList());
        assertEquals(0.1, medianRelativeDifference(new double[] {1.1, 2.2, 3}, new double[] {1, 2, 3}), 1e-12);
    }
}
