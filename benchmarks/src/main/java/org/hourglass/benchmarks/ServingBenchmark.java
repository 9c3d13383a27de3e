package org.hourglass.benchmarks;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import java.util.zip.GZIPInputStream;
import org.hourglass.api.pipeline.Pipeline;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.executor.internal.OrtEnvironments;
import org.hourglass.launcher.Hourglass;
import org.hourglass.launcher.HourglassPlatform;

/**
 * Serving overhead: the same trained dense pipeline scored five ways, interleaved: the paths take turns every
 * {@value #CHUNK} sequential single rows, every {@value #CONCURRENT_TURN} calls per concurrent client, every batch,
 * in an order that rotates round by round.
 *
 * <ul>
 *   <li><b>model only</b>: a plain ONNX Runtime session on the pipeline's stored standalone model, with the
 *       executor's settings (optimisation level all, intra-op threads {@code bench.threads}, inter-op 1), on rows
 *       normalised beforehand with the stored normaliser: wrap in a tensor, run for {@code reconstruction}, copy
 *       it into a Java array.</li>
 *   <li><b>bare</b>: the same session as a caller would use it to get the pipeline's scores: raw rows in,
 *       flattened and normalised in one pass, the model run, mean squared error per row. No validation, locks
 *       or metering. This is the reference of the 90% target: equal work, no platform.</li>
 *   <li><b>pipeline</b>: {@code Pipeline.score(float[][])} on the service of the embedded platform.</li>
 *   <li><b>REST</b>: {@code POST /hourglass/api/pipelines/{name}/score} over loopback HTTP/1.1 with a kept-alive
 *       JDK {@link HttpClient}, JSON bodies built beforehand, the score read from the answer; and <b>REST
 *       socket</b>: the same requests on a kept-alive socket written and read on the calling thread, which leaves
 *       out the client library's thread hand-offs.</li>
 * </ul>
 *
 * <p>The platform is embedded (the launcher) with the exported runtime's bundles, less the console, shell and
 * file install: the pipeline service and the REST servlet on Jetty live in this JVM, so all paths use the same
 * machine at the same time. Single-row requests measure sequential throughput and p50/p99 latency, plus
 * throughput with {@value #CLIENTS} concurrent clients; batches of {@value #ROWS} rows measure the in-process
 * paths. Every path's scores are checked against the pipeline's before measuring.
 *
 * <p>Options (system properties): {@code bench.rounds}, {@code bench.threads}, {@code hourglass.fashion.mnist};
 * {@code serving.runtime=JAR} another exported runtime (to compare builds); {@code serving.paths=bare,pipeline}
 * only those paths; {@code serving.dump=DIR} every sequential block's per-call nanoseconds into files there.
 */
public final class ServingBenchmark {

    private static final String NAME = "serving";
    private static final String RECONSTRUCTION = "reconstruction";
    private static final int ROWS = 1024;
    private static final int SINGLE_CALLS = 1000;
    private static final int CHUNK = 50;
    private static final int CLIENTS = 4;
    private static final int CONCURRENT_CALLS = 250;
    private static final int CONCURRENT_TURN = 50;
    private static final int BATCH_RUNS = 10;

    /** Bundles of the exported runtime that an embedded, headless platform leaves out. */
    private static final List<String> LEFT_OUT = List.of("biz.aQute.launcher", "org.apache.felix.framework",
            "org.apache.felix.gogo", "org.apache.felix.fileinstall", "org.apache.felix.webconsole",
            "org.apache.felix.inventory", "encoder-", "org.hourglass.web.console", "org.hourglass.shell");

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();

    private static final String DUMP = System.getProperty("serving.dump");

    private ServingBenchmark() {
    }

    /** One scoring path: scores {@code count} test rows from {@code from} and returns a value to keep. */
    private interface ScoringPath {
        double call(int from, int count) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int rounds = Integer.getInteger("bench.rounds", 15);
        int threads = Integer.getInteger("bench.threads", 2);
        Path data = Path.of(System.getProperty("hourglass.fashion.mnist", "/usr/share/datasets/fashion-mnist"));
        Path work = Path.of("target", "serving").toAbsolutePath();
        List<Path> bundles = bundles(runtimeJar(), work.resolve("bundles"));
        float[][] rows = images(data.resolve("t10k-images-idx3-ubyte.gz"), ROWS);
        int port = freePort();
        String token = HexFormat.of().formatHex(SecureRandom.getInstanceStrong().generateSeed(16));

        try (HourglassPlatform hourglass = Hourglass.builder()
                .bundles(bundles)
                .storage(work.resolve("framework"))
                .modelDir(work.resolve("models"))
                .property("org.osgi.service.http.port", Integer.toString(port))
                .property("org.apache.felix.http.host", "127.0.0.1")
                .configuration("org.hourglass.executor", Map.of("intra.op.threads", threads, "inter.op.threads", 1))
                .configuration("org.hourglass.web.rest", Map.of("token", token))
                // The REST whiteboard publishes the API only with this configuration (docs/rest.md)
                .configuration("JakartarsServletWhiteboardRuntimeComponent", Map.of("jersey.context.path", "/"))
                .factoryConfiguration("org.hourglass.data.idx", "serving-train", Map.of(
                        "images", data.resolve("train-images-idx3-ubyte.gz").toString(),
                        "labels", data.resolve("train-labels-idx1-ubyte.gz").toString(),
                        "classes", new int[] {0}, "limit", 6000))
                .factoryConfiguration(Pipeline.FACTORY_PID, NAME, Map.of(
                        "family", "dense", "training.data", "serving-train", "latent.size", 32, "epochs", 3,
                        // The bare path below is normalisation + model + MSE: state the scoring and turn the
                        // image smoothing off, both defaults since (combined; smoothing 1 for images).
                        "scoring", "reconstruction-error", "smoothing", "0", "auto.train", false))
                .start()) {
            Pipeline pipeline = hourglass.pipeline(NAME, Duration.ofSeconds(120));
            if (pipeline.status().state() != PipelineState.TRAINED) {
                System.out.println("training '" + NAME + "' (dense 784-256-32, 3 epochs on 6,000 T-shirts)");
                pipeline.train();
                PipelineState s = pipeline.awaitTraining(600_000);
                if (s != PipelineState.TRAINED) {
                    throw new IllegalStateException("training ended " + s + ": " + pipeline.status().message());
                }
            }
            System.out.println("executor: " + executorInfo(hourglass));
            run(pipeline, rows, threads, rounds, port, token);
        }
    }

    private static void run(Pipeline pipeline, float[][] rows, int threads, int rounds, int port, String token)
            throws Exception {
        OrtEnvironment env = OrtEnvironments.get(); // the platform's own way (long class paths, see OrtEnvironments)
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            try (OrtSession session = env.createSession(Files.readAllBytes(pipeline.modelFile()), options)) {
                Bare bare = new Bare(env, session, normaliser(pipeline.recordFile()), rows);
                Rest rest = new Rest(port, token, rows);
                rest.waitUntilServing();
                check(pipeline, bare, rest, rows);
                measure(pipeline, bare, rest, rows, threads, rounds);
                System.out.println("JDK HttpClient requests retried after a failed connection reuse: "
                        + rest.retries.get());
            }
        }
    }

    // ------------------------------------------------------------------------------------------ the three paths

    /**
     * A plain ORT session on the stored model. {@link #reconstruct} is the model alone on rows normalised
     * beforehand; {@link #score} is what a caller of a bare session writes to get the pipeline's scores.
     */
    private static final class Bare {
        private final OrtEnvironment env;
        private final OrtSession session;
        private final String input;
        private final long[] shape;
        private final float[] offset;
        private final float[] scale;
        private final float[] normalised;
        private final int width;

        Bare(OrtEnvironment env, OrtSession session, float[][] normaliser, float[][] rows) throws OrtException {
            this.env = env;
            this.session = session;
            Map<String, NodeInfo> inputs = session.getInputInfo();
            if (inputs.size() != 1) {
                throw new IllegalStateException("expected one model input, found " + inputs.keySet());
            }
            this.input = inputs.keySet().iterator().next();
            this.shape = ((TensorInfo) inputs.get(input).getInfo()).getShape();
            this.offset = normaliser[0];
            this.scale = normaliser[1];
            this.width = offset.length;
            this.normalised = normalise(rows, 0, rows.length);
        }

        /** The model alone: reconstruction of pre-normalised rows {@code from .. from+count} as a Java array. */
        float[] reconstruct(int from, int count) throws OrtException {
            return run(normalised, from, count);
        }

        /**
         * Raw rows in, scores out: flatten and normalise in one pass, run the model, mean squared error per row
         * in normalised units (what the reconstruction-error scorer computes). No validation, no locks.
         */
        double[] score(float[][] rows) throws OrtException {
            int count = rows.length;
            float[] x = normalise(rows, 0, count);
            float[] r = run(x, 0, count);
            double[] e = new double[count];
            for (int i = 0; i < count; i++) {
                double sum = 0;
                for (int j = i * width, end = j + width; j < end; j++) {
                    double d = r[j] - x[j];
                    sum += d * d;
                }
                e[i] = sum / width;
            }
            return e;
        }

        private float[] normalise(float[][] rows, int from, int count) {
            float[] x = new float[count * width];
            for (int i = 0; i < count; i++) {
                float[] row = rows[from + i];
                if (row.length != width) {
                    throw new IllegalStateException("the model has " + width + " features, a row " + row.length);
                }
                for (int j = 0, k = i * width; j < width; j++, k++) {
                    x[k] = (row[j] - offset[j]) * scale[j];
                }
            }
            return x;
        }

        private float[] run(float[] x, int from, int count) throws OrtException {
            long[] s = shape.clone();
            s[0] = count;
            try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x, from * width, count * width), s);
                 OrtSession.Result r = session.run(Map.of(input, t), Set.of(RECONSTRUCTION))) {
                FloatBuffer b = ((OnnxTensor) r.get(0)).getFloatBuffer();
                float[] out = new float[b.remaining()];
                b.get(out);
                return out;
            }
        }
    }

    /** The REST API over loopback with one kept-alive HTTP/1.1 client. */
    private static final class Rest {
        private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        private final URI base;
        private final URI score;
        private final String authorization;
        private final byte[][] bodies;

        Rest(int port, String token, float[][] rows) {
            this.base = URI.create("http://127.0.0.1:" + port + "/hourglass/api/pipelines/" + NAME);
            this.score = URI.create(base + "/score");
            this.authorization = "Bearer " + token;
            this.bodies = new byte[rows.length][];
            for (int i = 0; i < rows.length; i++) {
                bodies[i] = json(rows[i]).getBytes(StandardCharsets.UTF_8);
            }
        }

        /** Jetty and the servlet come up after the pipeline service; waits until the API answers for it. */
        void waitUntilServing() throws Exception {
            long end = System.nanoTime() + 60_000_000_000L;
            Exception last = null;
            while (System.nanoTime() < end) {
                try {
                    HttpResponse<String> r = client.send(HttpRequest.newBuilder(base).GET().build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) {
                        return;
                    }
                    last = new IOException("GET " + base + " answered " + r.statusCode() + ": " + r.body());
                } catch (IOException e) {
                    last = e;
                }
                Thread.sleep(200);
            }
            throw new IllegalStateException("the REST API did not answer within 60 s", last);
        }

        /** Requests the JDK client retried: it can pick a pooled connection just as it is being closed. */
        final java.util.concurrent.atomic.AtomicInteger retries = new java.util.concurrent.atomic.AtomicInteger();

        double score(int row) throws IOException, InterruptedException {
            HttpRequest request = HttpRequest.newBuilder(score)
                    .header("Authorization", authorization)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(bodies[row])).build();
            HttpResponse<byte[]> r;
            try {
                r = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException e) {
                retries.incrementAndGet();
                r = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
            }
            String body = new String(r.body(), StandardCharsets.UTF_8);
            if (r.statusCode() != 200) {
                throw new IOException("POST " + score + " answered " + r.statusCode() + ": " + body);
            }
            int open = body.indexOf('[');
            int close = body.indexOf(']', open);
            return Double.parseDouble(body.substring(open + 1, close));
        }

        /** The same call on this thread's own kept-alive socket: blocking write, blocking read, no hand-offs. */
        double scoreOnSocket(int row) throws IOException {
            return sockets.get().score(bodies[row]);
        }

        private final ThreadLocal<SocketClient> sockets = ThreadLocal.withInitial(() -> new SocketClient(this));

        private static String json(float[] row) {
            StringBuilder b = new StringBuilder(row.length * 4 + 20).append("{\"instances\":[[");
            for (int j = 0; j < row.length; j++) {
                if (j > 0) {
                    b.append(',');
                }
                float v = row[j];
                if (v == Math.rint(v)) {
                    b.append((long) v);
                } else {
                    b.append(v);
                }
            }
            return b.append("]]}").toString();
        }
    }

    /**
     * A minimal HTTP/1.1 client on one kept-alive socket: writes the request and reads the answer on the calling
     * thread, so what it measures is the server and the loopback, not a client library's threads.
     */
    private static final class SocketClient {
        private final Rest rest;
        private final byte[] head;
        private java.net.Socket socket;
        private java.io.BufferedInputStream in;
        private java.io.OutputStream out;

        SocketClient(Rest rest) {
            this.rest = rest;
            this.head = ("POST " + rest.score.getRawPath() + " HTTP/1.1\r\nHost: " + rest.score.getHost() + ":"
                    + rest.score.getPort() + "\r\nAuthorization: " + rest.authorization
                    + "\r\nContent-Type: application/json\r\nContent-Length: ").getBytes(StandardCharsets.US_ASCII);
        }

        double score(byte[] body) throws IOException {
            if (socket == null) {
                socket = new java.net.Socket(rest.score.getHost(), rest.score.getPort());
                socket.setTcpNoDelay(true);
                in = new java.io.BufferedInputStream(socket.getInputStream(), 65536);
                out = new java.io.BufferedOutputStream(socket.getOutputStream(), 65536);
            }
            out.write(head);
            out.write((body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            String status = line();
            int length = -1;
            for (String h = line(); !h.isEmpty(); h = line()) {
                if (h.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                    length = Integer.parseInt(h.substring(15).trim());
                }
            }
            if (length < 0) {
                throw new IOException("answer without Content-Length: " + status);
            }
            String answer = new String(in.readNBytes(length), StandardCharsets.UTF_8);
            if (!status.startsWith("HTTP/1.1 200")) {
                throw new IOException("POST " + rest.score + " answered " + status + ": " + answer);
            }
            int open = answer.indexOf('[');
            return Double.parseDouble(answer.substring(open + 1, answer.indexOf(']', open)));
        }

        private String line() throws IOException {
            StringBuilder b = new StringBuilder();
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) {
                    throw new IOException("the server closed the connection");
                }
                if (c != '\r') {
                    b.append((char) c);
                }
            }
            return b.toString();
        }
    }

    /** The three paths must give the same scores, or the comparison would be of different work. */
    private static void check(Pipeline pipeline, Bare bare, Rest rest, float[][] rows) throws Exception {
        int n = 64;
        double[] viaPipeline = pipeline.score(Arrays.copyOf(rows, n));
        double[] viaBare = bare.score(Arrays.copyOf(rows, n));
        double worst = 0;
        for (int i = 0; i < n; i++) {
            worst = Math.max(worst, relative(viaPipeline[i], viaBare[i]));
            worst = Math.max(worst, relative(viaPipeline[i], rest.score(i)));
            worst = Math.max(worst, relative(viaPipeline[i], rest.scoreOnSocket(i)));
        }
        System.out.printf(Locale.ROOT, "scores of %d rows: pipeline, bare session (+ MSE) and REST agree to %.2g "
                + "(largest relative difference)%n", n, worst);
        if (worst > 1e-4) {
            throw new IllegalStateException("the three paths disagree by " + worst + ": not the same work");
        }
    }

    private static double relative(double a, double b) {
        return Math.abs(a - b) / Math.max(Math.abs(a), 1e-12);
    }

    // ------------------------------------------------------------------------------------------ measuring

    /** Per-round figures of one path in one mode. */
    private static final class Series {
        final List<Double> throughput = new ArrayList<>();
        final List<Double> p50 = new ArrayList<>();
        final List<Double> p99 = new ArrayList<>();
        /** CPU time of the calling thread per call, µs (sequential blocks only). */
        final List<Double> cpu = new ArrayList<>();
        /** Java heap allocated by the calling thread per call, bytes (sequential blocks only). */
        final List<Double> allocated = new ArrayList<>();
    }

    private static void measure(Pipeline pipeline, Bare bare, Rest rest, float[][] rows, int threads, int rounds)
            throws Exception {
        float[][][] singles = new float[rows.length][][];
        for (int i = 0; i < rows.length; i++) {
            singles[i] = new float[][] {rows[i]};
        }
        Map<String, ScoringPath> single = new LinkedHashMap<>();
        single.put("model only", (from, count) -> bare.reconstruct(from, 1)[0]);
        single.put("bare", (from, count) -> bare.score(singles[from])[0]);
        single.put("pipeline", (from, count) -> pipeline.score(singles[from])[0]);
        single.put("REST", (from, count) -> rest.score(from));
        single.put("REST socket", (from, count) -> rest.scoreOnSocket(from));
        Map<String, ScoringPath> batch = new LinkedHashMap<>();
        batch.put("model only", (from, count) -> bare.reconstruct(0, ROWS)[0]);
        batch.put("bare", (from, count) -> bare.score(rows)[0]);
        batch.put("pipeline", (from, count) -> pipeline.score(rows)[0]);

        // -Dserving.paths=bare,pipeline measures only those (to see how the others disturb them).
        String only = System.getProperty("serving.paths");
        if (only != null) {
            List<String> keep = List.of(only.split(","));
            single.keySet().retainAll(keep);
            batch.keySet().retainAll(keep);
        }
        Map<String, Series> seq = new LinkedHashMap<>();
        Map<String, Series> conc = new LinkedHashMap<>();
        Map<String, Series> bat = new LinkedHashMap<>();
        single.keySet().forEach(k -> {
            seq.put(k, new Series());
            conc.put(k, new Series());
        });
        batch.keySet().forEach(k -> bat.put(k, new Series()));
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        try {
            List<String> order = new ArrayList<>(single.keySet());
            System.out.printf(Locale.ROOT, "%d warm-up round + %d rounds; per round and path: %d sequential "
                    + "single-row calls (the paths taking turns every %d), %d clients x %d calls (turns of %d), %d "
                    + "batches of %d rows (turns of 1)%n", 1, rounds, SINGLE_CALLS, CHUNK, CLIENTS, CONCURRENT_CALLS,
                    CONCURRENT_TURN, BATCH_RUNS, ROWS);
            for (int round = 0; round <= rounds; round++) {
                boolean warm = round == 0;
                // Rotate which path goes first, so none always meets the machine in the same state.
                java.util.Collections.rotate(order, 1);
                interleaved(warm, single, order, seq, SINGLE_CALLS, CHUNK, 1);
                concurrentTurns(warm, single, order, conc, clients);
                List<String> batchOrder = new ArrayList<>(order);
                batchOrder.retainAll(batch.keySet());
                interleaved(warm, batch, batchOrder, bat, BATCH_RUNS, 1, ROWS);
                if (!warm) {
                    System.out.printf(Locale.ROOT, "round %2d: single %s | %d clients %s | batch %s%n", round,
                            brief(seq, round), CLIENTS, brief(conc, round), brief(bat, round));
                }
            }
        } finally {
            clients.shutdownNow();
        }
        report(seq, conc, bat, threads, rounds);
    }

    /** Nanoseconds per call. */
    /**
     * Sequential calls, the paths taking turns every {@code chunk} calls, so that all of them meet the machine in
     * the same states (a second core free or not, other processes' time slices) within a round. Also timed in CPU
     * time and heap allocated by the calling thread: with one intra-op thread all of an in-process call's work
     * runs there, so the CPU figure hardly moves when other processes take the cores.
     */
    private static void interleaved(boolean warm, Map<String, ScoringPath> paths, List<String> order,
                                    Map<String, Series> out, int calls, int chunk, int samplesPerCall)
            throws Exception {
        Map<String, long[]> nanos = new LinkedHashMap<>();
        Map<String, long[]> used = new LinkedHashMap<>();
        for (String k : order) {
            nanos.put(k, new long[calls]);
            used.put(k, new long[2]);
        }
        long id = Thread.currentThread().getId();
        double keep = 0;
        for (int from = 0; from < calls; from += chunk) {
            for (String k : order) {
                ScoringPath path = paths.get(k);
                long[] n = nanos.get(k);
                long cpu = THREADS.getCurrentThreadCpuTime();
                long bytes = THREADS.getThreadAllocatedBytes(id);
                for (int i = from; i < Math.min(from + chunk, calls); i++) {
                    long t = System.nanoTime();
                    keep += path.call(i % ROWS, 1);
                    n[i] = System.nanoTime() - t;
                }
                used.get(k)[0] += THREADS.getCurrentThreadCpuTime() - cpu;
                used.get(k)[1] += THREADS.getThreadAllocatedBytes(id) - bytes;
            }
        }
        sink(keep);
        for (String k : order) {
            if (DUMP != null && !warm) {
                Files.writeString(Path.of(DUMP, samplesPerCall + "-" + k.replace(' ', '-') + "-" + System.nanoTime()
                        + ".txt"),
                        Arrays.toString(nanos.get(k)));
            }
            record(warm, out.get(k), nanos.get(k), samplesPerCall);
            // For REST the client thread's CPU time would leave out the server's threads: wall time only.
            if (!warm && !k.startsWith("REST")) {
                out.get(k).cpu.add(used.get(k)[0] / 1e3 / calls);
                out.get(k).allocated.add((double) used.get(k)[1] / calls);
            }
        }
    }

    /** {@value #CLIENTS} clients each making {@value #CONCURRENT_CALLS} calls; the last entry is the wall time. */
    /**
     * {@value #CLIENTS} concurrent clients per path, the paths taking turns every {@value #CONCURRENT_TURN} calls
     * per client; throughput is the calls over the summed wall time of a path's turns.
     */
    private static void concurrentTurns(boolean warm, Map<String, ScoringPath> paths, List<String> order,
                                        Map<String, Series> out, ExecutorService clients) throws Exception {
        Map<String, List<long[]>> turns = new LinkedHashMap<>();
        order.forEach(k -> turns.put(k, new ArrayList<>()));
        for (int from = 0; from < CONCURRENT_CALLS; from += CONCURRENT_TURN) {
            for (String k : order) {
                turns.get(k).add(concurrent(paths.get(k), clients, from, CONCURRENT_TURN));
            }
        }
        for (String k : order) {
            long wall = 0;
            long[] all = new long[CLIENTS * CONCURRENT_CALLS + 1];
            int at = 0;
            for (long[] turn : turns.get(k)) {
                System.arraycopy(turn, 0, all, at, turn.length - 1);
                at += turn.length - 1;
                wall -= turn[turn.length - 1];
            }
            all[all.length - 1] = -wall;
            record(warm, out.get(k), all, 1);
        }
    }

    private static long[] concurrent(ScoringPath path, ExecutorService clients, int first, int calls)
            throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<long[]>> futures = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            int offset = c * (ROWS / CLIENTS);
            Callable<long[]> client = () -> {
                start.await();
                long[] nanos = new long[calls];
                double keep = 0;
                for (int i = 0; i < calls; i++) {
                    long t = System.nanoTime();
                    keep += path.call((offset + first + i) % ROWS, 1);
                    nanos[i] = System.nanoTime() - t;
                }
                sink(keep);
                return nanos;
            };
            futures.add(clients.submit(client));
        }
        long t = System.nanoTime();
        start.countDown();
        long[] all = new long[CLIENTS * calls + 1];
        for (int c = 0; c < CLIENTS; c++) {
            System.arraycopy(futures.get(c).get(), 0, all, c * calls, calls);
        }
        all[all.length - 1] = -(System.nanoTime() - t);
        return all;
    }

    /** Adds a block's throughput (samples/s) and latency percentiles (µs) to the series. */
    private static void record(boolean warm, Series s, long[] nanos, int samplesPerCall) {
        if (warm) {
            return;
        }
        long wall;
        long[] calls;
        if (nanos[nanos.length - 1] < 0) {
            wall = -nanos[nanos.length - 1];
            calls = Arrays.copyOf(nanos, nanos.length - 1);
        } else {
            calls = nanos.clone();
            wall = Arrays.stream(calls).sum();
        }
        Arrays.sort(calls);
        s.throughput.add((double) calls.length * samplesPerCall / (wall / 1e9));
        s.p50.add(percentile(calls, 0.50) / 1e3);
        s.p99.add(percentile(calls, 0.99) / 1e3);
    }

    private static double percentile(long[] sorted, double q) {
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static String brief(Map<String, Series> m, int round) {
        StringBuilder b = new StringBuilder();
        m.forEach((k, s) -> b.append(String.format(Locale.ROOT, "%s %.0f/s p50 %.0f us  ", k,
                s.throughput.get(round - 1), s.p50.get(round - 1))));
        return b.toString().trim();
    }

    private static void report(Map<String, Series> seq, Map<String, Series> conc, Map<String, Series> bat,
                               int threads, int rounds) {
        System.out.printf(Locale.ROOT, "%nServing overhead, %d rounds, medians over rounds (ORT intra-op %d, "
                + "inter-op 1)%n", rounds, threads);
        System.out.println("| measure | ORT, model only | bare ORT scoring | pipeline service | REST, JDK HttpClient "
                + "| REST, socket |");
        System.out.println("|---|---|---|---|---|---|");
        row("single row, 1 client: samples/s", seq, s -> s.throughput, "%,.0f");
        row("single row, 1 client: p50 latency, us", seq, s -> s.p50, "%.1f");
        row("single row, 1 client: p99 latency, us", seq, s -> s.p99, "%.1f");
        row("single row, " + CLIENTS + " clients: samples/s", conc, s -> s.throughput, "%,.0f");
        row("single row, " + CLIENTS + " clients: p50 latency, us", conc, s -> s.p50, "%.1f");
        row("single row, " + CLIENTS + " clients: p99 latency, us", conc, s -> s.p99, "%.1f");
        row("single row, 1 client: CPU time of the calling thread per call, us", seq, s -> s.cpu, "%.1f");
        row("single row, 1 client: Java heap allocated by the calling thread per call, bytes", seq,
                s -> s.allocated, "%,.0f");
        row("batch of " + ROWS + ": samples/s", bat, s -> s.throughput, "%,.0f");
        row("batch of " + ROWS + ": p50 latency, ms", bat, s -> scaled(s.p50, 1e-3), "%.2f");
        row("batch of " + ROWS + ": CPU time of the calling thread per batch, ms", bat, s -> scaled(s.cpu, 1e-3),
                "%.2f");
        row("batch of " + ROWS + ": Java heap allocated by the calling thread per batch, MB", bat,
                s -> scaled(s.allocated, 1e-6), "%.2f");
        System.out.println();
        System.out.println("| paired figure (median of per-round values) | value |");
        System.out.println("|---|---|");
        String one = "single row, 1 client";
        String many = "single row, " + CLIENTS + " clients";
        String batch = "batch of " + ROWS;
        java.util.function.Function<Series, List<Double>> rate = x -> x.throughput;
        java.util.function.Function<Series, List<Double>> p50 = x -> x.p50;
        java.util.function.Function<Series, List<Double>> p99 = x -> x.p99;
        java.util.function.Function<Series, List<Double>> cpu = x -> x.cpu;
        ratio("pipeline / bare throughput, " + one, seq, "pipeline", "bare", rate);
        ratio("bare p50 / pipeline p50, " + one, seq, "bare", "pipeline", p50);
        difference("pipeline p50 - bare p50, " + one + ", us", seq, "pipeline", "bare", p50);
        ratio("model-only p50 / pipeline p50, " + one, seq, "model only", "pipeline", p50);
        ratio("bare CPU / pipeline CPU per call, " + one, seq, "bare", "pipeline", cpu);
        ratio("pipeline / bare throughput, " + many, conc, "pipeline", "bare", rate);
        ratio("pipeline / bare throughput, " + batch, bat, "pipeline", "bare", rate);
        ratio("pipeline / model-only throughput, " + batch, bat, "pipeline", "model only", rate);
        ratio("bare p50 / pipeline p50, " + batch, bat, "bare", "pipeline", p50);
        ratio("bare CPU / pipeline CPU per " + batch, bat, "bare", "pipeline", cpu);
        difference("REST (HttpClient) p50 - pipeline p50, " + one + ", us", seq, "REST", "pipeline", p50);
        difference("REST (HttpClient) p99 - pipeline p99, " + one + ", us", seq, "REST", "pipeline", p99);
        difference("REST (socket) p50 - pipeline p50, " + one + ", us", seq, "REST socket", "pipeline", p50);
        difference("REST (socket) p99 - pipeline p99, " + one + ", us", seq, "REST socket", "pipeline", p99);
        ratio("REST (HttpClient) / pipeline throughput, " + many, conc, "REST", "pipeline", rate);
        ratio("REST (socket) / pipeline throughput, " + many, conc, "REST socket", "pipeline", rate);
    }

    private static void ratio(String label, Map<String, Series> m, String a, String b,
                              java.util.function.Function<Series, List<Double>> f) {
        pair(label, ratios(v(m, a, f), v(m, b, f)), "%.3f");
    }

    private static void difference(String label, Map<String, Series> m, String a, String b,
                                   java.util.function.Function<Series, List<Double>> f) {
        pair(label, differences(v(m, a, f), v(m, b, f)), "%.1f");
    }

    private static void row(String label, Map<String, Series> m, java.util.function.Function<Series, List<Double>> f,
                            String format) {
        StringBuilder b = new StringBuilder("| ").append(label);
        for (String k : List.of("model only", "bare", "pipeline", "REST", "REST socket")) {
            Series s = m.get(k);
            List<Double> v = s == null ? List.of() : f.apply(s);
            b.append(" | ").append(v.isEmpty() ? "" : String.format(Locale.ROOT, format, median(v)));
        }
        System.out.println(b.append(" |"));
    }

    /** A path's per-round values, or none when the path was not measured. */
    private static List<Double> v(Map<String, Series> m, String key,
                                  java.util.function.Function<Series, List<Double>> f) {
        Series s = m.get(key);
        return s == null ? List.of() : f.apply(s);
    }

    private static void pair(String label, List<Double> values, String format) {
        if (values.isEmpty()) {
            return;
        }
        System.out.printf(Locale.ROOT, "| %s | " + format + " (rounds: %s) |%n", label, median(values),
                spread(values, format));
    }

    private static String spread(List<Double> values, String format) {
        List<Double> v = new ArrayList<>(values);
        v.sort(null);
        return String.format(Locale.ROOT, format + ".." + format, v.get(0), v.get(v.size() - 1));
    }

    private static List<Double> scaled(List<Double> values, double factor) {
        List<Double> r = new ArrayList<>();
        for (double v : values) {
            r.add(v * factor);
        }
        return r;
    }

    private static List<Double> ratios(List<Double> a, List<Double> b) {
        List<Double> r = new ArrayList<>();
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            r.add(a.get(i) / b.get(i));
        }
        return r;
    }

    private static List<Double> differences(List<Double> a, List<Double> b) {
        List<Double> r = new ArrayList<>();
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            r.add(a.get(i) - b.get(i));
        }
        return r;
    }

    private static double median(List<Double> values) {
        List<Double> v = new ArrayList<>(values);
        v.sort(null);
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    private static volatile double sunk;

    private static void sink(double value) {
        sunk += value;
    }

    // ------------------------------------------------------------------------------------------ set-up

    /**
     * The exported runtime jar ({@code mvn install} writes it), from the module or the repository root, or the
     * one {@code -Dserving.runtime=JAR} names (for comparing builds).
     */
    private static Path runtimeJar() {
        String named = System.getProperty("serving.runtime");
        if (named != null) {
            return Path.of(named);
        }
        for (String candidate : List.of("../runtime/target/hourglass.jar", "runtime/target/hourglass.jar")) {
            Path p = Path.of(candidate);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new IllegalStateException("runtime/target/hourglass.jar not found: build the runtime first "
                + "(mvn -B install -DskipTests)");
    }

    /** The runtime's bundles, less the launcher, framework, console, shell and file install, copied out. */
    private static List<Path> bundles(Path runtime, Path dir) throws IOException {
        Files.createDirectories(dir);
        try (var old = Files.list(dir)) {
            for (Path p : old.toList()) {
                Files.delete(p);
            }
        }
        List<Path> jars = new ArrayList<>();
        try (JarInputStream in = new JarInputStream(Files.newInputStream(runtime))) {
            JarEntry e;
            while ((e = in.getNextJarEntry()) != null) {
                String name = e.getName();
                if (!name.startsWith("jar/") || !name.endsWith(".jar")) {
                    continue;
                }
                String file = name.substring("jar/".length());
                if (LEFT_OUT.stream().anyMatch(file::startsWith)) {
                    continue;
                }
                Path target = dir.resolve(file);
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                jars.add(target);
            }
        }
        if (jars.isEmpty()) {
            throw new IllegalStateException(runtime + " holds no bundles under jar/");
        }
        return jars;
    }

    /** The first {@code count} images of an IDX file as raw pixel values (0..255), as the idx source reads them. */
    private static float[][] images(Path file, int count) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("Fashion-MNIST not found at " + file
                    + ": apt-get install dataset-fashion-mnist, or -Dfashion.mnist=DIR");
        }
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new GZIPInputStream(raw, 1 << 16))) {
            if (in.readInt() != 2051) {
                throw new IOException(file + " is not an IDX image file");
            }
            in.readInt();
            int width = in.readInt() * in.readInt();
            float[][] out = new float[count][width];
            byte[] bytes = new byte[width];
            for (float[] row : out) {
                in.readFully(bytes);
                for (int j = 0; j < width; j++) {
                    row[j] = bytes[j] & 0xFF;
                }
            }
            return out;
        }
    }

    /** The stored normaliser, {@code (x - offset) * scale} per feature: {offset, scale}. */
    private static float[][] normaliser(Path record) throws IOException {
        JsonObject json = JsonParser.parseString(Files.readString(record)).getAsJsonObject();
        JsonObject n = json.getAsJsonObject("normalizer");
        if (n == null) {
            throw new IllegalStateException(record + " has no \"normalizer\"; keys: " + json.keySet());
        }
        return new float[][] {floats(n.getAsJsonArray("offset")), floats(n.getAsJsonArray("scale"))};
    }

    private static float[] floats(JsonArray a) {
        float[] f = new float[a.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = a.get(i).getAsFloat();
        }
        return f;
    }

    /** The platform executor's own account of its settings (its API stays inside the framework: reflection). */
    private static String executorInfo(HourglassPlatform hourglass) throws Exception {
        var context = hourglass.bundleContext();
        // All references: the host does not import the executor's package, so a plain lookup would skip it.
        var refs = context.getAllServiceReferences("org.hourglass.api.executor.OnnxExecutor", null);
        if (refs == null) {
            return "(no executor service)";
        }
        var ref = refs[0];
        Object executor = context.getService(ref);
        try {
            return String.valueOf(executor.getClass().getMethod("info").invoke(executor));
        } finally {
            context.ungetService(ref);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
