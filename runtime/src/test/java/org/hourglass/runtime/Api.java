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
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/** The REST API of a {@link RunningServer} as the end-to-end tests use it: calls, states, errors, stored files. */
final class Api {

    static final String BASE = "/hourglass/api";
    static final ObjectMapper JSON = new ObjectMapper();
    static final int WIDTH = 784;

    private final RunningServer server;
    private final String basic;

    Api(RunningServer server, String password) {
        this.server = server;
        this.basic = basic(RunningServer.USER, password);
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** A call with any method, authorization (null: none), content type (null: none) and body (null: none). */
    HttpResponse<byte[]> send(String method, String path, String authorization, String contentType, byte[] body)
            throws IOException, InterruptedException {
        Map<String, String> headers = new HashMap<>();
        if (authorization != null) {
            headers.put("Authorization", authorization);
        }
        if (contentType != null) {
            headers.put("Content-Type", contentType);
        }
        return server.send(method, BASE + path, headers, body);
    }

    HttpResponse<byte[]> get(String path) throws IOException, InterruptedException {
        return send("GET", path, null, null, null);
    }

    /** POST with the console's credentials. */
    HttpResponse<byte[]> post(String path, String contentType, String body) throws IOException, InterruptedException {
        return send("POST", path, basic, contentType, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
    }

    /** The pipeline's state, "absent" when the API does not know it, "not listening" before the server answers. */
    String state(String pipeline) throws InterruptedException {
        try {
            HttpResponse<byte[]> r = get("/pipelines/" + pipeline);
            return r.statusCode() == 200 ? JSON.readTree(r.body()).get("state").asText() : "absent";
        } catch (IOException e) {
            return "not listening";
        }
    }

    /** The pipeline's document (state, message, progress, configuration). */
    JsonNode pipeline(String name) throws IOException, InterruptedException {
        return json(get("/pipelines/" + name));
    }

    static String text(HttpResponse<byte[]> r) {
        return r.statusCode() + " " + new String(r.body(), StandardCharsets.UTF_8);
    }

    static JsonNode json(HttpResponse<byte[]> r) throws IOException {
        assertEquals(200, r.statusCode(), text(r));
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), text(r));
        return JSON.readTree(r.body());
    }

    /** Checks a JSON error answer (status, reason, a message) and returns it. */
    static JsonNode error(HttpResponse<byte[]> r, int status) throws IOException {
        assertEquals(status, r.statusCode(), text(r));
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), text(r));
        JsonNode e = JSON.readTree(r.body());
        assertEquals(status, e.get("status").asInt(), text(r));
        assertFalse(e.get("error").asText().isEmpty(), text(r));
        assertFalse(e.get("message").asText().isEmpty(), text(r));
        return e;
    }

    /** {"instances": rows} */
    static String instances(float[][] rows) throws IOException {
        return "{\"instances\": " + JSON.writeValueAsString(rows) + "}";
    }

    /** The first n Fashion-MNIST test images, pixel values 0..255. */
    static float[][] testImages(int n) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(
                DeployFiles.FASHION_MNIST.resolve("t10k-images-idx3-ubyte.gz")))) {
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

    /** SHA-256 of every file under {@code dir} by relative path: to show stored state did not change. */
    static Map<String, String> hashes(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                out.put(dir.relativize(f).toString(), sha256(Files.readAllBytes(f)));
            }
        }
        return out;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Checks {@code <models>/pipeline.json} names a model file whose SHA-256 is the recorded one; returns it. */
    static String intactModel(Path models) throws IOException {
        JsonNode record = JSON.readTree(Files.readAllBytes(models.resolve("pipeline.json")));
        String file = record.get("modelFile").asText();
        String sha = record.get("modelSha256").asText();
        assertEquals(sha, sha256(Files.readAllBytes(models.resolve(file))), "stored model " + file
                + " matches its record");
        return sha;
    }
}
