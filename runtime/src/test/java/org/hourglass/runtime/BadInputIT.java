package org.hourglass.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;
import org.hourglass.testing.Mutations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input against the exported server, table-driven and fuzzed: malformed or wrongly typed request bodies,
 * wrong feature counts, NaN and infinities, empty and oversized bodies get a clear 4xx JSON error; broken data
 * files (a ragged CSV, an IDX file with a bad magic number, an NPY file of an unsupported dtype), unknown plug-in
 * names and invalid values in configurations leave their pipeline FAILED or WAITING with the reason. None of it
 * changes a byte of what is stored, and the trained pipeline keeps answering.
 */
class BadInputIT {

    private static final Path SCRIPT = Path.of(System.getProperty("hourglass.script", "bin/hourglass"));
    private static final String SCORE = "/pipelines/bad/score";
    private static final String JSON = "application/json";
    private static final String CSV = "text/csv";
    private static final int FUZZ_CASES = Integer.getInteger("hourglass.fuzz.cases", 300);
    /** What an error message must not show: parser notes, feature, constraint, token or class names. */
    private static final Pattern INTERNALS = Pattern.compile(
            "Source:|REDACTED|`|Feature|Constraints|\\(code|[A-Z]+_[A-Z]+|Exception|jackson|fasterxml");

    @TempDir
    Path home;

    /** One table row: what is sent and what must come back. */
    record Case(String name, String method, String path, String type, byte[] body, int status, String message) {
        Case(String name, String path, String type, String body, int status, String message) {
            this(name, "POST", path, type, body == null ? null : body.getBytes(StandardCharsets.UTF_8), status,
                    message);
        }
    }

    @Test
    void badRequestsAndBadFilesGetClearErrorsAndTouchNothingStored() throws Exception {
        assertTrue(Files.isRegularFile(DeployFiles.FASHION_MNIST.resolve("train-images-idx3-ubyte.gz")),
                "Fashion-MNIST is missing: apt-get install dataset-fashion-mnist");
        DeployFiles.fashionTraining(home, "bad-train", 0, 300);
        DeployFiles.config(home, "org.hourglass.pipeline-bad", "hourglass.name=bad", "family=dense",
                "training.data=bad-train", "latent.size=8", "epochs=1", "batch.size=32", "auto.train=true");
        Path files = Files.createDirectories(home.resolve("data/bad"));
        Files.writeString(files.resolve("ragged.csv"), "a,b,c\n1,2,3\n4,5\n6,7,8\n");
        Files.write(files.resolve("magic.idx"), new byte[] {0x12, 0x34, 0x08, 0x01, 0, 0, 0, 1, 7});
        Files.write(files.resolve("complex.npy"), npy("<c8", "(2, 2)", 32));
        badFilePipeline("bad-csv", "csv", "path", files.resolve("ragged.csv"));
        badFilePipeline("bad-idx", "idx", "images", files.resolve("magic.idx"));
        badFilePipeline("bad-npy", "npy", "path", files.resolve("complex.npy"));
        DeployFiles.config(home, "org.hourglass.pipeline-bad-names", "hourglass.name=bad-names",
                "family=no-such-family", "loss=no-such-loss", "scoring=no-such-scoring",
                "training.data=no-such-data", "auto.train=true");
        DeployFiles.config(home, "org.hourglass.pipeline-bad-values", "hourglass.name=bad-values", "family=dense",
                "training.data=bad-train", "epochs=-3", "auto.train=true");
        String password = UUID.randomUUID().toString();
        Path models = home.resolve("data/models");

        try (RunningServer server = RunningServer.start(SCRIPT, home, password, DeployFiles.withoutDemoData(home))) {
            Api api = new Api(server, password);
            server.await("pipeline 'bad' to be trained and the bad ones to fail", Duration.ofSeconds(90),
                    () -> api.state("bad").equals("TRAINED") && api.state("bad-csv").equals("FAILED")
                            && api.state("bad-idx").equals("FAILED") && api.state("bad-npy").equals("FAILED"));

            // Configurations: each failure names the file (or value) and the problem; unknown names are listed.
            failed(api, "bad-csv", files.resolve("ragged.csv") + ": line 3 has 2 cells, the header has 3 columns");
            failed(api, "bad-idx", files.resolve("magic.idx") + ": not an IDX file: wrong magic number 0x12340801");
            failed(api, "bad-npy", files.resolve("complex.npy") + ": unsupported dtype '<c8'");
            failed(api, "bad-values", "invalid configuration: ");
            JsonNode names = api.pipeline("bad-names");
            assertEquals("WAITING", names.get("state").asText(), names.toString());
            for (String missing : List.of("family 'no-such-family'", "loss 'no-such-loss'",
                    "scoring 'no-such-scoring'", "training data 'no-such-data'")) {
                assertTrue(names.get("message").asText().contains(missing), names.toString());
            }
            Map<String, String> before = Api.hashes(models);
            assertTrue(before.containsKey("bad/pipeline.json"), before.toString());

            List<Case> table = table();
            for (Case c : table) {
                HttpResponse<byte[]> r = api.send(c.method(), c.path(), Api.basic(RunningServer.USER, password),
                        c.type(), c.body());
                JsonNode e = Api.error(r, c.status());
                assertTrue(e.get("message").asText().contains(c.message()),
                        c.name() + ": expected '" + c.message() + "' in " + Api.text(r));
                assertFalse(INTERNALS.matcher(e.get("message").asText()).find(), c.name() + ": the parser's "
                        + "internals in " + Api.text(r));
            }
            hostileBodies(server, api, password);
            // Larger than max.request.bytes, refused from its declared length before it is read.
            String tooLarge = server.raw("POST " + Api.BASE + SCORE + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Authorization: " + Api.basic(RunningServer.USER, password) + "\r\nContent-Type: text/csv\r\n"
                    + "Content-Length: " + (64L * 1024 * 1024 * 1024) + "\r\n\r\n");
            assertTrue(tooLarge.startsWith("HTTP/1.1 413 ") && tooLarge.contains("max.request.bytes"), tooLarge);

            Map<Integer, Integer> outcomes = fuzz(api, password);
            System.out.println("BadInputIT: " + table.size() + " table cases; fuzz outcomes by status " + outcomes);

            assertEquals(before, Api.hashes(models), "stored files are byte for byte what they were");
            assertEquals(10, Api.json(api.post(SCORE, JSON, Api.instances(Api.testImages(10)))).get("scores").size(),
                    "the pipeline still answers");
            assertFalse(server.log().contains("REST API: POST"), "no request failed inside the server\n"
                    + server.logTail());
        }
    }

    /**
     * Bodies built to make the server allocate far more than they weigh (issue 17): a million one-value rows in
     * 4 MB (rows × 784 floats = 3.1 GB before the fix), the same up to max.request.bytes (an int overflow, 500),
     * as CSV and to evaluate, and 8.5 MB of full-width rows past max.request.values. Each gets a JSON 4xx
     * naming the problem; the server's peak resident memory stays within 256 MiB of where it was, and it still
     * answers.
     */
    private static void hostileBodies(RunningServer server, Api api, String password) throws Exception {
        String auth = Api.basic(RunningServer.USER, password);
        long peakBefore = peakKib(server);
        String oneValueRows4Mb = "{\"instances\": [" + "[0],".repeat(1_000_000) + "[0]]}";
        String oneValueRows16Mb = "{\"instances\": [" + "[0],".repeat(4_190_000) + "[0]]}";
        String csvRows4Mb = "0\n".repeat(2_000_000);
        String labelled = "{\"instances\": [" + "[0],".repeat(1_000_000) + "[0]], \"labels\": [0]}";
        String[][] cases = {
            {"4 MB of one-value rows", SCORE, JSON, oneValueRows4Mb, "400",
                "sample 0 has 1 values; the model expects 784 (shape [28, 28])"},
            {"16 MB of one-value rows", "/pipelines/bad/reconstruct", JSON, oneValueRows16Mb, "400",
                "sample 0 has 1 values; the model expects 784"},
            {"4 MB of one-value CSV lines", "/pipelines/bad/label", CSV, csvRows4Mb, "400",
                "CSV line 1 has 1 values; the model expects 784"},
            {"4 MB of one-value rows to evaluate", "/pipelines/bad/evaluate", JSON, labelled, "400",
                "sample 0 has 1 values; the model expects 784"},
            {"8.5 MB of full rows", "/pipelines/bad/encode", JSON, "{\"instances\": ["
                + ("[" + "0,".repeat(783) + "0],").repeat(5_400) + "[0]]}", "413", "max.request.values"},
        };
        for (String[] c : cases) {
            byte[] body = c[3].getBytes(StandardCharsets.UTF_8);
            long start = System.nanoTime();
            HttpResponse<byte[]> r = server.send("POST", Api.BASE + c[1], Map.of("Authorization", auth,
                    "Content-Type", c[2]), body);
            long ms = (System.nanoTime() - start) / 1_000_000;
            JsonNode e = Api.error(r, Integer.parseInt(c[4]));
            assertTrue(e.get("message").asText().contains(c[5]), c[0] + ": expected '" + c[5] + "' in "
                    + Api.text(r));
            System.out.println("BadInputIT: " + c[0] + " (" + body.length + " bytes): " + r.statusCode() + " in "
                    + ms + " ms: " + e.get("message").asText());
        }
        byte[] gzip = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
        JsonNode compressed = Api.error(server.send("POST", Api.BASE + SCORE, Map.of("Authorization", auth,
                "Content-Type", JSON, "Content-Encoding", "gzip"), gzip), 415);
        assertTrue(compressed.get("message").asText().contains("Content-Encoding 'gzip' is not accepted"),
                compressed.toString());
        long peakAfter = peakKib(server);
        System.out.println("BadInputIT: hostile bodies: peak resident memory " + peakBefore / 1024 + " -> "
                + peakAfter / 1024 + " MiB");
        assertTrue(peakAfter - peakBefore < 256 * 1024, "peak resident memory grew from " + peakBefore / 1024
                + " to " + peakAfter / 1024 + " MiB");
        assertEquals(3, Api.json(api.post(SCORE, JSON, Api.instances(Api.testImages(3)))).get("scores").size(),
                "the pipeline still answers after the hostile bodies");
    }

    /** Peak resident memory of the server (VmHWM of /proc/<pid>/status) in KiB. */
    private static long peakKib(RunningServer server) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + server.pid() + "/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmHWM in /proc/" + server.pid() + "/status");
    }

    private void badFilePipeline(String name, String kind, String attribute, Path file) throws IOException {
        DeployFiles.config(home, "org.hourglass.data." + kind + "-" + name, "hourglass.name=" + name,
                attribute + "=" + file);
        DeployFiles.config(home, "org.hourglass.pipeline-" + name, "hourglass.name=" + name, "family=dense",
                "training.data=" + name, "latent.size=2", "epochs=1", "auto.train=true");
    }

    private static void failed(Api api, String pipeline, String reason) throws Exception {
        JsonNode p = api.pipeline(pipeline);
        assertEquals("FAILED", p.get("state").asText(), p.toString());
        assertTrue(p.get("message").asText().contains(reason), "expected '" + reason + "' in " + p);
    }

    private static List<Case> table() throws IOException {
        float[][] two = Api.testImages(2);
        String row = Api.JSON.writeValueAsString(two[0]);
        String csvRow = row.substring(1, row.length() - 1);
        String body = Api.instances(two);
        List<Case> t = new ArrayList<>();
        t.add(new Case("truncated JSON", SCORE, JSON, "{\"instances\": [[1, 2", 400, "malformed JSON"));
        t.add(new Case("not JSON at all", SCORE, JSON, "instances=1,2,3", 400, "malformed JSON"));
        t.add(new Case("trailing content", SCORE, JSON, body + " 7", 400, "more content after the object"));
        t.add(new Case("unbalanced close", SCORE, JSON, body + "}", 400, "Unexpected close marker '}'"));
        t.add(new Case("an array, not an object", SCORE, JSON, "[[1, 2]]", 400, "must be a JSON object"));
        t.add(new Case("no instances", SCORE, JSON, "{\"rows\": [[1]]}", 400, "has no \"instances\""));
        t.add(new Case("instances a number", SCORE, JSON, "{\"instances\": 5}", 400, "must be an array of rows"));
        t.add(new Case("a row that is a number", SCORE, JSON, "{\"instances\": [5]}", 400,
                "instances[0] must be an array of numbers"));
        t.add(new Case("a string value", SCORE, JSON, "{\"instances\": [[" + csvRow.replaceFirst("[^,]+", "\"7\"")
                + "]]}", 400, "instances[0][0] must be a number, not the string \"7\""));
        t.add(new Case("a null value", SCORE, JSON, "{\"instances\": [[null]]}", 400, "must be a number, not null"));
        t.add(new Case("an object value", SCORE, JSON, "{\"instances\": [[{}]]}", 400, "not an object"));
        t.add(new Case("deep nesting", SCORE, JSON, "{\"instances\": " + "[".repeat(100_000) + "]".repeat(100_000)
                + "}", 400, "instances[0][0] must be a number, not an array"));
        t.add(new Case("three features", SCORE, JSON, "{\"instances\": [[1, 2, 3]]}", 400,
                "sample 0 has 3 values; the model expects 784"));
        t.add(new Case("second row short", SCORE, JSON, "{\"instances\": [" + row + ", [" + csvRow.substring(
                csvRow.indexOf(',') + 1) + "]]}", 400, "sample 1 has 783 values"));
        t.add(new Case("JSON NaN token", SCORE, JSON, "{\"instances\": [[NaN]]}", 400, "malformed JSON"));
        t.add(new Case("overflow to infinity", SCORE, JSON, "{\"instances\": [[" + csvRow.replaceFirst("[^,]+",
                "1e39") + "]]}", 400, "sample 0, feature 0 is Infinity; only finite numbers can be scored"));
        t.add(new Case("CSV NaN", SCORE, CSV, csvRow.replaceFirst("[^,]+", "NaN") + "\n", 400,
                "feature 0 is NaN"));
        t.add(new Case("CSV -inf", "/pipelines/bad/label", CSV, csvRow.replaceFirst("[^,]+", "-inf") + "\n", 400,
                "is -Infinity"));
        t.add(new Case("empty batch", SCORE, JSON, "{\"instances\": []}", 400, "the batch is empty"));
        t.add(new Case("empty body", SCORE, JSON, "", 400, "the body is empty"));
        t.add(new Case("CSV header only", SCORE, "text/csv; header=present", "a,b,c\n", 400, "no data rows"));
        t.add(new Case("CSV header not declared", SCORE, CSV, "a,b\n" + csvRow + "\n", 400,
                "CSV line 1, column 1: 'a' is not a number; if the first line is a header, send Content-Type: "
                        + "text/csv; header=present"));
        t.add(new Case("CSV first line with a bad value", SCORE, CSV, csvRow.replaceFirst("[^,]+", "x") + "\n"
                + csvRow + "\n", 400, "CSV line 1, column 1: 'x' is not a number"));
        t.add(new Case("CSV quoted comma is one cell", SCORE, CSV, "\"1,5\"," + csvRow.substring(
                csvRow.indexOf(',') + 1) + "\n", 400, "CSV line 1, column 1: '1,5' is not a number"));
        t.add(new Case("CSV bad header parameter", SCORE, "text/csv; header=maybe", csvRow + "\n", 400,
                "must be 'present' or 'absent'"));
        t.add(new Case("CSV short line", "/pipelines/bad/encode", CSV, csvRow + "\n4,5\n", 400,
                "CSV line 2 has 2 values; the model expects 784 (shape [28, 28])"));
        t.add(new Case("CSV not a number", "/pipelines/bad/reconstruct", CSV, csvRow + "\n" + csvRow.replaceFirst(
                "[^,]+$", "x") + "\n", 400, "CSV line 2, column 784: 'x' is not a number"));
        t.add(new Case("CSV not UTF-8", "POST", SCORE, CSV, new byte[] {'1', ',', (byte) 0xff, '\n'}, 400,
                "not UTF-8"));
        t.add(new Case("labels missing", "/pipelines/bad/evaluate", JSON, body, 400, "has no \"labels\""));
        t.add(new Case("labels of another length", "/pipelines/bad/evaluate", JSON, body.substring(0,
                body.length() - 1) + ", \"labels\": [0]}", 400, "one label per sample; got 1 labels for 2"));
        t.add(new Case("label 2", "/pipelines/bad/evaluate", JSON, body.substring(0, body.length() - 1)
                + ", \"labels\": [0, 2]}", 400, "labels[1] must be 0 (normal), 1 (anomalous)"));
        t.add(new Case("CSV to evaluate", "/pipelines/bad/evaluate", CSV, csvRow + "\n", 415, "evaluate takes JSON"));
        t.add(new Case("evaluate without evaluation data", "/pipelines/bad/evaluate", JSON, "", 400,
                "has no evaluation.data configured"));
        t.add(new Case("evaluate without evaluation data or a model", "/pipelines/bad-npy/evaluate", JSON, "", 400,
                "has no evaluation.data configured"));
        t.add(new Case("a parser's note in a message", SCORE, JSON, "{\"instances\": [[+1]]}", 400,
                "Unexpected character ('+') in numeric value: JSON spec does not allow numbers to have plus signs"));
        t.add(new Case("unknown pipeline", "/pipelines/nope/score", JSON, body, 404, "no pipeline named 'nope'"));
        t.add(new Case("unknown call", "/pipelines/bad/explode", JSON, body, 404, ""));
        t.add(new Case("wrong method", "DELETE", "/pipelines/bad", null, null, 405, ""));
        t.add(new Case("train a pipeline whose configuration is invalid", "/pipelines/bad-values/train", null, null,
                409, "invalid configuration"));
        t.add(new Case("cancel with nothing training", "/pipelines/bad/cancel", null, null, 409,
                "has no training job to cancel"));
        t.add(new Case("score a pipeline whose data is broken", "/pipelines/bad-npy/score", JSON, body, 409,
                "has no trained model"));
        return t;
    }

    /**
     * Seeded random damage to valid JSON and CSV scoring requests, sent with either content type: every answer is
     * 200 with one score per row, or a JSON 4xx error; never a 5xx, never a hang (the client times out at 30 s).
     */
    private static Map<Integer, Integer> fuzz(Api api, String password) throws Exception {
        Mutations m = new Mutations(4242L);
        Random pick = new Random(4243L);
        float[][] rows = Api.testImages(3);
        byte[] json = Api.instances(rows).getBytes(StandardCharsets.UTF_8);
        StringBuilder csv = new StringBuilder();
        for (float[] r : rows) {
            String line = Api.JSON.writeValueAsString(r);
            csv.append(line, 1, line.length() - 1).append('\n');
        }
        byte[] csvBytes = csv.toString().getBytes(StandardCharsets.UTF_8);
        Map<Integer, Integer> outcomes = new TreeMap<>();
        String[] calls = {"score", "label", "encode", "reconstruct", "evaluate"};
        for (int i = 0; i < FUZZ_CASES; i++) {
            boolean asCsv = pick.nextBoolean();
            byte[] body = m.mutate(asCsv ? csvBytes : json);
            String type = pick.nextInt(10) == 0 ? (asCsv ? JSON : CSV) : (asCsv ? CSV : JSON);
            String call = calls[pick.nextInt(calls.length)];
            HttpResponse<byte[]> r = api.send("POST", "/pipelines/bad/" + call,
                    Api.basic(RunningServer.USER, password), type, body);
            outcomes.merge(r.statusCode(), 1, Integer::sum);
            String what = "fuzz case " + i + " (" + call + ", " + type + "): " + Api.text(r);
            assertTrue(Set.of(200, 400, 413, 415).contains(r.statusCode()), what);
            JsonNode answer = Api.JSON.readTree(r.body());
            if (r.statusCode() == 200) {
                if (!call.equals("evaluate")) {
                    assertTrue(answer.size() >= 1, what);
                }
            } else {
                assertFalse(answer.get("message").asText().isBlank(), what);
            }
        }
        return outcomes;
    }

    /** A version 1.0 .npy file whose header names {@code descr} and {@code shape}, with {@code dataBytes} zeros. */
    private static byte[] npy(String descr, String shape, int dataBytes) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int unpadded = 10 + dict.length() + 1;
        String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length());
        b.put(header.getBytes(StandardCharsets.US_ASCII));
        return b.array();
    }
}
