package org.hourglass.web.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.hourglass.api.pipeline.Pipeline;
import org.hourglass.api.pipeline.PipelineException;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.api.pipeline.PipelineStatus;
import org.junit.jupiter.api.Test;

/** The servlet's routing and actions, with requests, responses and a pipeline made of dynamic proxies. */
class HourglassConsolePluginTest {

    private final HourglassConsolePlugin plugin = new HourglassConsolePlugin();
    private final AtomicInteger trainCalls = new AtomicInteger();
    private PipelineState state = PipelineState.READY;

    HourglassConsolePluginTest() {
        Pipeline p = (Pipeline) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Pipeline.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "name" -> "demo";
                    case "status" -> new PipelineStatus("demo", state, "", null, Map.of());
                    case "scoreHistogram" -> Optional.empty();
                    case "configuration" -> Map.of("hourglass.name", "demo");
                    case "train" -> {
                        trainCalls.incrementAndGet();
                        if (state == PipelineState.TRAINING) {
                            throw new PipelineException("pipeline 'demo' is already training");
                        }
                        state = PipelineState.TRAINING;
                        yield null;
                    }
                    case "cancel" -> false;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        plugin.addPipeline(p, Map.of("service.pid", "org.hourglass.pipeline~demo"));
    }

    @Test
    void trainTwiceRedirectsWithTheErrorAsANote() throws Exception {
        Response first = post("/hourglass/demo", Map.of("action", "train"), null);
        assertEquals(303, first.status);
        assertTrue(first.headers.get("Location").startsWith("/system/console/hourglass/demo.html?note="));
        assertEquals(PipelineState.TRAINING, state);

        Response second = post("/hourglass/demo", Map.of("action", "train"), null);
        String page = get("/hourglass/demo.html", noteOf(second)).body();
        assertTrue(page.contains("hg-note-error") && page.contains("pipeline &#39;demo&#39; is already training"),
                page);
        assertFalse(get("/hourglass/demo.html", noteOf(second)).body().contains("hg-note"), "a note shows once");
        assertEquals(2, trainCalls.get());
    }

    @Test
    void cancelWhenIdleAndUnknownThings() throws Exception {
        String page = get("/hourglass/demo.html", noteOf(post("/hourglass/demo", Map.of("action", "cancel"), null)))
                .body();
        assertTrue(page.contains("&#39;demo&#39; is not training"), page);
        Response unknown = post("/hourglass/nope", Map.of("action", "train"), null);
        assertTrue(unknown.headers.get("Location").startsWith("/system/console/hourglass?note="));
        assertTrue(get("/hourglass", noteOf(unknown)).body().contains("no pipeline named &#39;nope&#39;"));
        assertTrue(get("/hourglass/demo.html", noteOf(post("/hourglass/demo", Map.of("action", "x<"), null)))
                .body().contains("Unknown action &#39;x&lt;&#39;"));
    }

    @Test
    void overviewDetailAndJson() throws Exception {
        assertTrue(get("/hourglass", null).body().contains("href=\"/system/console/hourglass/demo.html\""));
        assertTrue(get("/hourglass/demo", null).body().contains("id=\"hg-detail\""), "without .html too");
        Response json = get("/hourglass/demo.json", null);
        assertEquals("application/json", json.contentType);
        assertTrue(json.body().startsWith("{\"name\":\"demo\",\"state\":\"READY\""), json.body());
        Response missing = get("/hourglass/other.json", null);
        assertEquals(404, missing.status);
        assertTrue(get("/hourglass/other.html", null).body().contains("no pipeline named"));
    }

    // ------------------------------------------------------------------------------ fakes

    private static final class Response {
        int status = 200;
        String contentType;
        final Map<String, String> headers = new HashMap<>();
        final StringWriter out = new StringWriter();

        String body() {
            return out.toString();
        }
    }

    private static String noteOf(Response r) {
        String location = r.headers.get("Location");
        return location.substring(location.indexOf("note=") + 5);
    }

    private Response get(String path, String note) throws Exception {
        Response r = new Response();
        plugin.doGet(request("GET", path, note == null ? Map.of() : Map.of("note", note), null), response(r));
        return r;
    }

    private Response post(String path, Map<String, String> params, String origin) throws Exception {
        Response r = new Response();
        plugin.doPost(request("POST", path, params, origin), response(r));
        return r;
    }

    private static HttpServletRequest request(String method, String path, Map<String, String> params, String origin) {
        Map<String, String> headers = new HashMap<>();
        headers.put("Host", "127.0.0.1:8080");
        if (origin != null) {
            headers.put("Origin", origin);
        }
        return (HttpServletRequest) Proxy.newProxyInstance(HourglassConsolePluginTest.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, m, args) -> switch (m.getName()) {
                    case "getMethod" -> method;
                    case "getPathInfo" -> path;
                    case "getParameter" -> params.get((String) args[0]);
                    case "getHeader" -> headers.get((String) args[0]);
                    case "getAttribute" -> "felix.webconsole.appRoot".equals(args[0]) ? "/system/console" : null;
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    private static HttpServletResponse response(Response r) {
        PrintWriter writer = new PrintWriter(r.out);
        return (HttpServletResponse) Proxy.newProxyInstance(HourglassConsolePluginTest.class.getClassLoader(),
                new Class<?>[] {HttpServletResponse.class}, (proxy, m, args) -> {
                    switch (m.getName()) {
                        case "getWriter" -> {
                            return writer;
                        }
                        case "setStatus", "sendError" -> r.status = (Integer) args[0];
                        case "setHeader" -> r.headers.put((String) args[0], (String) args[1]);
                        case "setContentType" -> r.contentType = (String) args[0];
                        case "setCharacterEncoding" -> {
                        }
                        default -> throw new UnsupportedOperationException(m.getName());
                    }
                    return null;
                });
    }

}
