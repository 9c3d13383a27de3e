package org.hourglass.embedding.example;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.hourglass.api.pipeline.Evaluation;
import org.hourglass.api.pipeline.Pipeline;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.launcher.Hourglass;
import org.hourglass.launcher.HourglassPlatform;

/**
 * A host application embedding Hourglass: it starts the platform from a bundle directory, configures an IDX data
 * source of Fashion-MNIST sneakers and a small dense-autoencoder pipeline, trains it, scores test images it reads
 * itself (sneakers normal, everything else anomalous), prints the AUROC and shuts the platform down.
 *
 * <pre>
 * java -cp target/org.hourglass.embedding.example-0.1.0-SNAPSHOT.jar:$(cat target/classpath.txt) \
 *      org.hourglass.embedding.example.FashionMnistExample target/bundles /usr/share/datasets/fashion-mnist work
 * </pre>
 */
public final class FashionMnistExample {

    static final int NORMAL_CLASS = 7; // Sneaker
    static final String[] CLASSES = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
            "Sneaker", "Bag", "Ankle boot"};

    /**
     * What a run produced.
     *
     * @param auroc    of the scores on the test images (normal = sneakers)
     * @param tested   test images scored
     * @param state    the pipeline's state after training
     * @param shutdown how long {@link HourglassPlatform#close()} took
     */
    public record Result(double auroc, int tested, PipelineState state, Duration shutdown) {
    }

    private FashionMnistExample() {
    }

    /** Arguments (all optional): bundle directory, Fashion-MNIST folder, working folder. */
    public static void main(String[] args) throws IOException, InterruptedException {
        Path bundles = Path.of(args.length > 0 ? args[0] : "target/bundles");
        Path data = Path.of(args.length > 1 ? args[1] : "/usr/share/datasets/fashion-mnist");
        Path work = Path.of(args.length > 2 ? args[2] : "hourglass-example");
        Result result = run(bundles, data, work, System.out);
        System.out.printf(Locale.ROOT, "AUROC %.4f on %d test images; platform stopped in %d ms%n", result.auroc(),
                result.tested(), result.shutdown().toMillis());
    }

    /** The whole example; the working folder keeps the framework cache and the trained model. */
    public static Result run(Path bundles, Path data, Path work, PrintStream out)
            throws IOException, InterruptedException {
        HourglassPlatform hourglass = Hourglass.builder()
                .bundles(bundles)
                .storage(work.resolve("framework"))
                .modelDir(work.resolve("models"))
                // Two ONNX Runtime threads per session: the example shares the machine with its host.
                .configuration("org.hourglass.executor", Map.of("intra.op.threads", 2))
                .factoryConfiguration("org.hourglass.data.idx", "sneakers-train", Map.of(
                        "images", data.resolve("train-images-idx3-ubyte.gz").toString(),
                        "labels", data.resolve("train-labels-idx1-ubyte.gz").toString(),
                        "classes", new int[] {NORMAL_CLASS},
                        "limit", 2000))
                .factoryConfiguration(Pipeline.FACTORY_PID, "sneakers", Map.of(
                        "family", "dense",
                        "training.data", "sneakers-train",
                        "latent.size", 16,
                        "epochs", 8,
                        "batch.size", 64,
                        "auto.train", false))
                .start();
        Evaluation evaluation;
        PipelineState state;
        float[][] images;
        long stopNanos;
        try {
            Pipeline sneakers = hourglass.pipeline("sneakers", Duration.ofSeconds(60));
            out.println("Plug-ins: " + hourglass.plugins().stream().map(p -> p.kind() + " " + p.name()).toList());
            if (sneakers.status().state() != PipelineState.TRAINED) {
                out.println("Training pipeline 'sneakers' (" + sneakers.status().message() + ")");
                sneakers.train();
                sneakers.awaitTraining(Duration.ofMinutes(5).toMillis());
            }
            state = sneakers.status().state();
            if (state != PipelineState.TRAINED) {
                throw new IllegalStateException("pipeline 'sneakers' is " + state + ": " + sneakers.status().message());
            }
            out.println("Model: " + sneakers.modelFile() + ", metrics " + sneakers.status().metrics());

            images = IdxFile.images(data.resolve("t10k-images-idx3-ubyte.gz"), 2000);
            int[] classes = IdxFile.labels(data.resolve("t10k-labels-idx1-ubyte.gz"), images.length);
            int[] anomalous = new int[classes.length];
            for (int i = 0; i < classes.length; i++) {
                anomalous[i] = classes[i] == NORMAL_CLASS ? 0 : 1;
            }
            double[] scores = sneakers.score(java.util.Arrays.copyOf(images, 5));
            boolean[] flagged = sneakers.label(java.util.Arrays.copyOf(images, 5));
            for (int i = 0; i < scores.length; i++) {
                out.printf(Locale.ROOT, "  test image %d (%s): score %.5f%s%n", i, CLASSES[classes[i]], scores[i],
                        flagged[i] ? " -> anomaly" : "");
            }
            evaluation = sneakers.evaluate(images, anomalous);
            out.printf(Locale.ROOT, "AUROC %.4f, average precision %.4f on %d test images (%d anomalous)%n",
                    evaluation.auroc(), evaluation.averagePrecision(), evaluation.count(), evaluation.anomalies());
        } finally {
            long t0 = System.nanoTime();
            hourglass.close();
            stopNanos = System.nanoTime() - t0;
            out.println("Platform stopped in " + TimeUnit.NANOSECONDS.toMillis(stopNanos) + " ms");
        }
        return new Result(evaluation.auroc(), images.length, state, Duration.ofNanos(stopNanos));
    }
}
