package org.hourglass.web.rest;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.hourglass.api.pipeline.Evaluation;
import org.hourglass.api.pipeline.Pipeline;
import org.hourglass.api.pipeline.PipelineException;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.api.pipeline.PipelineStatus;
import org.hourglass.api.pipeline.PluginInfo;
import org.hourglass.api.pipeline.PluginInventory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API without the servlet container: routes, authentication, body limits, pipeline calls and the
 * mapping of failures to JSON errors. Paths are relative to {@code /hourglass/api}.
 */
final class RestApi {

    /** Where the API is mounted; used for {@code Location} headers. */
    static final String BASE = "/hourglass/api";

    /**
     * Effective configuration.
     *
     * @param username         HTTP Basic user
     * @param password         HTTP Basic password; empty refuses Basic
     * @param token            bearer token; empty refuses Bearer
     * @param maxRequestBytes  largest accepted request body
     * @param readRequiresAuth whether GET needs credentials too
     * @param maxRequestRows   most samples in one request
     * @param maxRequestValues most values in one request's samples together
     */
    record Settings(String username, String password, String token, long maxRequestBytes, boolean readRequiresAuth,
                    int maxRequestRows, long maxRequestValues) {

        static final int DEFAULT_MAX_ROWS = 100_000;
        static final long DEFAULT_MAX_VALUES = 4L * 1024 * 1024;

        /** With the default row and value limits. */
        Settings(String username, String password, String token, long maxRequestBytes, boolean readRequiresAuth) {
            this(username, password, token, maxRequestBytes, readRequiresAuth, DEFAULT_MAX_ROWS, DEFAULT_MAX_VALUES);
        }
    }

    /** The pipelines registered now. */
    interface Pipelines {
        /** The pipeline with this name, or null. */
        Pipeline get(String name);

        Collection<Pipeline> all();
    }

    private static final Logger LOG = LoggerFactory.getLogger(RestApi.class);
    private static final String AUTHENTICATE = "Basic realm=\"Hourglass REST API\", charset=\"UTF-8\"";

    private final Settings settings;
    private final Credentials credentials;
    private final Pipelines pipelines;
    private final Supplier<PluginInventory> inventory;
    private final byte[] openapi;
    private final Router router = new Router();
    private final InputShapes shapes = new InputShapes();

    RestApi(Settings settings, Pipelines pipelines, Supplier<PluginInventory> inventory, byte[] openapi) {
        this.settings = settings;
        this.credentials = new Credentials(settings.username(), settings.password(), settings.token());
        this.pipelines = pipelines;
        this.inventory = inventory;
        this.openapi = openapi.clone();
        router.add("GET", "/openapi.json", (r, p) -> Response.bytes(200, "application/json", this.openapi))
                .add("GET", "/plugins", (r, p) -> plugins())
                .add("GET", "/pipelines", (r, p) -> pipelines())
                .add("GET", "/pipelines/{name}", (r, p) -> pipeline(find(p)))
                .add("GET", "/pipelines/{name}/progress", (r, p) -> progress(find(p)))
                .add("POST", "/pipelines/{name}/train", (r, p) -> train(find(p)))
                .add("POST", "/pipelines/{name}/cancel", (r, p) -> cancel(find(p)))
                .add("POST", "/pipelines/{name}/score", (r, p) -> score(find(p), r))
                .add("POST", "/pipelines/{name}/label", (r, p) -> label(find(p), r))
                .add("POST", "/pipelines/{name}/encode", (r, p) -> encode(find(p), r))
                .add("POST", "/pipelines/{name}/reconstruct", (r, p) -> reconstruct(find(p), r))
                .add("POST", "/pipelines/{name}/outputs/{output}", (r, p) -> output(find(p), p.get("output"), r))
                .add("POST", "/pipelines/{name}/evaluate", (r, p) -> evaluate(find(p), r))
                .add("GET", "/pipelines/{name}/model.onnx", (r, p) -> model(find(p)))
                .add("GET", "/pipelines/{name}/pipeline.json", (r, p) -> record(find(p)));
    }

    Router router() {
        return router;
    }

    Settings settings() {
        return settings;
    }

    /** Answers a request; never throws, every failure is a JSON error. */
    Response handle(Request request) {
        try {
            Router.Match m = router.match(request.method(), request.path());
            authorize(request);
            return m.route().handler().handle(request, m.params());
        } catch (ApiException e) {
            Response r = error(e.status(), e.getMessage());
            e.headers().forEach(r::header);
            return r;
        } catch (PipelineException e) {
            return error(400, e.getMessage());
        } catch (IOException e) {
            LOG.debug("REST API: the body of {} {} could not be read", request.method(), request.path(), e);
            return error(400, "the request body could not be read to its end (the connection ended or timed out)");
        } catch (RuntimeException e) {
            LOG.error("REST API: {} {} failed", request.method(), request.path(), e);
            return error(500, "internal error; the server log has details");
        }
    }

    static Response error(int status, String message) {
        return Response.json(status, Json.bytes(Json.error(status, message == null ? Http.reason(status) : message)));
    }

    private void authorize(Request request) {
        boolean reading = request.method().equals("GET") || request.method().equals("HEAD");
        if (reading && !settings.readRequiresAuth()) {
            return;
        }
        Credentials.Check check = credentials.check(request.header("Authorization"));
        if (!check.ok()) {
            throw new ApiException(401, check.reason(), Map.of("WWW-Authenticate", AUTHENTICATE));
        }
    }

    // ------------------------------------------------------------------------------------------ resources

    private Pipeline find(Map<String, String> params) {
        String name = params.get("name");
        Pipeline p = pipelines.get(name);
        if (p == null) {
            throw ApiException.notFound("no pipeline named '" + name + "'");
        }
        return p;
    }

    private Response plugins() {
        PluginInventory inv = inventory.get();
        if (inv == null) {
            throw ApiException.unavailable("the plug-in inventory is not available (bundle org.hourglass.pipeline "
                    + "not active)");
        }
        ObjectNode o = Json.object();
        ArrayNode list = o.putArray("plugins");
        for (PluginInfo info : inv.plugins()) {
            list.add(Json.plugin(info));
        }
        return ok(o);
    }

    private Response pipelines() {
        ObjectNode o = Json.object();
        ArrayNode list = o.putArray("pipelines");
        pipelines.all().stream().map(Pipeline::status).sorted(Comparator.comparing(PipelineStatus::name))
                .forEach(s -> list.add(Json.summary(s)));
        return ok(o);
    }

    private Response pipeline(Pipeline p) {
        PipelineStatus s = p.status();
        ObjectNode o = Json.summary(s);
        o.set("progress", Json.progress(s.progress()));
        Map<String, Object> config = new HashMap<>(p.configuration());
        config.keySet().removeIf(k -> k.startsWith("service.") || k.startsWith("component.")
                || k.startsWith("felix.fileinstall."));
        o.set("configuration", Json.configuration(config));
        try {
            o.set("threshold", Json.number(p.threshold()));
        } catch (PipelineException noModel) {
            // no model serves: the document has no threshold
        }
        o.set("histogram", Json.histogram(p.scoreHistogram().orElse(null)));
        return ok(o);
    }

    private Response progress(Pipeline p) {
        PipelineStatus s = p.status();
        ObjectNode o = Json.object();
        o.put("name", s.name());
        o.put("state", s.state().name());
        o.put("message", s.message());
        o.set("progress", Json.progress(s.progress()));
        return ok(o);
    }

    // ------------------------------------------------------------------------------------------ training

    private Response train(Pipeline p) {
        PipelineStatus before = p.status();
        if (before.state() == PipelineState.WAITING) {
            throw ApiException.unavailable("pipeline '" + before.name() + "' cannot train: " + before.message());
        }
        if (before.state() == PipelineState.TRAINING) {
            throw ApiException.conflict("pipeline '" + before.name() + "' is already training");
        }
        try {
            p.train();
        } catch (PipelineException e) {
            throw p.status().state() == PipelineState.WAITING ? ApiException.unavailable(e.getMessage())
                    : ApiException.conflict(e.getMessage());
        }
        ObjectNode o = Json.summary(p.status());
        o.put("progressUrl", BASE + "/pipelines/" + before.name() + "/progress");
        return Response.json(202, Json.bytes(o)).header("Location", BASE + "/pipelines/" + before.name() + "/progress");
    }

    private Response cancel(Pipeline p) {
        if (!p.cancel()) {
            PipelineStatus s = p.status();
            throw ApiException.conflict("pipeline '" + s.name() + "' has no training job to cancel (state "
                    + s.state() + ")");
        }
        ObjectNode o = Json.summary(p.status());
        o.put("cancelled", true);
        return ok(o);
    }

    // ------------------------------------------------------------------------------------------ serving

    private Response score(Pipeline p, Request r) throws IOException {
        float[][] x = samples(p, r, false).instances();
        double[] scores = call(p, () -> p.score(x));
        oneEach(x, scores.length, "scores");
        ObjectNode o = Json.object();
        o.set("scores", Json.doubles(scores));
        return ok(o);
    }

    private Response label(Pipeline p, Request r) throws IOException {
        float[][] x = samples(p, r, false).instances();
        boolean[] labels = call(p, () -> p.label(x));
        oneEach(x, labels.length, "labels");
        double threshold = call(p, p::threshold);
        ObjectNode o = Json.object();
        ArrayNode a = o.putArray("labels");
        for (boolean b : labels) {
            a.add(b);
        }
        o.set("threshold", Json.number(threshold));
        return ok(o);
    }

    private Response encode(Pipeline p, Request r) throws IOException {
        float[][] x = samples(p, r, false).instances();
        ObjectNode o = Json.object();
        o.set("codes", Json.matrix(call(p, () -> p.encode(x))));
        return ok(o);
    }

    private Response reconstruct(Pipeline p, Request r) throws IOException {
        float[][] x = samples(p, r, false).instances();
        ObjectNode o = Json.object();
        o.set("reconstructions", Json.matrix(call(p, () -> p.reconstruct(x))));
        return ok(o);
    }

    private Response output(Pipeline p, String name, Request r) throws IOException {
        float[][] x = samples(p, r, false).instances();
        ObjectNode o = Json.object();
        o.put("output", name);
        o.set("values", Json.matrix(call(p, () -> p.output(name, x))));
        return ok(o);
    }

    private Response evaluate(Pipeline p, Request r) throws IOException {
        Bodies.Body body = Bodies.open(r, settings.maxRequestBytes());
        Evaluation e;
        if (body.blank()) {
            Object data = p.configuration().get("evaluation.data");
            if (data == null || data.toString().isBlank()) {
                // The request names nothing to evaluate: 400 whatever the pipeline's state (docs/rest.md).
                throw ApiException.badRequest("pipeline '" + p.name() + "' has no evaluation.data configured: "
                        + "send {\"instances\": [[...], ...], \"labels\": [...]} to evaluate labelled samples");
            }
            e = call(p, p::evaluate);
        } else {
            Bodies.Batch b = samples(p, body, r, true);
            e = call(p, () -> p.evaluate(b.instances(), b.labels()));
        }
        return ok(Json.evaluation(e));
    }

    private Response model(Pipeline p) {
        Path file = call(p, p::modelFile);
        return download(file, "application/octet-stream", p.name() + ".onnx");
    }

    private Response record(Pipeline p) {
        Path file = call(p, p::recordFile);
        return download(file, "application/json", p.name() + "-pipeline.json");
    }

    private static Response download(Path file, String type, String filename) {
        if (!Files.isRegularFile(file)) {
            throw ApiException.conflict("the model was replaced while answering; ask again");
        }
        return Response.file(type, file).header("Content-Disposition", "attachment; filename=\"" + filename + "\"");
    }

    private Bodies.Batch samples(Pipeline p, Request r, boolean withLabels) throws IOException {
        return samples(p, Bodies.open(r, settings.maxRequestBytes()), r, withLabels);
    }

    /**
     * Parses the body's samples, checked against the served model's shape and the request limits as they
     * arrive. A refused body is read to its end (within max.request.bytes) so the client gets the answer.
     */
    private Bodies.Batch samples(Pipeline p, Bodies.Body body, Request r, boolean withLabels) throws IOException {
        try {
            return Bodies.samples(body, r, withLabels, shapes.of(p),
                    new Bodies.Limits(settings.maxRequestRows(), settings.maxRequestValues()));
        } catch (ApiException e) {
            body.drain();
            throw e;
        }
    }

    /** A pipeline answers once per sample; anything else must not reach the client as a shorter list. */
    private static void oneEach(float[][] samples, int answers, String what) {
        if (answers != samples.length) {
            throw new IllegalStateException("the pipeline returned " + answers + " " + what + " for "
                    + samples.length + " samples");
        }
    }

    /**
     * Runs a pipeline call; a refusal becomes 503 while the pipeline waits for a plug-in, 409 when no model
     * serves (never trained, training, failed), else 400 (the input: its message names sample and feature).
     */
    static <T> T call(Pipeline p, Supplier<T> action) {
        try {
            return action.get();
        } catch (PipelineException e) {
            throw map(p, e);
        }
    }

    static ApiException map(Pipeline p, PipelineException e) {
        String message = e.getMessage() == null ? "the pipeline refused the request" : e.getMessage();
        if (p.status().state() == PipelineState.WAITING) {
            return ApiException.unavailable(message);
        }
        if (!serves(p)) {
            return ApiException.conflict(message);
        }
        return ApiException.badRequest(message);
    }

    private static boolean serves(Pipeline p) {
        try {
            p.modelFile();
            return true;
        } catch (PipelineException e) {
            return false;
        }
    }

    private static Response ok(ObjectNode o) {
        return Response.json(200, Json.bytes(o));
    }
}
