package org.hourglass.embedding.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.hourglass.api.pipeline.PipelineState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the embedding example for real: the platform starts in this JVM, trains, scores and stops cleanly. */
class FashionMnistExampleTest {

    static final Path BUNDLES = Path.of(System.getProperty("hourglass.bundles", "target/bundles"));
    static final Path FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

    @TempDir
    Path work;

    @Test
    void trainsScoresAndShutsDownWithoutLeavingThreads() throws Exception {
        assertTrue(Files.isRegularFile(FASHION_MNIST.resolve("t10k-images-idx3-ubyte.gz")),
                "Fashion-MNIST is missing: apt-get install dataset-fashion-mnist");
        Set<Thread> before = Threads.nonDaemon();
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        FashionMnistExample.Result result;
        try (PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
            result = FashionMnistExample.run(BUNDLES, FASHION_MNIST, work, out);
        }
        String text = printed.toString(StandardCharsets.UTF_8);
        System.out.print(text);

        assertEquals(PipelineState.TRAINED, result.state());
        assertEquals(2000, result.tested());
        assertTrue(result.auroc() > 0.7, "AUROC " + result.auroc());
        assertTrue(text.contains("AUROC 0."), text);
        assertTrue(text.contains("family dense") && text.contains("data sneakers-train"), "plug-ins listed:\n" + text);
        assertTrue(result.shutdown().compareTo(Duration.ofSeconds(5)) < 0, "close() took " + result.shutdown());
        List<String> lingering = Threads.awaitGone(before, Duration.ofSeconds(5));
        assertTrue(lingering.isEmpty(), "non-daemon threads left by the platform: " + lingering);
        try (var models = Files.list(work.resolve("models/sneakers"))) {
            assertFalse(models.noneMatch(p -> p.getFileName().toString().endsWith(".onnx")), "model file stored");
        }
    }
}
