package org.hourglass.web.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** docs/openapi.json (copied into the bundle) and the resource's routes describe the same API. */
class OpenApiTest {

    private static final java.util.Set<String> METHODS = java.util.Set.of("get", "put", "post", "delete", "options",
            "head", "patch", "trace");

    private static JsonNode document() throws IOException {
        try (InputStream in = RestApi.class.getResourceAsStream("openapi.json")) {
            assertNotNull(in, "openapi.json is a resource of the bundle");
            return Documents.MAPPER.readTree(in);
        }
    }

    /** A resource method of the API: its HTTP method and path template. */
    private record Route(String method, String template) {
    }

    /** The resource's routes, read from its JAX-RS annotations as the runtime reads them. */
    private static List<Route> routes() {
        List<Route> routes = new ArrayList<>();
        for (Method m : RestApi.class.getMethods()) {
            Path path = m.getAnnotation(Path.class);
            String method = m.isAnnotationPresent(GET.class) ? "GET" : m.isAnnotationPresent(POST.class) ? "POST"
                    : null;
            if (path != null && method != null) {
                routes.add(new Route(method, "/" + path.value()));
            }
        }
        assertFalse(routes.isEmpty());
        return routes;
    }

    @Test
    void everyRouteIsDescribedAndEveryDescribedOperationIsRouted() throws IOException {
        JsonNode doc = document();
        assertTrue(doc.get("openapi").asText().startsWith("3."));
        assertEquals("/hourglass/api", doc.get("servers").get(0).get("url").asText());

        TreeSet<String> described = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.get("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            for (Iterator<String> ops = path.getValue().fieldNames(); ops.hasNext(); ) {
                String op = ops.next();
                if (METHODS.contains(op)) {
                    described.add(op.toUpperCase(java.util.Locale.ROOT) + " " + path.getKey());
                }
            }
        }
        TreeSet<String> routed = new TreeSet<>();
        for (Route r : routes()) {
            routed.add(r.method() + " " + r.template());
        }
        assertEquals(routed, described);
    }

    @Test
    void operationsDeclareTheirErrorsAndPostsTheirSecurity() throws IOException {
        JsonNode doc = document();
        JsonNode schemes = doc.get("components").get("securitySchemes");
        assertEquals("basic", schemes.get("basic").get("scheme").asText());
        assertEquals("bearer", schemes.get("bearer").get("scheme").asText());
        for (Route r : routes()) {
            JsonNode op = doc.get("paths").get(r.template()).get(r.method().toLowerCase(java.util.Locale.ROOT));
            assertFalse(op.get("summary").asText().isEmpty(), r.template());
            assertNotNull(op.get("responses").get("401"), r.method() + " " + r.template() + " declares 401");
            if (r.template().contains("{name}")) {
                assertNotNull(op.get("responses").get("404"), r.method() + " " + r.template() + " declares 404");
            }
            if (r.method().equals("POST")) {
                assertEquals(2, op.get("security").size(), r.template() + " needs Basic or Bearer");
            }
        }
    }

    @Test
    void referencesResolve() throws IOException {
        JsonNode doc = document();
        check(doc, doc);
    }

    private static void check(JsonNode root, JsonNode node) {
        if (node.isObject()) {
            JsonNode ref = node.get("$ref");
            if (ref != null) {
                String pointer = ref.asText();
                assertTrue(pointer.startsWith("#/"), pointer);
                assertFalse(root.at(pointer.substring(1)).isMissingNode(), "unresolved " + pointer);
            }
            node.elements().forEachRemaining(child -> check(root, child));
        } else if (node.isArray()) {
            node.elements().forEachRemaining(child -> check(root, child));
        }
    }
}
