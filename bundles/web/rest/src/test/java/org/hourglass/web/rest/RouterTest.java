package org.hourglass.web.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouterTest {

    private final Router router = new Router()
            .add("GET", "/pipelines", (r, p) -> null)
            .add("GET", "/pipelines/{name}", (r, p) -> null)
            .add("POST", "/pipelines/{name}/score", (r, p) -> null)
            .add("GET", "/pipelines/{name}/model.onnx", (r, p) -> null);

    @Test
    void literalAndParameterTemplatesMatch() {
        assertEquals("/pipelines", router.match("GET", "/pipelines").route().template());
        Router.Match m = router.match("GET", "/pipelines/demo");
        assertEquals("/pipelines/{name}", m.route().template());
        assertEquals(Map.of("name", "demo"), m.params());
        Router.Match score = router.match("POST", "/pipelines/a.b-c_d/score");
        assertEquals(Map.of("name", "a.b-c_d"), score.params());
        assertEquals("/pipelines/{name}/model.onnx", router.match("GET", "/pipelines/x/model.onnx").route().template());
    }

    @Test
    void aTrailingSlashIsTheSamePath() {
        assertEquals("/pipelines", router.match("GET", "/pipelines/").route().template());
    }

    @Test
    void unknownPathsAre404() {
        for (String path : List.of("", "/", "/nothing", "/pipelines/x/unknown", "/pipelines/x/score/more",
                "/pipelines//score")) {
            ApiException e = assertThrows(ApiException.class, () -> router.match("GET", path), path);
            assertEquals(404, e.status(), path);
        }
    }

    @Test
    void aKnownPathWithTheWrongMethodIs405WithAllow() {
        ApiException e = assertThrows(ApiException.class, () -> router.match("GET", "/pipelines/x/score"));
        assertEquals(405, e.status());
        assertEquals("POST", e.headers().get("Allow"));
        assertTrue(e.getMessage().contains("use POST"), e.getMessage());
        ApiException delete = assertThrows(ApiException.class, () -> router.match("DELETE", "/pipelines"));
        assertEquals(405, delete.status());
        assertEquals("GET, HEAD", delete.headers().get("Allow"), "HEAD goes with GET");
    }

    @Test
    void headMatchesTheGetRoute() {
        assertEquals("/pipelines/{name}/model.onnx", router.match("HEAD", "/pipelines/x/model.onnx").route()
                .template());
        assertEquals("GET", router.match("HEAD", "/pipelines").route().method());
        ApiException e = assertThrows(ApiException.class, () -> router.match("HEAD", "/pipelines/x/score"));
        assertEquals(405, e.status());
        assertEquals("POST", e.headers().get("Allow"));
    }

    @Test
    void duplicateRoutesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> router.add("GET", "/pipelines", (r, p) -> null));
        assertThrows(IllegalArgumentException.class, () -> router.add("GET", "relative", (r, p) -> null));
    }
}
