package org.hourglass.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults against the exported server: SIGKILL in the middle of writing a model, a plug-in bundle removed while its
 * pipeline trains, stored files damaged while the server is down, and an executor configuration it cannot run.
 * (SIGKILL during training is {@link CrashRecoveryIT}.) In each case the stored models stay consistent, the
 * failure is reported with its reason, and the rest of the platform keeps serving.
 */
class FaultsIT {

    private static final Path SCRIPT = Path.of(System.getProperty("hourglass.script", "bin/hourglass"));
    private static final Path PLUGIN = Path.of(System.getProperty("hourglass.sample.plugin.jar",
            "target/e2e/shallow.jar"));

    @TempDir
    Path home;

    private final String password = UUID.randomUUID().toString();

    private void requireFashionMnist() {
        assertTrue(Files.isRegularFile(DeployFiles.FASHION_MNIST.resolve("train-images-idx3-ubyte.gz")),
                "Fashion-MNIST is missing: apt-get install dataset-fashion-mnist");
    }

    private RunningServer start() throws IOException {
        return RunningServer.start(SCRIPT, home, password, DeployFiles.withoutDemoData(home));
    }

    /**
     * A 26 MB model (hidden layer of 4,096) makes writing it take long enough to be hit: the test watches the
     * pipeline's folder (inotify) and kills the server the moment the model's temporary file appears, then
     * restarts it. Every start must serve a model that matches its record; rounds go on until a kill has landed
     * inside the write (its temporary file is left behind), which the next start must clean up.
     */
    @Test
    void killedWhileSavingAModelTheLastCompleteOneServes() throws Exception {
        requireFashionMnist();
        DeployFiles.fashionTraining(home, "save-train", 1, 256);
        DeployFiles.config(home, "org.hourglass.family.dense-save-big", "hourglass.name=save-big",
                "hidden.sizes=4096");
        DeployFiles.config(home, "org.hourglass.pipeline-save", "hourglass.name=save", "family=save-big",
                "training.data=save-train", "latent.size=16", "epochs=1", "batch.size=64", "auto.train=true");
        Path models = home.resolve("data/models/save");
        List<String> leftovers = List.of();
        int kills = 0;
        for (int round = 0; round < 6 && leftovers.isEmpty(); round++) {
            try (RunningServer server = start()) {
                Api api = new Api(server, password);
                server.await("a served model", Duration.ofSeconds(90), () -> api.state("save").equals("TRAINED"));
                assertServesTheRecordedModel(api, models);
                AtomicReference<String> hit = new AtomicReference<>();
                try (WatchService watch = FileSystems.getDefault().newWatchService()) {
                    models.register(watch, StandardWatchEventKinds.ENTRY_CREATE);
                    Thread killer = new Thread(() -> killOnSave(watch, server, hit), "kill-on-save");
                    killer.start();
                    HttpResponse<byte[]> started = api.post("/pipelines/save/train", null, null);
                    assertEquals(202, started.statusCode(), Api.text(started));
                    killer.join(TimeUnit.SECONDS.toMillis(60));
                }
                if (hit.get() == null) {
                    continue; // the save slipped through unhurt: the next round tries again
                }
                kills++;
                Api.intactModel(models);
                try (Stream<Path> files = Files.list(models)) {
                    leftovers = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList();
                }
                System.out.println("FaultsIT: round " + round + " killed at " + hit.get() + "; left " + leftovers);
            }
        }
        assertTrue(kills > 0, "the server was never killed while writing a model");
        assertFalse(leftovers.isEmpty(), "no kill landed inside a model write in 6 rounds");

        try (RunningServer again = start()) {
            Api api = new Api(again, password);
            again.await("the stored model to serve", Duration.ofSeconds(60), () -> api.state("save").equals("TRAINED"));
            assertTrue(again.log().contains("Pipeline 'save' serves its stored model"), again.logTail());
            assertServesTheRecordedModel(api, models);
            try (Stream<Path> files = Files.list(models)) {
                List<String> left = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList();
                assertEquals(List.of(), left, "temporary files of the killed write are cleaned up");
            }
            assertTrue(again.log().contains("left by an interrupted write"), again.logTail());
        }
    }

    /**
     * Configuration faults a user (or an attacker with access to deploy/) can cause, in one server: two
     * configurations with one name, a model folder outside the allowed ones, a folder of the user's holding files
     * named like a store's, numbers that are not numbers, and threshold edits of a trained pipeline.
     */
    @Test
    void configurationFaultsAreRefusedNamedAndNeverCostAnotherPipelineItsModel() throws Exception {
        requireFashionMnist();
        DeployFiles.fashionTraining(home, "conf-train", 1, 300);
        String[] pipeline = {"family=dense", "training.data=conf-train", "latent.size=8", "epochs=2",
            "batch.size=64", "auto.train=true"};
        DeployFiles.config(home, "org.hourglass.pipeline-conf-a", concat(pipeline, "hourglass.name=conf"));
        // A folder of the user's inside the allowed model folders, holding files named like a store's leftovers.
        Path users = Files.createDirectories(home.resolve("data/models/users/conf-users"));
        Path foreignModel = Files.write(users.resolve("model-000000000000.onnx"), new byte[] {1, 2, 3});
        Path foreignTmp = Files.write(users.resolve(".pipeline.json123.tmp"), new byte[] {4});
        for (Path f : List.of(foreignModel, foreignTmp)) {
            Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.fromMillis(0));
        }
        DeployFiles.config(home, "org.hourglass.pipeline-conf-users", concat(pipeline, "hourglass.name=conf-users",
                "auto.train=false", "model.dir=" + home.resolve("data/models/users")));
        DeployFiles.config(home, "org.hourglass.pipeline-conf-etc", concat(pipeline, "hourglass.name=conf-etc",
                "model.dir=/etc"));
        DeployFiles.config(home, "org.hourglass.pipeline-conf-epochs", concat(pipeline, "hourglass.name=conf-epochs",
                "epochs=abc"));
        try (RunningServer server = start()) {
            Api api = new Api(server, password);
            server.await("pipeline conf trained", Duration.ofSeconds(90), () -> api.state("conf").equals("TRAINED"));
            Path models = home.resolve("data/models/conf");
            String model = Api.intactModel(models);
            double quantile = api.pipeline("conf").get("metrics").get("threshold").asDouble();

            JsonNode etc = api.pipeline("conf-etc");
            assertEquals("FAILED", etc.get("state").asText(), etc.toString());
            assertTrue(etc.get("message").asText().contains("model.dir '/etc' is outside the model folders"),
                    etc.toString());
            JsonNode epochs = api.pipeline("conf-epochs");
            assertEquals("FAILED", epochs.get("state").asText(), epochs.toString());
            assertTrue(epochs.get("message").asText().contains("epochs must be a whole number"), epochs.toString());
            assertTrue(server.log().contains("Pipeline 'conf-epochs' failed"), server.logTail());
            server.await("conf-users ready", Duration.ofSeconds(30), () -> api.state("conf-users").equals("READY"));
            assertTrue(Files.exists(foreignModel) && Files.exists(foreignTmp), "a folder the store never wrote");

            // A second configuration with the taken name: refused, the owner keeps its model and serves.
            DeployFiles.config(home, "org.hourglass.pipeline-conf-b", concat(pipeline, "hourglass.name=conf",
                    "latent.size=4"));
            server.await("the second 'conf' refused", Duration.ofSeconds(30), () -> failedDuplicates(api) == 1);
            assertEquals("TRAINED", api.state("conf"), "the owner answers for the name");
            Thread.sleep(2000); // time for a wrong retrain to start
            assertEquals(model, Api.intactModel(models), "the owner's model is untouched");
            String metrics = server.get("/hourglass/metrics", false).body();
            assertEquals(1, metrics.lines().filter(l -> l.startsWith("hourglass_pipeline_state{")
                    && l.contains("pipeline=\"conf\"") && l.contains("state=\"TRAINED\"")).count(),
                    "one series per name, the owner's: " + metrics);
            Files.delete(home.resolve("deploy/org.hourglass.pipeline-conf-b.cfg"));
            server.await("the second 'conf' removed", Duration.ofSeconds(30), () -> failedDuplicates(api) == 0);
            assertEquals("TRAINED", api.state("conf"));
            assertEquals(2, Api.json(api.post("/pipelines/conf/score", "application/json",
                    Api.instances(Api.testImages(2)))).get("scores").size());

            // Threshold settings take effect on the stored model, without retraining; what is shown is used. A client
            // scores all along: no edit below may cost it an answer (once a 404/409 gap per edit, and refusals
            // until a retrain ended).
            Scorer scorer = new Scorer(api);
            scorer.start();
            DeployFiles.config(home, "org.hourglass.pipeline-conf-a", concat(pipeline, "hourglass.name=conf",
                    "contamination=0.5"));
            server.await("the threshold re-fitted", Duration.ofSeconds(30),
                    () -> api.pipeline("conf").get("metrics").get("threshold").asDouble() != quantile);
            JsonNode refitted = api.pipeline("conf");
            assertEquals("TRAINED", refitted.get("state").asText(), refitted.toString());
            assertTrue(refitted.get("metrics").get("threshold").asDouble() < quantile, refitted.toString());
            assertEquals(model, Api.intactModel(models), "not retrained");
            DeployFiles.config(home, "org.hourglass.pipeline-conf-a", concat(pipeline, "hourglass.name=conf",
                    "threshold.policy=fixed", "threshold=1e9"));
            server.await("the fixed threshold", Duration.ofSeconds(30),
                    () -> api.pipeline("conf").get("metrics").get("threshold").asDouble() == 1e9);
            JsonNode labels = Api.json(api.post("/pipelines/conf/label", "application/json",
                    Api.instances(Api.testImages(5))));
            labels.get("labels").forEach(l -> assertFalse(l.asBoolean(), "nothing exceeds 1e9: " + labels));
            // A model-affecting edit: the previous model answers until the new one replaces it.
            DeployFiles.config(home, "org.hourglass.pipeline-conf-a", concat(pipeline, "hourglass.name=conf",
                    "threshold.policy=fixed", "threshold=1e9", "latent.size=4"));
            server.await("the retrained model", Duration.ofSeconds(90), () -> api.state("conf").equals("TRAINED")
                    && !Api.intactModel(models).equals(model));
            scorer.stop();
            assertEquals(List.of(), scorer.failures(), "answers lost during edits");
            assertTrue(scorer.answered() > 20, "answered " + scorer.answered());
            System.out.println("FaultsIT: " + scorer.answered() + " scoring requests during 4 edits, 0 refused");
        }
        try (RunningServer again = start()) {
            Api api = new Api(again, password);
            again.await("conf serves again", Duration.ofSeconds(60), () -> api.state("conf").equals("TRAINED"));
            assertEquals(1e9, api.pipeline("conf").get("metrics").get("threshold").asDouble(), 0.0,
                    "the re-fitted threshold was stored");
            again.await("conf-users ready", Duration.ofSeconds(30), () -> api.state("conf-users").equals("READY"));
            assertTrue(Files.exists(foreignModel) && Files.exists(foreignTmp), "still there after a restart");
        }
    }

    /** Scores two images in a loop until stopped, keeping every answer that is not a 200 with two scores. */
    private static final class Scorer {
        private final Thread thread;
        private final List<String> failures = new CopyOnWriteArrayList<>();
        private final AtomicInteger answered = new AtomicInteger();
        private volatile boolean running = true;

        Scorer(Api api) throws IOException {
            String body = Api.instances(Api.testImages(2));
            this.thread = new Thread(() -> {
                while (running) {
                    try {
                        HttpResponse<byte[]> r = api.post("/pipelines/conf/score", "application/json", body);
                        if (r.statusCode() == 200 && Api.JSON.readTree(r.body()).get("scores").size() == 2) {
                            answered.incrementAndGet();
                        } else if (failures.size() < 20) {
                            failures.add(Api.text(r));
                        }
                    } catch (IOException | InterruptedException e) {
                        failures.add(e.toString());
                        return;
                    }
                }
            }, "faults-scorer");
        }

        void start() {
            thread.start();
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join(10_000);
        }

        List<String> failures() {
            return List.copyOf(failures);
        }

        int answered() {
            return answered.get();
        }
    }

    private static int failedDuplicates(Api api) throws IOException, InterruptedException {
        int n = 0;
        for (JsonNode p : Api.json(api.get("/pipelines")).get("pipelines")) {
            if (p.get("name").asText().equals("conf") && p.get("state").asText().equals("FAILED")
                    && p.get("message").asText().contains("is already used by configuration")) {
                n++;
            }
        }
        return n;
    }

    private static String[] concat(String[] lines, String... more) {
        return Stream.concat(Stream.of(lines), Stream.of(more)).toArray(String[]::new);
    }

    /** The record names an intact model, and the server serves exactly that model and scores with it. */
    private static void assertServesTheRecordedModel(Api api, Path models) throws Exception {
        String stored = Api.intactModel(models);
        HttpResponse<byte[]> model = api.get("/pipelines/save/model.onnx");
        assertEquals(200, model.statusCode());
        assertEquals(stored, Api.sha256(model.body()), "the served model is the recorded one");
        assertEquals(3, Api.json(api.post("/pipelines/save/score", "application/json",
                Api.instances(Api.testImages(3)))).get("scores").size());
    }

    /** Kills the server when a temporary file of the model or its record is created; gives up after 60 s. */
    private static void killOnSave(WatchService watch, RunningServer server, AtomicReference<String> hit) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try {
            while (System.nanoTime() < end) {
                WatchKey key = watch.poll(100, TimeUnit.MILLISECONDS);
                if (key == null) {
                    continue;
                }
                for (WatchEvent<?> e : key.pollEvents()) {
                    String name = String.valueOf(e.context());
                    if (name.endsWith(".tmp") && (name.startsWith(".model-") || name.startsWith(".pipeline.json"))) {
                        server.kill();
                        hit.set(name);
                        return;
                    }
                    if (name.startsWith("model-") && name.endsWith(".onnx")) {
                        return; // renamed into place before the kill could land: a miss
                    }
                }
                key.reset();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // the watch service closed: the attempt is over
        }
    }

    /**
     * The sample plug-in's jar is deleted from deploy/ while its pipeline trains: the job stops, the pipeline says
     * which plug-in it waits for, the checkpoint of the last finished epoch stays as it is and no half model is
     * stored. Back again, training resumes from that checkpoint.
     */
    @Test
    void removingThePluginWhileItTrainsStopsTheJobAndKeepsTheStore() throws Exception {
        requireFashionMnist();
        Path deploy = Files.createDirectories(home.resolve("deploy"));
        DeployFiles.fashionTraining(home, "plugin-train", 7, 2000);
        DeployFiles.config(home, "org.hourglass.pipeline-plugin", "hourglass.name=plugin", "family=shallow",
                "training.data=plugin-train", "latent.size=16", "epochs=300", "batch.size=16", "auto.train=true");
        Path jar = deploy.resolve("shallow.jar");
        Path models = home.resolve("data/models/plugin");

        try (RunningServer server = start()) {
            Api api = new Api(server, password);
            place(PLUGIN, jar);
            server.await("two finished epochs", Duration.ofSeconds(90),
                    () -> server.log().contains("Pipeline 'plugin': epoch 2/300 loss"));
            Files.delete(jar);
            server.await("the pipeline to wait for its family", Duration.ofSeconds(30),
                    () -> api.state("plugin").equals("WAITING"));
            JsonNode waiting = api.pipeline("plugin");
            assertTrue(waiting.get("message").asText().contains("family 'shallow'"), waiting.toString());
            server.await("the job to stop", Duration.ofSeconds(30),
                    () -> server.log().contains("Pipeline 'plugin': training cancelled"));
            Map<String, String> stopped = Api.hashes(models);
            assertTrue(stopped.containsKey("checkpoint.bin"), "the checkpoint stays: " + stopped);
            assertFalse(stopped.containsKey("pipeline.json"), "no half-trained model is stored: " + stopped);
            assertTrue(stopped.keySet().stream().noneMatch(n -> n.endsWith(".tmp")), stopped.toString());
            Thread.sleep(2000);
            assertEquals(stopped, Api.hashes(models), "nothing is written after the job stopped");
            Api.error(api.post("/pipelines/plugin/score", "application/json",
                    Api.instances(Api.testImages(1))), 503);
            assertFalse(server.log().contains("NoClassDefFoundError"), server.logTail());

            place(PLUGIN, jar);
            server.await("training to resume from the checkpoint", Duration.ofSeconds(60),
                    () -> server.log().contains("Pipeline 'plugin': resuming from the checkpoint after epoch"));
            JsonNode cancelled = Api.json(api.post("/pipelines/plugin/cancel", null, null));
            assertTrue(cancelled.get("cancelled").asBoolean(), cancelled.toString());
            server.await("the cancelled job to end", Duration.ofSeconds(30),
                    () -> api.state("plugin").equals("READY"));
            assertFalse(Files.exists(models.resolve("pipeline.json")));
        }
    }

    /**
     * Stored files damaged while the server is down: a truncated model and a garbled record each fail their own
     * pipeline with the reason, the third pipeline serves as before. The executor is configured for CUDA on a
     * machine without one, then for a zero thread count: refused with the reason, and nothing stops serving.
     */
    @Test
    void damagedStoresFailOnlyTheirPipelineAndAMisconfiguredExecutorKeepsServing() throws Exception {
        requireFashionMnist();
        DeployFiles.fashionTraining(home, "store-train", 0, 300);
        for (String name : List.of("c-trunc", "c-record", "c-ok")) {
            DeployFiles.config(home, "org.hourglass.pipeline-" + name, "hourglass.name=" + name, "family=dense",
                    "training.data=store-train", "latent.size=8", "epochs=1", "auto.train=true");
        }
        Path models = home.resolve("data/models");
        try (RunningServer server = start()) {
            Api api = new Api(server, password);
            server.await("three trained pipelines", Duration.ofSeconds(90), () -> api.state("c-trunc").equals(
                    "TRAINED") && api.state("c-record").equals("TRAINED") && api.state("c-ok").equals("TRAINED"));
        }
        Path truncated = models.resolve("c-trunc").resolve(Api.JSON.readTree(Files.readAllBytes(
                models.resolve("c-trunc/pipeline.json"))).get("modelFile").asText());
        byte[] model = Files.readAllBytes(truncated);
        Files.write(truncated, java.util.Arrays.copyOf(model, model.length / 2));
        Files.writeString(models.resolve("c-record/pipeline.json"), "{\"format\": 1, \"modelFile\": ");
        DeployFiles.config(home, "org.hourglass.executor", "device=cuda");
        Map<String, String> damaged = Api.hashes(models);

        try (RunningServer server = start()) {
            Api api = new Api(server, password);
            server.await("the damaged pipelines to fail and the intact one to serve", Duration.ofSeconds(60),
                    () -> api.state("c-trunc").equals("FAILED") && api.state("c-record").equals("FAILED")
                            && api.state("c-ok").equals("TRAINED"));
            String trunc = api.pipeline("c-trunc").get("message").asText();
            assertTrue(trunc.startsWith("stored model unusable: ") && trunc.contains("c-trunc/"
                    + truncated.getFileName()) && trunc.contains("does not match pipeline.json"), trunc);
            String record = api.pipeline("c-record").get("message").asText();
            assertTrue(record.startsWith("stored model unusable: ") && record.contains("pipeline.json is corrupt"),
                    record);
            String[] rows = {Api.instances(Api.testImages(4))};
            assertEquals(4, Api.json(api.post("/pipelines/c-ok/score", "application/json", rows[0]))
                    .get("scores").size());
            Api.error(api.post("/pipelines/c-trunc/score", "application/json", rows[0]), 409);

            // The executor: CUDA is refused with the reason, models keep running on the CPU.
            server.await("the CUDA configuration to be refused", Duration.ofSeconds(30), () -> server.log().contains(
                    "device=cuda is configured, but the deployed ONNX Runtime build has no CUDA execution provider"));
            String metrics = server.get("/hourglass/metrics", false).body();
            assertTrue(metrics.contains("active=\"CPU\""), metrics);
            int served = server.occurrences("Pipeline 'c-ok' serves its stored model");
            DeployFiles.config(home, "org.hourglass.executor", "device=cpu", "intra.op.threads=0");
            server.await("the zero thread count to be refused", Duration.ofSeconds(30),
                    () -> server.log().contains("intra.op.threads must be a positive number of threads or auto"));
            assertEquals(4, Api.json(api.post("/pipelines/c-ok/score", "application/json", rows[0]))
                    .get("scores").size());
            DeployFiles.config(home, "org.hourglass.executor", "device=cpu", "intra.op.threads=1");
            server.await("a valid configuration to apply", Duration.ofSeconds(30),
                    () -> server.log().contains("device=cpu configured), intra.op.threads=1"));
            assertEquals(4, Api.json(api.post("/pipelines/c-ok/score", "application/json", rows[0]))
                    .get("scores").size());
            assertEquals(served, server.occurrences("Pipeline 'c-ok' serves its stored model"),
                    "executor changes did not restart the pipeline\n" + server.logTail());
            assertEquals(damaged, Api.hashes(models), "failing pipelines leave their files for inspection");

            // Training again replaces the damaged model.
            assertEquals(202, api.post("/pipelines/c-trunc/train", null, null).statusCode());
            server.await("the retrained model", Duration.ofSeconds(60), () -> api.state("c-trunc").equals("TRAINED"));
            Api.intactModel(models.resolve("c-trunc"));
        }
    }

    /** Copies next to the target and renames, so FileInstall never sees a half-written jar. */
    private static void place(Path jar, Path target) throws IOException {
        Path part = target.resolveSibling(target.getFileName() + ".part");
        Files.copy(jar, part, StandardCopyOption.REPLACE_EXISTING);
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
