package org.hourglass.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import java.awt.image.BufferedImage;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import javax.imageio.ImageIO;
import org.hourglass.api.executor.ModelSession;
import org.hourglass.executor.internal.ExecutorSettings;
import org.hourglass.executor.internal.OrtExecutor;
import org.hourglass.graph.Graph;
import org.hourglass.graph.HostTensor;
import org.hourglass.graph.InferenceModel;
import org.hourglass.graph.Init;
import org.hourglass.graph.Layers;
import org.hourglass.graph.Ops;
import org.hourglass.graph.Optimizer;
import org.hourglass.graph.Shape;
import org.hourglass.graph.Tensor;
import org.hourglass.graph.TrainStep;
import org.hourglass.training.Trainer;
import org.hourglass.training.TrainingConfig;
import org.hourglass.training.TrainingData;

/**
 * The linear-probe half of the MAE study ({@code benchmarks/mae/run.sh} trains the pipelines on a running server).
 * For every pipeline it fetches frozen encoder features ({@code POST .../encode}) of the first {@code train}
 * Fashion-MNIST training images and of all 10,000 test images, standardises them with the training statistics,
 * trains a multinomial logistic regression with the graph engine (one dense layer, softmax cross-entropy, Adam) and
 * reports test accuracy; the same probe on raw pixels is the reference. It also writes one PNG with the first
 * test image of each class and every strategy's reconstruction ({@code POST .../reconstruct}).
 *
 * <p>Arguments: {@code api-url password fashion-mnist-dir train-count png-out pipeline...}; pipelines are named
 * {@code <strategy>-s<seed>}. Prints Markdown.
 */
public final class MaeLinearProbe {

    static final int CLASSES = 10;
    static final int PROBE_EPOCHS = 60;
    static final int PROBE_BATCH = 256;
    static final double PROBE_LR = 3e-3;
    static final double PROBE_WEIGHT_DECAY = 1e-4;
    static final int CHUNK = 250;
    static final int SCALE = 3;

    private MaeLinearProbe() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 6) {
            System.err.println("usage: MaeLinearProbe api-url password fashion-mnist-dir train-count png-out "
                    + "pipeline...");
            System.exit(2);
        }
        Rest rest = new Rest(args[0], args[1]);
        Path data = Path.of(args[2]);
        int trainCount = Integer.parseInt(args[3]);
        Path png = Path.of(args[4]);
        List<String> pipelines = List.of(args).subList(5, args.length);

        float[][] trainX = images(data.resolve("train-images-idx3-ubyte.gz"), trainCount);
        int[] trainY = labels(data.resolve("train-labels-idx1-ubyte.gz"), trainCount);
        float[][] testX = images(data.resolve("t10k-images-idx3-ubyte.gz"), Integer.MAX_VALUE);
        int[] testY = labels(data.resolve("t10k-labels-idx1-ubyte.gz"), Integer.MAX_VALUE);

        Map<String, List<Double>> accuracy = new LinkedHashMap<>();
        Map<String, List<String>> details = new LinkedHashMap<>();
        Map<String, float[][]> reconstructions = new LinkedHashMap<>();
        int[] examples = firstOfEachClass(testY);
        float[][] exampleImages = new float[CLASSES][];
        for (int c = 0; c < CLASSES; c++) {
            exampleImages[c] = testX[examples[c]];
        }
        try (OrtExecutor executor = new OrtExecutor(ExecutorSettings.defaults().withThreads(2, 1))) {
            double raw = probe(executor, scaled(trainX), trainY, scaled(testX), testY, 1);
            System.err.printf(Locale.ROOT, "raw pixels: %.4f%n", raw);
            for (String p : pipelines) {
                long t0 = System.nanoTime();
                float[][] ftrain = rest.rows(p, "encode", trainX, "codes");
                float[][] ftest = rest.rows(p, "encode", testX, "codes");
                double acc = probe(executor, ftrain, trainY, ftest, testY, 1);
                String strategy = p.replaceFirst("-s\\d+$", "");
                accuracy.computeIfAbsent(strategy, k -> new ArrayList<>()).add(acc);
                String summary = rest.get("/pipelines/" + p);
                details.computeIfAbsent(strategy, k -> new ArrayList<>()).add(String.format(Locale.ROOT,
                        "%s: accuracy %.4f, validation loss %s, %s s pre-training", p, acc,
                        metric(summary, "validation_loss"), metric(summary, "train_seconds")));
                if (!reconstructions.containsKey(strategy)) {
                    reconstructions.put(strategy, rest.rows(p, "reconstruct", exampleImages, "reconstructions"));
                }
                System.err.printf(Locale.ROOT, "%s: %.4f (features and probe %.0f s)%n", p, acc,
                        (System.nanoTime() - t0) / 1e9);
            }
            System.out.println("| strategy | linear-probe test accuracy per seed | mean |");
            System.out.println("|---|---|---|");
            for (Map.Entry<String, List<Double>> e : accuracy.entrySet()) {
                StringBuilder seeds = new StringBuilder();
                double sum = 0;
                for (double a : e.getValue()) {
                    seeds.append(seeds.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.4f", a));
                    sum += a;
                }
                System.out.printf(Locale.ROOT, "| %s | %s | %.4f |%n", e.getKey(), seeds, sum / e.getValue().size());
            }
            System.out.printf(Locale.ROOT, "| raw pixels (reference) | %.4f | |%n%n", raw);
            details.values().forEach(list -> list.forEach(line -> System.out.println("- " + line)));
        }
        writePng(png, exampleImages, reconstructions);
    }

    // ------------------------------------------------------------------------------------------- the probe

    /** Multinomial logistic regression on standardised features; returns test accuracy. */
    static double probe(OrtExecutor executor, float[][] trainF, int[] trainY, float[][] testF, int[] testY,
                        long seed) {
        int dim = trainF[0].length;
        int n = trainF.length;
        double[] mean = new double[dim];
        double[] sd = new double[dim];
        for (float[] row : trainF) {
            for (int j = 0; j < dim; j++) {
                mean[j] += row[j] / (double) n;
            }
        }
        for (float[] row : trainF) {
            for (int j = 0; j < dim; j++) {
                sd[j] += Math.pow(row[j] - mean[j], 2) / n;
            }
        }
        for (int j = 0; j < dim; j++) {
            sd[j] = Math.max(Math.sqrt(sd[j]), 1e-6);
        }
        float[] x = standardise(trainF, mean, sd);
        float[] y = new float[n * CLASSES];
        for (int i = 0; i < n; i++) {
            y[i * CLASSES + trainY[i]] = 1;
        }
        Graph g = Graph.create(seed);
        Tensor in = g.input("x", Shape.batchOf(dim));
        Tensor target = g.input("y", Shape.batchOf(CLASSES));
        Tensor logits = Layers.linear("probe", in, CLASSES, Init.xavierUniform(1.0));
        Tensor loss = Ops.neg(Ops.mean(Ops.reduceSum(Ops.mul(target, Ops.logSoftmax(logits, 1)), false, 1)));
        Map<String, HostTensor> weights;
        try (Trainer trainer = new Trainer(executor, TrainStep.builder(g).loss(loss)
                .optimizer(Optimizer.adamW(0.9, 0.999, 1e-8, PROBE_WEIGHT_DECAY)).build(), "probe-train")) {
            trainer.fit(TrainingData.of(Map.of("x", x, "y", y), n),
                    TrainingConfig.of(PROBE_EPOCHS, PROBE_BATCH, PROBE_LR, seed), progress -> { });
            weights = trainer.params();
        }
        float[] tx = standardise(testF, mean, sd);
        int m = testF.length;
        try (ModelSession session = executor.load("probe-test", InferenceModel.builder(g).output("logits", logits)
                .weights(weights).build());
             OnnxTensor t = OnnxTensor.createTensor(executor.environment(), FloatBuffer.wrap(tx), new long[] {m, dim});
             OrtSession.Result r = session.run(Map.of("x", t))) {
            FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
            int correct = 0;
            for (int i = 0; i < m; i++) {
                int best = 0;
                for (int c = 1; c < CLASSES; c++) {
                    if (out.get(i * CLASSES + c) > out.get(i * CLASSES + best)) {
                        best = c;
                    }
                }
                correct += best == testY[i] ? 1 : 0;
            }
            return correct / (double) m;
        } catch (ai.onnxruntime.OrtException e) {
            throw new IllegalStateException(e);
        }
    }

    static float[] standardise(float[][] rows, double[] mean, double[] sd) {
        int dim = mean.length;
        float[] out = new float[rows.length * dim];
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < dim; j++) {
                out[i * dim + j] = (float) ((rows[i][j] - mean[j]) / sd[j]);
            }
        }
        return out;
    }

    static float[][] scaled(float[][] pixels) {
        float[][] out = new float[pixels.length][];
        for (int i = 0; i < pixels.length; i++) {
            out[i] = pixels[i].clone();
            for (int j = 0; j < out[i].length; j++) {
                out[i][j] /= 255f;
            }
        }
        return out;
    }

    static int[] firstOfEachClass(int[] labels) {
        int[] first = new int[CLASSES];
        java.util.Arrays.fill(first, -1);
        for (int i = 0; i < labels.length; i++) {
            if (first[labels[i]] < 0) {
                first[labels[i]] = i;
            }
        }
        return first;
    }

    static String metric(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*([-0-9.eE]+)").matcher(json);
        return m.find() ? String.format(Locale.ROOT, "%.4g", Double.parseDouble(m.group(1))) : "?";
    }

    // ----------------------------------------------------------------------------------------------- images

    /** Rows: the originals, then one row of reconstructions per strategy; pixels clipped to [0, 255]. */
    static void writePng(Path png, float[][] originals, Map<String, float[][]> recon) throws IOException {
        int side = 28 * SCALE;
        int gap = 2;
        int rows = 1 + recon.size();
        BufferedImage img = new BufferedImage(CLASSES * (side + gap), rows * (side + gap), BufferedImage.TYPE_BYTE_GRAY);
        List<float[][]> all = new ArrayList<>();
        all.add(originals);
        all.addAll(recon.values());
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < CLASSES; c++) {
                float[] px = all.get(r)[c];
                for (int y = 0; y < side; y++) {
                    for (int x = 0; x < side; x++) {
                        int v = Math.round(Math.max(0, Math.min(255, px[(y / SCALE) * 28 + x / SCALE])));
                        int gray = 255 - v; // dark garments on white, easier to read in the docs
                        img.getRaster().setSample(c * (side + gap) + x, r * (side + gap) + y, 0, gray);
                    }
                }
            }
        }
        Files.createDirectories(png.toAbsolutePath().getParent());
        ImageIO.write(img, "png", png.toFile());
        System.out.println();
        System.out.println("Rows of " + png.getFileName() + ": original, then " + String.join(", ", recon.keySet()));
    }

    // ------------------------------------------------------------------------------------------------- data

    static float[][] images(Path file, int limit) throws IOException {
        try (DataInputStream in = open(file)) {
            if (in.readInt() != 0x803) {
                throw new IOException(file + " is not an IDX image file");
            }
            int n = Math.min(in.readInt(), limit);
            int size = in.readInt() * in.readInt();
            float[][] out = new float[n][size];
            byte[] buf = new byte[size];
            for (int i = 0; i < n; i++) {
                in.readFully(buf);
                for (int j = 0; j < size; j++) {
                    out[i][j] = buf[j] & 0xFF;
                }
            }
            return out;
        }
    }

    static int[] labels(Path file, int limit) throws IOException {
        try (DataInputStream in = open(file)) {
            if (in.readInt() != 0x801) {
                throw new IOException(file + " is not an IDX label file");
            }
            int n = Math.min(in.readInt(), limit);
            int[] out = new int[n];
            for (int i = 0; i < n; i++) {
                out[i] = in.readUnsignedByte();
            }
            return out;
        }
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream raw = Files.newInputStream(file);
        return new DataInputStream(new GZIPInputStream(raw, 1 << 16));
    }

    // ------------------------------------------------------------------------------------------------- REST

    /** The few REST calls the study needs: CSV rows in, one JSON array of arrays out. */
    static final class Rest {
        private final HttpClient http = HttpClient.newHttpClient();
        private final String api;
        private final String auth;

        Rest(String api, String password) {
            this.api = api;
            this.auth = "Basic " + Base64.getEncoder().encodeToString(("admin:" + password)
                    .getBytes(StandardCharsets.UTF_8));
        }

        String get(String path) throws IOException, InterruptedException {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api + path)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IOException("GET " + path + ": " + r.statusCode() + " " + r.body());
            }
            return r.body();
        }

        /** Posts {@code rows} in chunks to {@code /pipelines/{p}/{action}} and parses the {@code field} arrays. */
        float[][] rows(String pipeline, String action, float[][] rows, String field)
                throws IOException, InterruptedException {
            List<float[]> out = new ArrayList<>();
            for (int start = 0; start < rows.length; start += CHUNK) {
                StringBuilder csv = new StringBuilder();
                for (int i = start; i < Math.min(rows.length, start + CHUNK); i++) {
                    for (int j = 0; j < rows[i].length; j++) {
                        csv.append(j == 0 ? "" : ",").append((int) rows[i][j]);
                    }
                    csv.append('\n');
                }
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(api + "/pipelines/" + pipeline
                                + "/" + action)).header("Authorization", auth).header("Content-Type", "text/csv")
                        .POST(HttpRequest.BodyPublishers.ofString(csv.toString())).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    throw new IOException(action + " " + pipeline + ": " + r.statusCode() + " " + r.body());
                }
                out.addAll(parseArrays(r.body(), field));
            }
            if (out.size() != rows.length) {
                throw new IOException(action + " " + pipeline + ": " + out.size() + " rows for " + rows.length);
            }
            return out.toArray(new float[0][]);
        }

        /** {@code {"field": [[1, 2], [3, 4]]}}: numbers only, as the API writes them. */
        static List<float[]> parseArrays(String json, String field) throws IOException {
            int at = json.indexOf("\"" + field + "\"");
            if (at < 0) {
                throw new IOException("no '" + field + "' in " + json.substring(0, Math.min(200, json.length())));
            }
            int i = json.indexOf('[', at) + 1;
            List<float[]> rows = new ArrayList<>();
            while (true) {
                int open = json.indexOf('[', i);
                int end = json.indexOf(']', i);
                if (open < 0 || end < open) {
                    break;
                }
                int close = json.indexOf(']', open);
                String[] cells = json.substring(open + 1, close).split(",");
                float[] row = new float[cells.length];
                for (int k = 0; k < cells.length; k++) {
                    row[k] = Float.parseFloat(cells[k].trim());
                }
                rows.add(row);
                i = close + 1;
            }
            return rows;
        }
    }
}
