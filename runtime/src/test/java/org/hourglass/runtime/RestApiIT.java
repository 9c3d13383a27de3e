package org.hourglass.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The REST API of the exported server, end to end: a pipeline deployed as configuration files is trained through
 * the API (with authentication), scored from JSON and CSV, evaluated and downloaded; errors come back as JSON with
 * fitting statuses.
 */
class RestApiIT {

    private static final Path SCRIPT = Path.of(System.getProperty("hourglass.script", "bin/hourglass"));
    private static final String API = "/hourglass/api";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int WIDTH = 784;

    @TempDir
    Path home;

    private RunningServer server;
    private String basic;
    private String bearer;

    @Test
    void trainScoreEvaluateAndDownloadThroughTheApi() throws Exception {
        deploy();
        String password = UUID.randomUUID().toString();
        String token = UUID.randomUUID().toString();
        basic = "Basic " + Base64.getEncoder().encodeToString(
                (RunningServer.USER + ":" + password).getBytes(StandardCharsets.UTF_8));
        bearer = "Bearer " + token;
        try (RunningServer s = RunningServer.start(SCRIPT, home, password, Map.of("HOURGLASS_API_TOKEN", token))) {
            server = s;
            s.await("pipeline 'rest' to be READY", Duration.ofSeconds(90), () -> state("rest").equals("READY"));
            s.await("pipeline 'rest-waiting' to be WAITING", Duration.ofSeconds(10),
                    () -> state("rest-waiting").equals("WAITING"));

            // Training needs credentials: none, a wrong password and a wrong token are refused.
            HttpResponse<byte[]> anonymous = send("POST", "/pipelines/rest/train", null, null, null);
            error(anonymous, 401);
            assertTrue(anonymous.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic "));
            String wrong = "Basic " + Base64.getEncoder().encodeToString("admin:wrong".getBytes(StandardCharsets.UTF_8));
            error(send("POST", "/pipelines/rest/train", wrong, null, null), 401);
            error(send("POST", "/pipelines/rest/train", "Bearer wrong", null, null), 401);

            HttpResponse<byte[]> started = send("POST", "/pipelines/rest/train", bearer, null, null);
            assertEquals(202, started.statusCode(), text(started));
            assertEquals(API + "/pipelines/rest/progress", started.headers().firstValue("Location").orElse(""));
            // While it trains: a second start and scoring (no model yet) are conflicts.
            JsonNode again = error(send("POST", "/pipelines/rest/train", basic, null, null), 409);
            assertTrue(again.get("message").asText().contains("already training"), again.toString());
            float[][] rows = testImages(5);
            JsonNode early = error(post("/pipelines/rest/score", "application/json", instances(rows)), 409);
            assertTrue(early.get("message").asText().contains("no trained model"), early.toString());

            s.await("training through the API to finish", Duration.ofSeconds(60), () -> {
                JsonNode p = json(send("GET", "/pipelines/rest/progress", null, null, null));
                assertFalse(p.get("state").asText().equals("FAILED"), p.toString());
                return p.get("state").asText().equals("TRAINED") && p.get("progress").get("done").asBoolean();
            });
            JsonNode pipeline = json(send("GET", "/pipelines/rest", null, null, null));
            double threshold = pipeline.get("threshold").asDouble();
            assertEquals(3, pipeline.get("progress").get("epochs").asInt());
            assertEquals("rest-train", pipeline.get("configuration").get("training.data").asText());
            assertTrue(pipeline.get("histogram").get("edges").size() > 1, pipeline.toString());

            // Scores from JSON and from CSV (with a header line, declared as RFC 4180 says) agree.
            JsonNode scores = json(post("/pipelines/rest/score", "application/json", instances(rows)));
            JsonNode csvScores = json(post("/pipelines/rest/score", "text/csv; header=present", csv(rows)));
            assertEquals(rows.length, scores.get("scores").size());
            assertEquals(scores, csvScores);

            JsonNode labels = json(post("/pipelines/rest/label", "application/json", instances(rows)));
            assertEquals(rows.length, labels.get("labels").size());
            assertEquals(threshold, labels.get("threshold").asDouble());
            for (int i = 0; i < rows.length; i++) {
                assertEquals(scores.get("scores").get(i).asDouble() > threshold,
                        labels.get("labels").get(i).asBoolean());
            }
            JsonNode codes = json(post("/pipelines/rest/encode", "application/json", instances(rows)));
            assertEquals(rows.length, codes.get("codes").size());
            assertEquals(16, codes.get("codes").get(0).size());
            JsonNode reconstructions = json(post("/pipelines/rest/reconstruct", "text/csv; header=present",
                    csv(rows)));
            assertEquals(WIDTH, reconstructions.get("reconstructions").get(0).size());

            String labelled = "{\"instances\": " + JSON.writeValueAsString(rows) + ", \"labels\": [0, 1, 0, 1, 1]}";
            JsonNode evaluation = json(post("/pipelines/rest/evaluate", "application/json", labelled));
            assertEquals(5, evaluation.get("count").asInt());
            assertEquals(3, evaluation.get("anomalies").asInt());
            JsonNode configured = json(post("/pipelines/rest/evaluate", "application/json", ""));
            assertEquals(500, configured.get("count").asInt());
            assertTrue(configured.get("auroc").asDouble() > 0.5, configured.toString());

            // Downloads: the model is an ONNX protobuf whose SHA-256 is the one pipeline.json records.
            HttpResponse<byte[]> model = send("GET", "/pipelines/rest/model.onnx", null, null, null);
            assertEquals(200, model.statusCode());
            assertEquals("application/octet-stream", model.headers().firstValue("Content-Type").orElse(""));
            assertEquals("attachment; filename=\"rest.onnx\"",
                    model.headers().firstValue("Content-Disposition").orElse(""));
            assertEquals(0x08, model.body()[0], "ModelProto starts with ir_version (field 1, varint)");
            HttpResponse<byte[]> record = send("GET", "/pipelines/rest/pipeline.json", null, null, null);
            assertEquals(200, record.statusCode());
            assertTrue(record.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
            assertTrue(record.headers().firstValue("Content-Disposition").orElse("").startsWith("attachment"));
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(model.body()));
            assertEquals(JSON.readTree(record.body()).get("modelSha256").asText(), sha);

            // Errors: unknown pipeline or path, wrong method, bad input, too large, waiting for a plug-in.
            error(send("GET", "/pipelines/nope", null, null, null), 404);
            error(post("/pipelines/nope/score", "application/json", instances(rows)), 404);
            error(send("GET", "/nothing", null, null, null), 404);
            HttpResponse<byte[]> method = send("DELETE", "/pipelines/rest", basic, null, null);
            error(method, 405);
            assertEquals("GET, HEAD", method.headers().firstValue("Allow").orElse(""));
            JsonNode width = error(post("/pipelines/rest/score", "application/json", "{\"instances\": [[1, 2, 3]]}"),
                    400);
            assertTrue(width.get("message").asText().contains("784"), width.toString());
            JsonNode malformed = error(post("/pipelines/rest/score", "application/json", "{\"instances\": [[1, 2"),
                    400);
            assertTrue(malformed.get("message").asText().startsWith("malformed JSON"), malformed.toString());
            JsonNode badCsv = error(post("/pipelines/rest/score", "text/csv", "1,2\n3,x\n"), 400);
            assertEquals("CSV line 1 has 2 values; the model expects 784 (shape [28, 28])",
                    badCsv.get("message").asText());
            JsonNode undeclared = error(post("/pipelines/rest/score", "text/csv", csv(rows)), 400);
            assertEquals("CSV line 1, column 1: 'pixel0' is not a number; if the first line is a header, send "
                    + "Content-Type: text/csv; header=present", undeclared.get("message").asText());
            // A body over max.request.bytes (16 MiB) is refused from its declared length, before it is sent.
            String tooLarge = server.raw("POST " + API + "/pipelines/rest/score HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Authorization: " + basic + "\r\nContent-Type: text/csv\r\nContent-Length: "
                    + (17 * 1024 * 1024) + "\r\n\r\n");
            assertTrue(tooLarge.startsWith("HTTP/1.1 413 "), tooLarge);
            assertTrue(tooLarge.contains("\"status\":413") && tooLarge.contains("max.request.bytes"), tooLarge);
            JsonNode waiting = error(post("/pipelines/rest-waiting/score", "application/json", instances(rows)), 503);
            assertTrue(waiting.get("message").asText().contains("rest-no-such-family"), waiting.toString());
            error(send("POST", "/pipelines/rest-waiting/train", basic, null, null), 503);

            // The description of the API, the plug-in inventory and the pipeline list.
            JsonNode openapi = json(send("GET", "/openapi.json", null, null, null));
            assertTrue(openapi.get("openapi").asText().startsWith("3."));
            assertTrue(openapi.get("paths").has("/pipelines/{name}/score"));
            JsonNode plugins = json(send("GET", "/plugins", null, null, null)).get("plugins");
            assertTrue(plugins.toString().contains("\"name\":\"rest-train\""), plugins.toString());
            assertTrue(plugins.toString().contains("\"bundle\":\"org.hourglass.family.dense\""), plugins.toString());
            String list = json(send("GET", "/pipelines", null, null, null)).toString();
            assertTrue(list.contains("\"name\":\"rest\",\"state\":\"TRAINED\""), list);
        }
    }

    // ------------------------------------------------------------------------------------------ set-up

    private void deploy() throws IOException {
        Path deploy = Files.createDirectories(home.resolve("deploy"));
        DeployFiles.fashionTraining(home, "rest-train", 0, 2000);
        DeployFiles.fashionTest(home, "rest-test", 0, 500);
        Files.writeString(deploy.resolve("org.hourglass.pipeline-rest.cfg"), String.join("\n",
                "hourglass.name=rest",
                "family=dense",
                "loss=mse",
                "scoring=reconstruction-error",
                "training.data=rest-train",
                "evaluation.data=rest-test",
                "latent.size=16",
                "epochs=3",
                "auto.train=false", ""));
        Files.writeString(deploy.resolve("org.hourglass.pipeline-rest-waiting.cfg"), String.join("\n",
                "hourglass.name=rest-waiting",
                "family=rest-no-such-family",
                "training.data=rest-train",
                "auto.train=false", ""));
    }

    /** The first n test images, pixel values 0..255. */
    private static float[][] testImages(int n) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(DeployFiles.FASHION_MNIST.resolve("t10k-images-idx3-ubyte.gz")))) {
            DataInputStream d = new DataInputStream(in);
            d.readFully(new byte[16]);
            float[][] rows = new float[n][WIDTH];
            byte[] pixels = new byte[WIDTH];
            for (int i = 0; i < n; i++) {
                d.readFully(pixels);
                for (int j = 0; j < WIDTH; j++) {
                    rows[i][j] = pixels[j] & 0xff;
                }
            }
            return rows;
        }
    }

    private static String instances(float[][] rows) throws IOException {
        return "{\"instances\": " + JSON.writeValueAsString(rows) + "}";
    }

    private static String csv(float[][] rows) {
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < WIDTH; j++) {
            sb.append(j == 0 ? "" : ",").append("pixel").append(j);
        }
        sb.append("\r\n");
        for (float[] row : rows) {
            for (int j = 0; j < row.length; j++) {
                sb.append(j == 0 ? "" : ",").append((int) row[j]);
            }
            sb.append("\r\n");
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------------------------------ HTTP

    private HttpResponse<byte[]> send(String method, String path, String authorization, String contentType,
                                      String body) throws IOException, InterruptedException {
        Map<String, String> headers = new java.util.HashMap<>();
        if (authorization != null) {
            headers.put("Authorization", authorization);
        }
        if (contentType != null) {
            headers.put("Content-Type", contentType);
        }
        return server.send(method, API + path, headers, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
    }

    private HttpResponse<byte[]> post(String path, String contentType, String body)
            throws IOException, InterruptedException {
        return send("POST", path, basic, contentType, body);
    }

    private String state(String pipeline) throws Exception {
        try {
            HttpResponse<byte[]> r = send("GET", "/pipelines/" + pipeline, null, null, null);
            return r.statusCode() == 200 ? JSON.readTree(r.body()).get("state").asText() : "absent";
        } catch (IOException e) {
            return "not listening";
        }
    }

    private static String text(HttpResponse<byte[]> r) {
        return r.statusCode() + " " + new String(r.body(), StandardCharsets.UTF_8);
    }

    private static JsonNode json(HttpResponse<byte[]> r) throws IOException {
        assertEquals(200, r.statusCode(), text(r));
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), text(r));
        return JSON.readTree(r.body());
    }

    /** Checks a JSON error answer and returns it. */
    private static JsonNode error(HttpResponse<byte[]> r, int status) throws IOException {
        assertEquals(status, r.statusCode(), text(r));
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), text(r));
        JsonNode e = JSON.readTree(r.body());
        assertEquals(status, e.get("status").asInt(), text(r));
        assertFalse(e.get("error").asText().isEmpty(), text(r));
        assertFalse(e.get("message").asText().isEmpty(), text(r));
        return e;
    }
}
