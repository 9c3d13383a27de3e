package org.hourglass.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bounded load test on loopback: 32 concurrent REST clients score batches for a fixed time (20 s; system
 * property {@code hourglass.load.seconds} for longer runs) while another pipeline trains. No request may fail;
 * latency percentiles, throughput, and heap and resident memory at start and end are reported (and written to
 * {@code target/load-figures.txt}); memory must stay flat and the training must keep going.
 */
class LoadIT {

    private static final Path SCRIPT = Path.of(System.getProperty("hourglass.script", "bin/hourglass"));
    private static final int CLIENTS = Integer.getInteger("hourglass.load.clients", 32);
    private static final int SECONDS = Integer.getInteger("hourglass.load.seconds", 20);
    private static final int BATCH = 8;

    @TempDir
    Path home;

    @Test
    void thirtyTwoClientsScoreWhileAnotherPipelineTrains() throws Exception {
        assertTrue(Files.isRegularFile(DeployFiles.FASHION_MNIST.resolve("train-images-idx3-ubyte.gz")),
                "Fashion-MNIST is missing: apt-get install dataset-fashion-mnist");
        DeployFiles.fashionTraining(home, "load-serve-train", 0, 1000);
        DeployFiles.config(home, "org.hourglass.pipeline-load-serve", "hourglass.name=load-serve", "family=dense",
                "training.data=load-serve-train", "latent.size=16", "epochs=2", "auto.train=true");
        DeployFiles.fashionTraining(home, "load-train-data", 3, 6000);
        DeployFiles.config(home, "org.hourglass.pipeline-load-train", "hourglass.name=load-train", "family=dense",
                "training.data=load-train-data", "latent.size=32", "epochs=1000", "batch.size=64",
                "auto.train=false");
        String password = UUID.randomUUID().toString();

        // A fixed, pre-touched heap: resident memory then grows only if native memory does (ONNX Runtime, threads,
        // buffers), instead of with the collector's choice of heap size.
        java.util.Map<String, String> env = new java.util.HashMap<>(DeployFiles.withoutDemoData(home));
        env.put("HOURGLASS_JAVA_OPTS", System.getProperty("hourglass.load.jvm",
                "-Xms768m -Xmx768m -XX:+AlwaysPreTouch"));
        try (RunningServer server = RunningServer.start(SCRIPT, home, password, env)) {
            Api api = new Api(server, password);
            server.await("the serving pipeline's model", Duration.ofSeconds(90),
                    () -> api.state("load-serve").equals("TRAINED") && api.state("load-train").equals("READY"));
            assertEquals(202, api.post("/pipelines/load-train/train", null, null).statusCode());
            server.await("the other pipeline to train", Duration.ofSeconds(60), () -> epoch(api) >= 1);

            byte[] body = Api.instances(Api.testImages(BATCH)).getBytes(StandardCharsets.UTF_8);
            URI uri = URI.create("http://127.0.0.1:" + server.port() + Api.BASE + "/pipelines/load-serve/score");
            String auth = Api.basic(RunningServer.USER, password);
            run(uri, auth, body, 3, new Tally()); // warm-up: connections, JIT, ONNX Runtime arenas
            long heapStart = server.liveHeapKib();
            long rssStart = server.residentKib();
            int epochStart = epoch(api);

            Tally t = new Tally();
            List<Long> rss = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread sampler = new Thread(() -> {
                try {
                    while (!Thread.currentThread().isInterrupted()) {
                        rss.add(server.residentKib() / 1024);
                        Thread.sleep(SECONDS * 1000L / 10);
                    }
                } catch (InterruptedException | java.io.IOException e) {
                    // sampling ends with the load
                }
            }, "rss-sampler");
            sampler.start();
            long wall = run(uri, auth, body, SECONDS, t);
            sampler.interrupt();
            sampler.join();

            int epochEnd = epoch(api);
            long heapEnd = server.liveHeapKib();
            long rssEnd = server.residentKib();
            JsonNode training = api.pipeline("load-train");
            assertEquals(200, api.post("/pipelines/load-train/cancel", null, null).statusCode());

            long[] ms = t.latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            double seconds = wall / 1e9;
            String figures = String.format(Locale.ROOT, "LoadIT: %d clients x %d s, batch %d: %d requests, %d errors;"
                    + " latency p50 %.1f ms, p99 %.1f ms, max %.1f ms; %.0f requests/s (%.0f samples/s); training"
                    + " epochs %d -> %d (%s); live heap %d -> %d MiB; RSS %d -> %d MiB (during load, MiB: %s);"
                    + " %d cores",
                    CLIENTS, SECONDS, BATCH, ms.length, t.errors.get(), pct(ms, 50), pct(ms, 99), pct(ms, 100),
                    ms.length / seconds, ms.length * BATCH / seconds, epochStart, epochEnd,
                    training.get("state").asText(), heapStart / 1024, heapEnd / 1024, rssStart / 1024,
                    rssEnd / 1024, rss, Runtime.getRuntime().availableProcessors());
            System.out.println(figures);
            Files.createDirectories(Path.of("target"));
            Files.writeString(Path.of("target/load-figures.txt"), figures + "\n");

            assertEquals(0, t.errors.get(), "failed requests, first: " + t.firstError.get());
            assertTrue(ms.length >= CLIENTS * SECONDS / 4, "too few requests answered: " + ms.length);
            assertEquals("TRAINING", training.get("state").asText(), training.toString());
            assertTrue(epochEnd > epochStart, "the other pipeline kept training: " + figures);
            // Flat: live objects stay where they were; resident memory (heap fixed) grows only by a bounded
            // amount while ONNX Runtime's and the threads' buffers reach their working size.
            assertTrue(heapEnd < heapStart + 32 * 1024, "live heap grew: " + figures);
            assertTrue(rssEnd < rssStart + 128 * 1024, "resident memory grew: " + figures);
        }
    }

    /** Counts of one load phase. */
    private static final class Tally {
        final ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        final AtomicInteger errors = new AtomicInteger();
        final java.util.concurrent.atomic.AtomicReference<String> firstError =
                new java.util.concurrent.atomic.AtomicReference<>();
    }

    /** CLIENTS threads, each with its own connection, score until {@code seconds} have passed; returns nanos. */
    private static long run(URI uri, String auth, byte[] body, int seconds, Tally t) throws InterruptedException {
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        AtomicLong last = new AtomicLong(start);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            Thread thread = new Thread(() -> {
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(5)).build();
                HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                        .header("Authorization", auth).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
                while (System.nanoTime() < end) {
                    long t0 = System.nanoTime();
                    try {
                        HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
                        long t1 = System.nanoTime();
                        if (r.statusCode() == 200 && r.body().startsWith("{\"scores\":[")) {
                            t.latencies.add((t1 - t0) / 1000);
                        } else {
                            fail(t, r.statusCode() + " " + r.body());
                        }
                        last.accumulateAndGet(t1, Math::max);
                    } catch (Exception e) {
                        fail(t, e.toString());
                    }
                }
            }, "load-client-" + c);
            thread.start();
            threads.add(thread);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        return last.get() - start;
    }

    private static void fail(Tally t, String what) {
        t.errors.incrementAndGet();
        t.firstError.compareAndSet(null, what);
    }

    /** Percentile of sorted microsecond latencies, in milliseconds. */
    private static double pct(long[] sorted, int p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1000.0;
    }

    private static int epoch(Api api) throws Exception {
        JsonNode p = api.pipeline("load-train").get("progress");
        return p == null || p.isNull() ? 0 : p.get("epoch").asInt();
    }
}
