package org.hourglass.web.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.hourglass.api.pipeline.Pipeline;
import org.hourglass.api.pipeline.PipelineState;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Request parsing through the API: rows checked against the served model's shape (from its record) before the
 * pipeline is called, the row and value limits, compressed bodies, the evaluate-without-data status, and
 * messages without internals.
 */
class RequestLimitsTest {

    private static final String BASIC = "Basic " + Base64.getEncoder().encodeToString(
            "admin:pw".getBytes(StandardCharsets.UTF_8));

    @TempDir
    Path dir;

    private final Map<String, Pipeline> pipelines = new HashMap<>();
    private final AtomicInteger scored = new AtomicInteger();
    private FakePipeline trained;
    private RestApi api;

    @BeforeEach
    void setUp() throws IOException {
        trained = new FakePipeline("trained", PipelineState.TRAINED) {
            @Override
            public double[] score(float[][] samples) {
                scored.incrementAndGet();
                return super.score(samples);
            }
        };
        trained.modelFile = Files.write(dir.resolve("model-abc.onnx"), new byte[] {1});
        trained.recordFile = Files.writeString(dir.resolve("pipeline.json"),
                "{\"modelFile\": \"model-abc.onnx\", \"inputShape\": [1, 3], \"normalizer\": {}}");
        pipelines.put("trained", trained);
        pipelines.put("ready", new FakePipeline("ready", PipelineState.READY));
        api = api(new RestApi.Settings("admin", "pw", "", 1 << 20, false, 4, 100));
    }

    private RestApi api(RestApi.Settings settings) {
        return new RestApi(settings, new RestApi.Pipelines() {
            @Override
            public Pipeline get(String name) {
                return pipelines.get(name);
            }

            @Override
            public Collection<Pipeline> all() {
                return pipelines.values();
            }
        }, () -> List::of, "{}".getBytes(StandardCharsets.UTF_8));
    }

    private Client.Answer post(String path, String contentType, Map<String, String> extra, InputStream body, long length) {
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.put("Authorization", BASIC);
        headers.put("Content-Type", contentType);
        headers.putAll(extra);
        return new Client(api, api.settings()).send("POST", path, headers, length, body);
    }

    private Client.Answer post(String path, String contentType, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return post(path, contentType, Map.of(), new ByteArrayInputStream(bytes), bytes.length);
    }

    private static JsonNode answer(Client.Answer r, int status) throws IOException {
        assertEquals("application/json", r.contentType());
        JsonNode n = Documents.MAPPER.readTree(r.bytes());
        assertEquals(status, r.status(), n.toString());
        return n;
    }

    private static String message(Client.Answer r, int status) throws IOException {
        return answer(r, status).get("message").asText();
    }

    @Test
    void rowsOfTheWrongWidthAreRefusedFromTheRecordsShapeBeforeThePipelineIsCalled() throws IOException {
        assertEquals("sample 1 has 1 values; the model expects 3 (shape [1, 3])",
                message(post("/pipelines/trained/score", "application/json", "{\"instances\": [[1,2,3],[1]]}"), 400));
        assertEquals("CSV line 2 has 4 values; the model expects 3 (shape [1, 3])",
                message(post("/pipelines/trained/score", "text/csv", "1,2,3\n1,2,3,4\n"), 400));
        assertEquals(0, scored.get(), "the pipeline was not called");
        assertEquals(2, answer(post("/pipelines/trained/score", "text/csv", "1,2,3\n\n4,5,6\n"), 200)
                .get("scores").size(), "one score per row");
        // Another model serves: its record is read again.
        trained.modelFile = Files.write(dir.resolve("model-def.onnx"), new byte[] {2});
        Files.writeString(trained.recordFile, "{\"modelFile\": \"model-def.onnx\", \"inputShape\": [2]}");
        assertTrue(message(post("/pipelines/trained/score", "application/json", "{\"instances\": [[1,2,3]]}"), 400)
                .endsWith("the model expects 2 (shape [2])"));
    }

    @Test
    void withoutAReadableRecordThePipelineChecksTheRows() throws IOException {
        Files.writeString(trained.recordFile, "{\"modelFile\": \"model-other.onnx\", \"inputShape\": [3]}");
        assertEquals("sample 0 has 1 values; the model expects 3",
                message(post("/pipelines/trained/score", "application/json", "{\"instances\": [[1]]}"), 400));
        Files.writeString(trained.recordFile, "not json");
        assertEquals("sample 0 has 1 values; the model expects 3",
                message(post("/pipelines/trained/score", "application/json", "{\"instances\": [[1]]}"), 400));
    }

    @Test
    void rowAndValueLimitsAre413NamingTheSetting() throws IOException {
        String rows = message(post("/pipelines/trained/score", "application/json",
                "{\"instances\": [[1,2,3],[1,2,3],[1,2,3],[1,2,3],[1,2,3]]}"), 413);
        assertTrue(rows.contains("more than 4 samples") && rows.contains("max.request.rows"), rows);
        api = api(new RestApi.Settings("admin", "pw", "", 1 << 20, false, 100, 10));
        String values = message(post("/pipelines/trained/score", "text/csv", "1,2,3\n1,2,3\n1,2,3\n1,2,3\n"), 413);
        assertTrue(values.contains("more than 10 values") && values.contains("max.request.values"), values);
        assertEquals(0, scored.get());
    }

    @Test
    void aRefusedBodyIsReadToItsEndSoTheClientGetsTheAnswer() throws IOException {
        byte[] body = ("{\"instances\": [[1]" + ", [1]".repeat(50_000) + "]}").getBytes(StandardCharsets.UTF_8);
        ByteArrayInputStream in = new ByteArrayInputStream(body);
        assertEquals(400, post("/pipelines/trained/score", "application/json", Map.of(), in, body.length).status());
        assertEquals(0, in.available(), "the rest of the body was read");
    }

    @Test
    void compressedBodiesAre415() throws IOException {
        byte[] gz = {0x1f, (byte) 0x8b, 8, 0};
        String m = message(post("/pipelines/trained/score", "application/json", Map.of("Content-Encoding", "gzip"),
                new ByteArrayInputStream(gz), gz.length), 415);
        assertTrue(m.startsWith("Content-Encoding 'gzip' is not accepted"), m);
    }

    /** No evaluation data configured is a bad request whether or not a model serves (it used to be 409). */
    @Test
    void evaluateWithoutDataIs400InEveryState() throws IOException {
        for (String name : new String[] {"trained", "ready"}) {
            String m = message(post("/pipelines/" + name + "/evaluate", "application/json", " \n"), 400);
            assertTrue(m.startsWith("pipeline '" + name + "' has no evaluation.data configured"), m);
        }
        assertEquals(409, post("/pipelines/ready/evaluate", "application/json",
                "{\"instances\": [[1,2,3]], \"labels\": [0]}").status(), "labelled samples need a model");
    }

    @Test
    void failuresShowNoClassNames() throws IOException {
        InputStream broken = new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("org.eclipse.jetty.io.EofException: Early EOF");
            }
        };
        String m = message(post("/pipelines/trained/score", "application/json", Map.of(), broken, 100), 400);
        assertEquals("the request body could not be read to its end (the connection ended or timed out)", m);
        pipelines.put("broken", new FakePipeline("broken", PipelineState.TRAINED) {
            @Override
            public double[] score(float[][] samples) {
                throw new NegativeArraySizeException("-1942967296");
            }
        });
        assertEquals("internal error; the server log has details",
                message(post("/pipelines/broken/score", "application/json", "{\"instances\": [[1,2,3]]}"), 500));
    }

    @Test
    void fewerScoresThanRowsIsAFailureNotAShortAnswer() throws IOException {
        pipelines.put("short", new FakePipeline("short", PipelineState.TRAINED) {
            @Override
            public double[] score(float[][] samples) {
                return new double[] {1};
            }
        });
        assertFalse(post("/pipelines/short/score", "text/csv", "1,2,3\n4,5,6\n").status() < 500);
    }
}
