package org.hourglass.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server is killed (SIGKILL) in the middle of training: after a restart the pipeline resumes from the
 * checkpoint of its last finished epoch instead of starting over, finishes, and stores an intact model.
 */
class CrashRecoveryIT {

    private static final Path SCRIPT = Path.of(System.getProperty("hourglass.script", "bin/hourglass"));
    private static final String PIPELINE = "crash";
    private static final int EPOCHS = 30;

    @TempDir
    Path home;

    @Test
    void aKilledTrainingResumesFromItsLastCheckpointAfterRestart() throws Exception {
        assertTrue(Files.isRegularFile(DeployFiles.FASHION_MNIST.resolve("train-images-idx3-ubyte.gz")),
                "Fashion-MNIST is missing: apt-get install dataset-fashion-mnist");
        DeployFiles.fashionTraining(home, "crash-train", 7, 3000);
        DeployFiles.config(home, "org.hourglass.pipeline-" + PIPELINE, "hourglass.name=" + PIPELINE,
                "family=dense", "training.data=crash-train", "latent.size=16", "epochs=" + EPOCHS, "batch.size=32",
                "auto.train=true");
        Path models = home.resolve("data/models/" + PIPELINE);
        String password = UUID.randomUUID().toString();

        try (RunningServer server = RunningServer.start(SCRIPT, home, password, DeployFiles.withoutDemoData(home))) {
            server.await("two finished epochs", Duration.ofSeconds(90),
                    () -> server.log().contains("Pipeline '" + PIPELINE + "': epoch 2/" + EPOCHS + " loss"));
            assertTrue(!server.log().contains("Pipeline '" + PIPELINE + "' trained in"),
                    "training ended before the crash; make it longer\n" + server.logTail());
            server.kill();
        }
        assertTrue(Files.isRegularFile(models.resolve("checkpoint.bin")), "the checkpoint survived the crash");
        assertTrue(Files.notExists(models.resolve("pipeline.json")), "no half-trained model was stored");

        try (RunningServer again = RunningServer.start(SCRIPT, home, password, DeployFiles.withoutDemoData(home))) {
            again.await("the pipeline to resume from its checkpoint", Duration.ofSeconds(60),
                    () -> again.log().contains("Pipeline '" + PIPELINE + "': resuming from the checkpoint after epoch"));
            Matcher resumed = Pattern.compile("resuming from the checkpoint after epoch (\\d+)").matcher(again.log());
            assertTrue(resumed.find());
            assertTrue(Integer.parseInt(resumed.group(1)) >= 2, "resumed after epoch " + resumed.group(1));
            assertTrue(!again.log().contains("Pipeline '" + PIPELINE + "': epoch 1/" + EPOCHS + " loss"),
                    "epoch 1 did not run again\n" + again.logTail());
            again.await("the resumed training to finish", Duration.ofSeconds(180),
                    () -> again.log().contains("Pipeline '" + PIPELINE + "' trained in"));
        }

        String record = Files.readString(models.resolve("pipeline.json"), StandardCharsets.UTF_8);
        Matcher file = Pattern.compile("\"modelFile\" : \"([^\"]+)\"").matcher(record);
        Matcher sha = Pattern.compile("\"modelSha256\" : \"([0-9a-f]+)\"").matcher(record);
        assertTrue(file.find() && sha.find(), record);
        byte[] model = Files.readAllBytes(models.resolve(file.group(1)));
        assertEquals(sha.group(1), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(model)),
                "the stored model matches its record");
    }
}
