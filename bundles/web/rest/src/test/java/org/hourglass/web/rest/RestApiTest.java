package org.hourglass.web.rest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.hourglass.api.pipeline.Pipeline;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.api.pipeline.PluginInfo;
import org.hourglass.api.pipeline.PluginInventory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RestApiTest {

    private static final String BASIC = "Basic " + Base64.getEncoder().encodeToString(
            "admin:pw".getBytes(StandardCharsets.UTF_8));

    @TempDir
    Path dir;

    private final Map<String, Pipeline> pipelines = new HashMap<>();
    private PluginInventory inventory = () -> List.of(
            new PluginInfo("family", "dense", "org.hourglass.family.dense", "0.1.0", Map.of("latent", "32")));
    private FakePipeline trained;
    private RestApi api;
    private Client client;
    private RestApi clientOf;

    @BeforeEach
    void setUp() throws IOException {
        trained = new FakePipeline("trained", PipelineState.TRAINED);
        trained.modelFile = Files.write(dir.resolve("model-abc.onnx"), new byte[] {8, 8, 18, 1, 'x'});
        trained.recordFile = Files.writeString(dir.resolve("pipeline.json"), "{\"modelSha256\": \"abc\"}");
        FakePipeline waiting = new FakePipeline("waiting", PipelineState.WAITING);
        waiting.message = "waiting for family 'conv'";
        pipelines.put("trained", trained);
        pipelines.put("waiting", waiting);
        pipelines.put("ready", new FakePipeline("ready", PipelineState.READY));
        api = api(new RestApi.Settings("admin", "pw", "tok", 1000, false));
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
        }, () -> inventory, "{\"openapi\": \"3.0.3\"}".getBytes(StandardCharsets.UTF_8));
    }

    private Client.Answer call(String method, String path, String authorization, String contentType, String body) {
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (authorization != null) {
            headers.put("Authorization", authorization);
        }
        if (contentType != null) {
            headers.put("Content-Type", contentType);
        }
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        if (clientOf != api) {
            client = new Client(api, api.settings());
            clientOf = api;
        }
        return client.send(method, path, headers, bytes.length, new ByteArrayInputStream(bytes));
    }

    private Client.Answer get(String path) {
        return call("GET", path, null, null, null);
    }

    private Client.Answer post(String path, String body) {
        return call("POST", path, BASIC, "application/json", body);
    }

    private static JsonNode json(Client.Answer r) throws IOException {
        assertEquals("application/json", r.contentType());
        return Documents.MAPPER.readTree(r.bytes());
    }

    private static JsonNode error(Client.Answer r, int status) throws IOException {
        JsonNode e = json(r);
        assertEquals(status, r.status(), e.toString());
        assertEquals(status, e.get("status").asInt());
        assertEquals(Errors.reason(status), e.get("error").asText());
        assertFalse(e.get("message").asText().isEmpty());
        return e;
    }

    // ------------------------------------------------------------------ authentication

    @Test
    void postsNeedCredentialsAndSay401WithABasicChallenge() throws IOException {
        Client.Answer r = call("POST", "/pipelines/trained/score", null, "application/json", "{\"instances\": [[1,2,3]]}");
        error(r, 401);
        assertTrue(r.headers().get("WWW-Authenticate").startsWith("Basic "));
        error(call("POST", "/pipelines/trained/train", "Bearer wrong", null, null), 401);
        error(call("POST", "/pipelines/unknown/train", null, null, null), 401);
        assertEquals(200, call("POST", "/pipelines/trained/score", "Bearer tok", null, "{\"instances\": [[1,2,3]]}")
                .status());
        assertEquals(200, post("/pipelines/trained/score", "{\"instances\": [[1,2,3]]}").status());
    }

    @Test
    void readsAreOpenUnlessConfiguredOtherwise() throws IOException {
        assertEquals(200, get("/pipelines").status());
        api = api(new RestApi.Settings("admin", "pw", "", 1000, true));
        error(get("/pipelines"), 401);
        assertEquals(200, call("GET", "/pipelines", BASIC, null, null).status());
        error(call("GET", "/pipelines", "Bearer tok", null, null), 401);
    }

    @Test
    void headAnswersAsGetDoesAndNeedsWhatGetNeeds() throws IOException {
        Client.Answer get = get("/pipelines/trained/model.onnx");
        Client.Answer head = call("HEAD", "/pipelines/trained/model.onnx", null, null, null);
        assertEquals(200, head.status());
        assertEquals(get.contentType(), head.contentType());
        assertEquals(get.headers(), head.headers());
        assertEquals("5", head.headers().get("Content-Length"));
        assertEquals(0, head.bytes().length);
        Client.Answer list = call("HEAD", "/pipelines", null, null, null);
        assertEquals(Integer.toString(get("/pipelines").bytes().length), list.headers().get("Content-Length"),
                "the length of the body GET sends, not the body");
        assertEquals(0, list.bytes().length);
        Client.Answer post = call("HEAD", "/pipelines/trained/score", null, null, null);
        assertEquals(405, post.status(), "a HEAD answer has no body, errors neither");
        assertEquals("application/json", post.contentType());
        assertEquals("POST", post.headers().get("Allow"));
        assertEquals("GET, HEAD", error405(call("PUT", "/pipelines", BASIC, null, null)));
        api = api(new RestApi.Settings("admin", "pw", "", 1000, true));
        assertEquals(401, call("HEAD", "/pipelines", null, null, null).status());
        assertEquals(200, call("HEAD", "/pipelines", BASIC, null, null).status());
    }

    private static String error405(Client.Answer r) throws IOException {
        error(r, 405);
        return r.headers().get("Allow");
    }

    // ------------------------------------------------------------------ resources

    @Test
    void listsPluginsAndPipelines() throws IOException {
        JsonNode plugins = json(get("/plugins")).get("plugins");
        assertEquals("family", plugins.get(0).get("kind").asText());
        assertEquals("dense", plugins.get(0).get("name").asText());
        assertEquals("org.hourglass.family.dense", plugins.get(0).get("bundle").asText());
        assertEquals("0.1.0", plugins.get(0).get("version").asText());
        assertEquals("32", plugins.get(0).get("properties").get("latent").asText());

        JsonNode list = json(get("/pipelines")).get("pipelines");
        assertEquals(List.of("ready", "trained", "waiting"),
                List.of(list.get(0).get("name").asText(), list.get(1).get("name").asText(),
                        list.get(2).get("name").asText()));
        assertEquals("WAITING", list.get(2).get("state").asText());
        assertEquals("waiting for family 'conv'", list.get(2).get("message").asText());
        assertEquals(1.5, list.get(1).get("metrics").get("threshold").asDouble());

        inventory = null;
        error(get("/plugins"), 503);
    }

    @Test
    void pipelineDocumentHasStatusConfigurationThresholdAndHistogram() throws IOException {
        JsonNode p = json(get("/pipelines/trained"));
        assertEquals("TRAINED", p.get("state").asText());
        assertEquals(1.5, p.get("threshold").asDouble());
        assertEquals(3, p.get("configuration").get("epochs").asInt());
        assertNull(p.get("configuration").get("service.pid"), "framework bookkeeping is left out");
        assertEquals(3, p.get("histogram").get("edges").size());
        assertTrue(p.get("progress").isNull());

        JsonNode ready = json(get("/pipelines/ready"));
        assertNull(ready.get("threshold"), "no threshold without a model");
        assertTrue(ready.get("histogram").isNull());
        error(get("/pipelines/missing"), 404);
    }

    @Test
    void openapiIsServed() throws IOException {
        assertEquals("3.0.3", json(get("/openapi.json")).get("openapi").asText());
    }

    // ------------------------------------------------------------------ training

    @Test
    void trainStartsOnceAndCancelStopsIt() throws IOException {
        FakePipeline ready = (FakePipeline) pipelines.get("ready");
        Client.Answer started = post("/pipelines/ready/train", null);
        assertEquals(202, started.status());
        assertEquals("/hourglass/api/pipelines/ready/progress", started.headers().get("Location"));
        assertEquals("TRAINING", json(started).get("state").asText());

        error(post("/pipelines/ready/train", null), 409);
        JsonNode progress = json(get("/pipelines/ready/progress"));
        assertEquals("TRAINING", progress.get("state").asText());
        assertEquals(3, progress.get("progress").get("epochs").asInt());
        assertTrue(progress.get("progress").get("etaSeconds").isNull(), "NaN is written as null");
        assertEquals(3, progress.get("progress").get("epochDiagnostics").get(0).get("active_dimensions").asInt());
        JsonNode whileTraining = error(post("/pipelines/ready/score", "{\"instances\": [[1,2,3]]}"), 409);
        assertTrue(whileTraining.get("message").asText().contains("no trained model"));

        assertEquals(200, post("/pipelines/ready/cancel", null).status());
        assertFalse(ready.trainingRunning);
        error(post("/pipelines/ready/cancel", null), 409);
    }

    @Test
    void aWaitingPipelineAnswers503NamingThePlugin() throws IOException {
        JsonNode train = error(post("/pipelines/waiting/train", null), 503);
        assertTrue(train.get("message").asText().contains("family 'conv'"), train.toString());
        JsonNode score = error(post("/pipelines/waiting/score", "{\"instances\": [[1,2,3]]}"), 503);
        assertTrue(score.get("message").asText().contains("family 'conv'"), score.toString());
    }

    // ------------------------------------------------------------------ serving

    @Test
    void scoresFromJsonAndCsvAgree() throws IOException {
        JsonNode fromJson = json(post("/pipelines/trained/score", "{\"instances\": [[1,2,3],[0.5,0,0]]}"));
        JsonNode fromCsv = json(call("POST", "/pipelines/trained/score", BASIC, "text/csv; charset=utf-8; header=present",
                "a,b,c\n1,2,3\n0.5,0,0\n"));
        assertEquals(fromJson, fromCsv);
        assertEquals(6.0, fromJson.get("scores").get(0).asDouble());
        assertEquals(0.5, fromJson.get("scores").get(1).asDouble());
    }

    @Test
    void labelEncodeReconstructAndEvaluate() throws IOException {
        String body = "{\"instances\": [[1,2,3],[0.5,0,0]]}";
        JsonNode labels = json(post("/pipelines/trained/label", body));
        assertTrue(labels.get("labels").get(0).asBoolean());
        assertFalse(labels.get("labels").get(1).asBoolean());
        assertEquals(1.5, labels.get("threshold").asDouble());
        assertEquals(6.0, json(post("/pipelines/trained/encode", body)).get("codes").get(0).get(0).asDouble());
        assertEquals(3, json(post("/pipelines/trained/reconstruct", body)).get("reconstructions").get(0).size());

        JsonNode e = json(post("/pipelines/trained/evaluate",
                "{\"instances\": [[1,2,3],[0.5,0,0]], \"labels\": [1, 0]}"));
        assertEquals(2, e.get("count").asInt());
        assertEquals(1, e.get("anomalies").asInt());
        assertEquals(0.75, e.get("auroc").asDouble());
        assertTrue(e.get("f1").isNull());
        JsonNode baselines = e.get("baselines");
        assertEquals(2, baselines.size(), e.toString());
        assertEquals("knn", baselines.get(0).get("name").asText());
        assertEquals("distance to the 5th nearest of 7 training samples", baselines.get(0).get("description").asText());
        assertEquals(0.625, baselines.get(0).get("auroc").asDouble());
        assertEquals(0.5, baselines.get(0).get("averagePrecision").asDouble());
        assertEquals("iforest", baselines.get(1).get("name").asText());
        assertTrue(baselines.get(1).get("auroc").isNull(), "a NaN AUROC is null");
        assertEquals(1.0, baselines.get(1).get("averagePrecision").asDouble());
        JsonNode noData = error(post("/pipelines/trained/evaluate", ""), 400);
        assertTrue(noData.get("message").asText().contains("no evaluation.data"));
        JsonNode mismatch = error(post("/pipelines/trained/evaluate",
                "{\"instances\": [[1,2,3]], \"labels\": [1, 0]}"), 400);
        assertTrue(mismatch.get("message").asText().contains("one label per sample"));
    }

    @Test
    void namedOutputsPerSample() throws IOException {
        JsonNode o = json(post("/pipelines/trained/outputs/squares", "{\"instances\": [[1,2,3],[0.5,0,0]]}"));
        assertEquals("squares", o.get("output").asText());
        assertEquals(9.0, o.get("values").get(0).get(2).asDouble());
        assertEquals(0.25, o.get("values").get(1).get(0).asDouble());
        JsonNode missing = error(post("/pipelines/trained/outputs/nothing", "{\"instances\": [[1,2,3]]}"), 400);
        assertTrue(missing.get("message").asText().contains("no output 'nothing'"), missing.toString());
    }

    @Test
    void badInputIs400WithThePipelinesMessage() throws IOException {
        JsonNode width = error(post("/pipelines/trained/score", "{\"instances\": [[1,2,3],[1,2]]}"), 400);
        assertEquals("sample 1 has 2 values; the model expects 3", width.get("message").asText());
        JsonNode nan = error(call("POST", "/pipelines/trained/score", BASIC, "text/csv", "1,NaN,3"), 400);
        assertEquals("sample 0, feature 1 is NaN", nan.get("message").asText());
        JsonNode malformed = error(post("/pipelines/trained/score", "{\"instances\": [[1,2,3]"), 400);
        assertTrue(malformed.get("message").asText().startsWith("malformed JSON"));
        JsonNode emptyBatch = error(post("/pipelines/trained/score", "{\"instances\": []}"), 400);
        assertTrue(emptyBatch.get("message").asText().contains("empty"));
        JsonNode csvLine = error(call("POST", "/pipelines/trained/score", BASIC, "text/csv", "1,2,3\n4,five,6"), 400);
        assertEquals("CSV line 2, column 2: 'five' is not a number", csvLine.get("message").asText());
    }

    @Test
    void bodiesOverTheLimitAre413() throws IOException {
        String big = "{\"instances\": [[" + "1,".repeat(600) + "1]]}";
        JsonNode e = error(post("/pipelines/trained/score", big), 413);
        assertTrue(e.get("message").asText().contains("1000 bytes"), e.toString());
    }

    @Test
    void unknownPathsAndMethodsAreJsonErrors() throws IOException {
        error(get("/nothing/here"), 404);
        error(post("/pipelines/nope/score", "{\"instances\": [[1,2,3]]}"), 404);
        Client.Answer r = get("/pipelines/trained/score");
        error(r, 405);
        assertEquals("POST", r.headers().get("Allow"));
        error(call("PUT", "/pipelines", BASIC, null, null), 405);
    }

    @Test
    void unexpectedFailuresAre500WithoutDetails() throws IOException {
        pipelines.put("broken", new FakePipeline("broken", PipelineState.TRAINED) {
            @Override
            public double[] score(float[][] samples) {
                throw new IllegalStateException("secret internals");
            }
        });
        JsonNode e = error(post("/pipelines/broken/score", "{\"instances\": [[1,2,3]]}"), 500);
        assertFalse(e.get("message").asText().contains("secret internals"));
    }

    // ------------------------------------------------------------------ downloads

    @Test
    void modelAndRecordDownloads() throws IOException {
        Client.Answer model = get("/pipelines/trained/model.onnx");
        assertEquals(200, model.status());
        assertEquals("application/octet-stream", model.contentType());
        assertEquals("attachment; filename=\"trained.onnx\"", model.headers().get("Content-Disposition"));
        assertArrayEquals(Files.readAllBytes(trained.modelFile), model.bytes());

        Client.Answer record = get("/pipelines/trained/pipeline.json");
        assertEquals("application/json", record.contentType());
        assertEquals("attachment; filename=\"trained-pipeline.json\"", record.headers().get("Content-Disposition"));

        error(get("/pipelines/ready/model.onnx"), 409);
        error(get("/pipelines/waiting/pipeline.json"), 503);
        Files.delete(trained.modelFile);
        error(get("/pipelines/trained/model.onnx"), 409);
    }
}
