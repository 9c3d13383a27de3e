package org.hourglass.benchmarks;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.hourglass.api.executor.ModelSession;
import org.hourglass.api.pipeline.Pipeline;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.api.pipeline.PipelineStatus;
import org.hourglass.api.pipeline.TrainingProgress;
import org.hourglass.executor.internal.ExecutorSettings;
import org.hourglass.executor.internal.OrtExecutor;
import org.hourglass.graph.InferenceModel;
import org.hourglass.graph.TrainStepModel;
import org.hourglass.training.Trainer;
import org.hourglass.training.TrainingConfig;
import org.hourglass.training.TrainingData;
import org.hourglass.training.TrainingListener;
import org.hourglass.launcher.Hourglass;
import org.hourglass.launcher.HourglassPlatform;

/**
 * Memory over a long training run: after every epoch, the Java heap in use after a full GC, the direct buffers the
 * JVM tracks and the process's resident set (VmRSS, which holds ONNX Runtime's arenas and every other native
 * allocation), with a least-squares slope per epoch over the second half of the run. Two runs: the graph engine's
 * {@code Trainer} alone (one {@code fit} of many epochs), and a whole pipeline in an embedded platform (the
 * launcher), whose epochs also run a validation session and write a checkpoint.
 *
 * <p>{@code -Dbench.mode=trainer|pipeline|both|sessions}, {@code -Dbench.epochs=40}, {@code -Dbench.bundles=DIR}
 * (the embedding example's {@code target/bundles}). {@code sessions} loads, runs and closes the pipeline's
 * per-epoch validation session alone, ten per round, to tell a per-session leak from allocator drift.
 */
public final class MemoryBenchmark {

    static final int IMAGES = 10240;
    static final int BATCH = 128;
    static final long MIB = 1L << 20;
    static final int VALIDATION = 1138;
    static final int SESSIONS_PER_ROUND = 10;

    private MemoryBenchmark() {
    }

    /** One epoch's reading, bytes. */
    record Sample(int epoch, long heapAfterGc, long heapCommitted, long nonHeap, long direct, long rss) {
    }

    /** Slope (bytes per epoch) of a least-squares line, its standard error, and the change first to last point. */
    record Fit(double slope, double stdError, double change) {

        /** A leak: clearly above the fit's noise and above what allocator and page granularity explain. */
        boolean growing(double floorPerEpoch) {
            return slope > 3 * stdError && slope > floorPerEpoch;
        }
    }

    public static void main(String[] args) throws Exception {
        String mode = System.getProperty("bench.mode", "both");
        int epochs = Integer.getInteger("bench.epochs", 40);
        int threads = Integer.getInteger("bench.threads", 2);
        if (epochs < 8) {
            throw new IllegalArgumentException("bench.epochs must be >= 8 for a slope over the second half, was "
                    + epochs);
        }
        if (!List.of("trainer", "pipeline", "both", "sessions").contains(mode)) {
            throw new IllegalArgumentException("bench.mode must be trainer, pipeline, both or sessions, was " + mode);
        }
        boolean leak = false;
        if (mode.equals("sessions")) {
            leak = report("validation sessions", sessions(epochs, threads), SESSIONS_PER_ROUND, false, "round",
                    "session");
            System.out.println(leak ? "VERDICT: memory grows over rounds (see above)"
                    : "VERDICT: flat, no growth above noise");
            return;
        }
        if (mode.equals("trainer") || mode.equals("both")) {
            leak |= report("Trainer.fit", trainer(epochs, threads), IMAGES / BATCH, false);
        }
        if (mode.equals("pipeline") || mode.equals("both")) {
            Path bundles = Path.of(System.getProperty("bench.bundles",
                    "../bundles/embedding/example/target/bundles"));
            int train = (int) Math.round(IMAGES / 0.9); // the pipeline holds 10% out for validation
            leak |= report("pipeline (embedded platform)", pipeline(epochs, threads, bundles, train), IMAGES / BATCH,
                    true);
        }
        System.out.println(leak ? "VERDICT: memory grows over epochs (see above)" : "VERDICT: flat, no growth above noise");
    }

    /** The dense AE of {@link DenseAutoencoderBenchmark} trained by the graph engine for {@code epochs} epochs. */
    static List<Sample> trainer(int epochs, int threads) throws IOException {
        float[] images = DenseAutoencoderBenchmark.loadImages(IMAGES);
        System.out.printf(Locale.ROOT, "%nTrainer: dense AE 784-256-64-256-784, %d images, batch %d, %d epochs, "
                + "%d threads%n", IMAGES, BATCH, epochs, threads);
        List<Sample> samples = new ArrayList<>();
        samples.add(measure(-1));
        try (OrtExecutor executor = new OrtExecutor(ExecutorSettings.defaults().withThreads(threads, 1))) {
            TrainStepModel model = DenseAutoencoderBenchmark.DenseAe.build().trainStep();
            try (Trainer trainer = new Trainer(executor, model, "memory-train")) {
                trainer.fit(TrainingData.of("x", images, IMAGES), TrainingConfig.of(epochs, BATCH, 1e-3, 7),
                        TrainingListener.onEpochs(e -> {
                            // On the training thread, between epochs: nothing of the run is in flight.
                            Sample s = measure(e.epoch());
                            samples.add(s);
                            print(s, e.meanLoss());
                        }));
            }
        }
        return samples;
    }

    /**
     * The pipeline's per-epoch validation in isolation: a session of the dense AE's inference model (its 1.4 MB of
     * weights as initializers) is loaded, run on the 1,138 validation images and closed, ten times a round.
     */
    static List<Sample> sessions(int rounds, int threads) throws Exception {
        float[] images = DenseAutoencoderBenchmark.loadImages(VALIDATION);
        System.out.printf(Locale.ROOT, "%nSessions: dense AE inference model loaded, run on %d images and closed, "
                + "%d per round, %d rounds, %d threads%n", VALIDATION, SESSIONS_PER_ROUND, rounds, threads);
        List<Sample> samples = new ArrayList<>();
        samples.add(measure(-1));
        try (OrtExecutor executor = new OrtExecutor(ExecutorSettings.defaults().withThreads(threads, 1))) {
            DenseAutoencoderBenchmark.DenseAe ae = DenseAutoencoderBenchmark.DenseAe.build();
            OnnxMl.ModelProto proto;
            try (Trainer trainer = new Trainer(executor, ae.trainStep(), "memory-params")) {
                proto = InferenceModel.builder(ae.graph()).output("reconstruction", ae.recon())
                        .weights(trainer.params()).build();
            }
            FloatBuffer in = ByteBuffer.allocateDirect(images.length * 4).order(ByteOrder.nativeOrder())
                    .asFloatBuffer().put(images);
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < SESSIONS_PER_ROUND; i++) {
                    in.rewind();
                    try (ModelSession session = executor.load("memory-validation", proto);
                         OnnxTensor input = OnnxTensor.createTensor(executor.environment(), in,
                                 new long[] {VALIDATION, 784});
                         OrtSession.Result out = session.run(Map.of("x", input))) {
                        if (out.size() != 1) {
                            throw new IllegalStateException("expected one output, got " + out.size());
                        }
                    }
                }
                Sample s = measure(r);
                samples.add(s);
                print(s, Double.NaN);
            }
        }
        return samples;
    }

    /** A dense pipeline trained in an embedded platform; samples taken whenever an epoch finishes. */
    static List<Sample> pipeline(int epochs, int threads, Path bundles, int trainImages) throws Exception {
        if (!Files.isDirectory(bundles)) {
            throw new IllegalStateException("no bundle directory " + bundles.toAbsolutePath()
                    + ": mvn -pl bundles/embedding/example package writes it, or -Dbench.bundles=DIR");
        }
        Path data = Path.of(System.getProperty("hourglass.fashion.mnist", "/usr/share/datasets/fashion-mnist"));
        Path work = Files.createTempDirectory("hourglass-memory");
        System.out.printf(Locale.ROOT, "%nPipeline: family dense (latent 64), %d images (10%% validation), batch %d, "
                + "%d epochs, checkpoint and validation every epoch, %d threads%n", trainImages, BATCH, epochs, threads);
        List<Sample> samples = new ArrayList<>();
        try (HourglassPlatform hourglass = Hourglass.builder()
                .bundles(bundles)
                .storage(work.resolve("framework"))
                .modelDir(work.resolve("models"))
                .configuration("org.hourglass.executor", Map.of("intra.op.threads", threads, "inter.op.threads", 1))
                .factoryConfiguration("org.hourglass.data.idx", "memory-train", Map.of(
                        "images", data.resolve("train-images-idx3-ubyte.gz").toString(),
                        "labels", data.resolve("train-labels-idx1-ubyte.gz").toString(),
                        "limit", trainImages))
                .factoryConfiguration(Pipeline.FACTORY_PID, "memory", Map.of(
                        "family", "dense",
                        "training.data", "memory-train",
                        "latent.size", 64,
                        "epochs", epochs,
                        "batch.size", BATCH,
                        "auto.train", false))
                .start()) {
            Pipeline pipeline = hourglass.pipeline("memory", Duration.ofSeconds(60));
            samples.add(measure(-1));
            pipeline.train();
            int seen = 0;
            while (seen < epochs) {
                PipelineStatus status = pipeline.status();
                TrainingProgress p = status.progress();
                int finished = p == null ? 0 : p.epochLosses().size();
                if (finished > seen) {
                    // Training goes on meanwhile: the reading is taken early in the next epoch.
                    seen = finished;
                    Sample s = measure(finished - 1);
                    samples.add(s);
                    print(s, p.epochLosses().get(finished - 1));
                } else if (status.state() == PipelineState.FAILED) {
                    throw new IllegalStateException("pipeline failed: " + status.message());
                } else if (p != null && p.done() && status.state() != PipelineState.TRAINING) {
                    throw new IllegalStateException("training ended after " + seen + " of " + epochs + " epochs: "
                            + status.message());
                }
                Thread.sleep(5);
            }
            pipeline.awaitTraining(Duration.ofMinutes(2).toMillis());
            System.out.println("pipeline " + pipeline.status().state() + ": " + pipeline.status().message());
        } finally {
            try (Stream<Path> files = Files.walk(work)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
        return samples;
    }

    static Sample measure(int epoch) {
        // Two full collections: the first may only queue finalizable or cleaner-owned objects.
        System.gc();
        System.gc();
        MemoryUsage usage = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        long direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
        // Metaspace, compiled code and the like: JVM-native memory that grows while the JIT warms up.
        long nonHeap = ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage().getCommitted();
        return new Sample(epoch, usage.getUsed(), usage.getCommitted(), nonHeap, direct, rss());
    }

    /** VmRSS of this process from /proc/self/status, bytes; -1 where there is no such file. */
    static long rss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring(6).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    static void print(Sample s, double loss) {
        System.out.printf(Locale.ROOT, "epoch %3d: heap after GC %7.1f MiB (committed %6.1f), non-heap %6.1f MiB, "
                + "direct %6.1f MiB, RSS %7.1f MiB%s%n", s.epoch() + 1, s.heapAfterGc() / (double) MIB,
                s.heapCommitted() / (double) MIB, s.nonHeap() / (double) MIB, s.direct() / (double) MIB,
                s.rss() / (double) MIB, Double.isNaN(loss) ? "" : String.format(Locale.ROOT, ", loss %.5f", loss));
    }

    /**
     * Prints the table (every 5th epoch) and the second-half slopes; true when something grows. With
     * {@code lastAfterTraining} the last reading stays out of the fit: it meets the job's closing work (scoring the
     * training data for the threshold, storing the model) instead of a next epoch.
     */
    static boolean report(String title, List<Sample> all, int stepsPerEpoch, boolean lastAfterTraining) {
        return report(title, all, stepsPerEpoch, lastAfterTraining, "epoch", "step");
    }

    static boolean report(String title, List<Sample> all, int stepsPerEpoch, boolean lastAfterTraining, String unit,
                          String perUnit) {
        List<Sample> epochs = all.subList(1, all.size());
        List<Sample> half = epochs.subList(epochs.size() / 2, epochs.size() - (lastAfterTraining ? 1 : 0));
        Fit heap = fit(half, Sample::heapAfterGc);
        Fit committed = fit(half, Sample::heapCommitted);
        Fit nonHeap = fit(half, Sample::nonHeap);
        Fit direct = fit(half, Sample::direct);
        Fit rss = fit(half, Sample::rss);
        Sample start = all.get(0);
        System.out.printf(Locale.ROOT, "%n%s: %d %ss of %d %ss%n%n", title, epochs.size(), unit, stepsPerEpoch,
                perUnit);
        System.out.printf("| %s | heap after GC, MiB | heap committed, MiB | JVM non-heap, MiB | direct buffers, MiB "
                + "| RSS, MiB |%n", unit);
        System.out.println("|---|---|---|---|---|---|");
        System.out.printf(Locale.ROOT, "| before | %s |%n", cells(start));
        for (Sample s : epochs) {
            int n = s.epoch() + 1;
            if (n == 1 || n % 5 == 0 || n == epochs.size()) {
                System.out.printf(Locale.ROOT, "| %d | %s |%n", n, cells(s));
            }
        }
        int first = half.get(0).epoch() + 1;
        int last = half.get(half.size() - 1).epoch() + 1;
        System.out.printf(Locale.ROOT, "| slope, %ss %d-%d, KiB/%s (± std. error) | %s | %s | %s | %s | %s |%n",
                unit, first, last, unit, kib(heap), kib(committed), kib(nonHeap), kib(direct), kib(rss));
        System.out.printf(Locale.ROOT, "| per %s, bytes | %.0f | %.0f | %.0f | %.0f | %.0f |%n", perUnit,
                heap.slope() / stepsPerEpoch, committed.slope() / stepsPerEpoch, nonHeap.slope() / stepsPerEpoch,
                direct.slope() / stepsPerEpoch, rss.slope() / stepsPerEpoch);
        System.out.printf(Locale.ROOT, "| change over %ss %d-%d, MiB | %.2f | %.2f | %.2f | %.2f | %.2f |%n", unit,
                first, last, heap.change() / MIB, committed.change() / MIB, nonHeap.change() / MIB,
                direct.change() / MIB, rss.change() / MIB);
        // Floors: heap and direct buffers are exact counts, so 4 KiB/epoch; RSS moves in pages and with malloc's
        // arenas, so 256 KiB/epoch (a 1000-epoch run would grow 250 MiB at that rate: still shown, not hidden).
        boolean growing = heap.growing(4096) || direct.growing(4096) || rss.growing(256 * 1024);
        System.out.printf(Locale.ROOT, "%s: %s%n", title, growing ? "GROWS" : "flat");
        return growing;
    }

    static String cells(Sample s) {
        return String.format(Locale.ROOT, "%.1f | %.1f | %.1f | %.1f | %.1f", s.heapAfterGc() / (double) MIB,
                s.heapCommitted() / (double) MIB, s.nonHeap() / (double) MIB, s.direct() / (double) MIB,
                s.rss() / (double) MIB);
    }

    static String kib(Fit f) {
        return String.format(Locale.ROOT, "%+.1f ± %.1f", f.slope() / 1024, f.stdError() / 1024);
    }

    static Fit fit(List<Sample> points, java.util.function.ToLongFunction<Sample> value) {
        int n = points.size();
        double mx = 0;
        double my = 0;
        for (Sample s : points) {
            mx += s.epoch();
            my += value.applyAsLong(s);
        }
        mx /= n;
        my /= n;
        double sxx = 0;
        double sxy = 0;
        for (Sample s : points) {
            double dx = s.epoch() - mx;
            sxx += dx * dx;
            sxy += dx * (value.applyAsLong(s) - my);
        }
        double slope = sxy / sxx;
        double sse = 0;
        for (Sample s : points) {
            double r = value.applyAsLong(s) - (my + slope * (s.epoch() - mx));
            sse += r * r;
        }
        double stdError = n > 2 ? Math.sqrt(sse / (n - 2) / sxx) : Double.NaN;
        double change = value.applyAsLong(points.get(n - 1)) - value.applyAsLong(points.get(0));
        return new Fit(slope, stdError, change);
    }
}
