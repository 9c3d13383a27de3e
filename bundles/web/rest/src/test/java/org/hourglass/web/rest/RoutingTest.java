package org.hourglass.web.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.hourglass.api.pipeline.Pipeline;
import org.hourglass.api.pipeline.PipelineState;
import org.junit.jupiter.api.Test;

/**
 * How paths and methods find the API's resources on the whiteboard's runtime (what the hand-written router did
 * before): literal and parameter segments, a trailing slash, 404 for unknown paths, 405 with {@code Allow} for
 * known paths and other methods, HEAD with GET, OPTIONS refused like other methods.
 */
class RoutingTest {

    private final Map<String, Pipeline> pipelines = Map.of("demo", new FakePipeline("demo", PipelineState.READY),
            "a.b-c_d", new FakePipeline("a.b-c_d", PipelineState.READY));
    private final RestApi.Settings settings = new RestApi.Settings("admin", "", "", 1000, false);
    private final Client client = new Client(new RestApi(settings, new RestApi.Pipelines() {
        @Override
        public Pipeline get(String name) {
            return pipelines.get(name);
        }

        @Override
        public Collection<Pipeline> all() {
            return pipelines.values();
        }
    }, () -> List::of, new byte[] {'{', '}'}), settings);

    private Client.Answer send(String method, String path) {
        return client.send(method, path, Map.of(), 0, new ByteArrayInputStream(new byte[0]));
    }

    private static JsonNode error(Client.Answer a, int status) throws IOException {
        JsonNode e = Documents.MAPPER.readTree(a.bytes());
        assertEquals(status, a.status(), e.toString());
        assertEquals("application/json", a.contentType());
        assertEquals(status, e.get("status").asInt());
        assertEquals(Errors.reason(status), e.get("error").asText());
        return e;
    }

    @Test
    void literalAndParameterSegmentsMatch() throws IOException {
        assertEquals(200, send("GET", "/pipelines").status());
        JsonNode demo = Documents.MAPPER.readTree(send("GET", "/pipelines/demo").bytes());
        assertEquals("demo", demo.get("name").asText());
        JsonNode dotted = Documents.MAPPER.readTree(send("GET", "/pipelines/a.b-c_d/progress").bytes());
        assertEquals("a.b-c_d", dotted.get("name").asText());
        assertEquals(409, send("GET", "/pipelines/demo/model.onnx").status(), "the download route, no model yet");
    }

    @Test
    void aTrailingSlashIsTheSamePath() {
        assertEquals(200, send("GET", "/pipelines/").status());
    }

    @Test
    void unknownPathsAre404NamingThePath() throws IOException {
        for (String path : List.of("", "/", "/nothing", "/pipelines/x/unknown", "/pipelines/demo/score/more",
                "/pipelines//score")) {
            JsonNode e = error(send("GET", path), 404);
            assertTrue(e.get("message").asText().startsWith("no "), path + ": " + e);
        }
        assertEquals("no resource at /nothing", error(send("GET", "/nothing"), 404).get("message").asText());
    }

    @Test
    void aKnownPathWithTheWrongMethodIs405WithAllow() throws IOException {
        Client.Answer score = send("GET", "/pipelines/demo/score");
        assertEquals("GET is not allowed on /pipelines/demo/score; use POST",
                error(score, 405).get("message").asText());
        assertEquals("POST", score.headers().get("Allow"));
        Client.Answer delete = send("DELETE", "/pipelines");
        error(delete, 405);
        assertEquals("GET, HEAD", delete.headers().get("Allow"), "HEAD goes with GET");
    }

    @Test
    void headMatchesTheGetRouteAndOptionsIsRefused() throws IOException {
        assertEquals(200, send("HEAD", "/pipelines").status());
        Client.Answer head = send("HEAD", "/pipelines/demo/score");
        assertEquals(405, head.status());
        assertEquals("POST", head.headers().get("Allow"));
        Client.Answer options = send("OPTIONS", "/pipelines/demo");
        assertEquals("OPTIONS is not allowed on /pipelines/demo; use GET, HEAD",
                error(options, 405).get("message").asText());
        assertEquals("GET, HEAD", options.headers().get("Allow"));
    }
}
