package org.hourglass.web.rest;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Request;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.hourglass.api.pipeline.Evaluation;
import org.hourglass.api.pipeline.Pipeline;
import org.hourglass.api.pipeline.PipelineException;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.api.pipeline.PipelineStatus;
import org.hourglass.api.pipeline.PluginInventory;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsApplicationSelect;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsName;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsResource;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API's resource on the Jakarta RESTful Web Services Whiteboard: plug-ins, pipelines, training, serving,
 * evaluation and downloads. Paths are relative to {@code /hourglass/api} ({@link RestApplication}); credentials
 * are checked by {@link Authentication}, failures answered by {@link Errors}, documents written by Jackson
 * ({@link JsonWriter}). Pipelines are tracked by name as they come and go.
 */
@Component(service = RestApi.class, configurationPid = RestApi.PID)
@JakartarsResource
@JakartarsName("hourglass.rest.api")
@JakartarsApplicationSelect(RestApplication.SELECT)
@Designate(ocd = RestApi.Config.class)
@Path("/")
public final class RestApi {

    static final String PID = "org.hourglass.web.rest";

    /** Where the API is mounted; used for {@code Location} headers. */
    static final String BASE = "/hourglass/api";

    /** Service property naming a pipeline (org.hourglass.spi.PluginProperties.NAME; literal to avoid the SPI). */
    static final String NAME = "hourglass.name";

    @ObjectClassDefinition(name = "Hourglass REST API", description = "JSON API under /hourglass/api: plug-ins, "
            + "pipelines, training, scoring, evaluation and model downloads. Calls that change something (POST) "
            + "need credentials.")
    public @interface Config {
        @AttributeDefinition(name = "User", description = "User name for HTTP Basic authentication.")
        String username() default "admin";

        @AttributeDefinition(name = "Password", description = "Password for HTTP Basic authentication. Empty: "
                + "HTTP Basic is refused.", type = AttributeType.PASSWORD)
        String password() default "";

        @AttributeDefinition(name = "Bearer token", description = "Token accepted as 'Authorization: Bearer "
                + "<token>'. Empty: bearer tokens are refused.", type = AttributeType.PASSWORD)
        String token() default "";

        @AttributeDefinition(name = "Largest request body", description = "Request bodies larger than this many "
                + "bytes are refused with 413.", min = "1")
        long max_request_bytes() default 16L * 1024 * 1024;

        @AttributeDefinition(name = "Most samples per request", description = "Requests with more samples (rows) "
                + "than this are refused with 413 while they are read.", min = "1")
        int max_request_rows() default Settings.DEFAULT_MAX_ROWS;

        @AttributeDefinition(name = "Most values per request", description = "Requests whose samples hold more "
                + "values in all than this are refused with 413 while they are read (4 bytes of memory each).",
                min = "1")
        long max_request_values() default Settings.DEFAULT_MAX_VALUES;

        @AttributeDefinition(name = "Reads need credentials", description = "When set, GET requests need "
                + "credentials too; otherwise only calls that change something (POST) do.")
        boolean read_requires_auth() default false;
    }

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

    /**
     * Every registered pipeline with the name it is registered under. Two configurations may give one name; the
     * pipeline refuses the second (FAILED, naming the first), and a lookup by name prefers the one that is not.
     */
    private final Map<Pipeline, String> byPipeline = new ConcurrentHashMap<>();
    private final Pipelines pipelines;
    private final Supplier<PluginInventory> inventory;
    private final byte[] openapi;
    private final InputShapes shapes = new InputShapes();
    private volatile Settings settings;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile PluginInventory pluginInventory;

    @Activate
    public RestApi(Config config) throws IOException {
        this.pipelines = new Pipelines() {
            @Override
            public Pipeline get(String name) {
                return byPipeline.entrySet().stream().filter(e -> e.getValue().equals(name))
                        .map(Map.Entry::getKey)
                        .min(Comparator.comparing(p -> p.status().state() == PipelineState.FAILED))
                        .orElse(null);
            }

            @Override
            public Collection<Pipeline> all() {
                return List.copyOf(byPipeline.keySet());
            }
        };
        this.inventory = () -> pluginInventory;
        try (InputStream in = RestApi.class.getResourceAsStream("openapi.json")) {
            if (in == null) {
                throw new IOException("openapi.json is missing from the bundle");
            }
            this.openapi = in.readAllBytes();
        }
        modified(config);
    }

    /** An API over these pipelines and inventory (tests). */
    RestApi(Settings settings, Pipelines pipelines, Supplier<PluginInventory> inventory, byte[] openapi) {
        this.settings = settings;
        this.pipelines = pipelines;
        this.inventory = inventory;
        this.openapi = openapi.clone();
    }

    @Modified
    void modified(Config config) {
        Settings s = settings(config);
        settings = s;
        LOG.info("REST API at {}: HTTP Basic {}, bearer token {}, reads {}, bodies up to {} bytes, {} samples and {} "
                + "values", BASE,
                s.password().isEmpty() ? "off (no password)" : "on for user '" + s.username() + "'",
                s.token().isEmpty() ? "off" : "on", s.readRequiresAuth() ? "need credentials" : "open",
                s.maxRequestBytes(), s.maxRequestRows(), s.maxRequestValues());
    }

    static Settings settings(Config c) {
        return new Settings(c.username(), secret(c.password(), "password"), secret(c.token(), "token"),
                c.max_request_bytes(), c.read_requires_auth(), c.max_request_rows(), c.max_request_values());
    }

    /** An unresolved ConfigAdmin placeholder (variable not set) must not become a well-known secret. */
    private static String secret(String value, String attribute) {
        if (value == null) {
            return "";
        }
        if (value.startsWith("$[")) {
            LOG.warn("REST API: {} is the unresolved placeholder {}; treated as empty", attribute, value);
            return "";
        }
        return value;
    }

    Settings settings() {
        return settings;
    }

    @Reference(service = Pipeline.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, unbind = "removePipeline", updated = "updatedPipeline")
    void addPipeline(Pipeline pipeline, Map<String, Object> properties) {
        Object name = properties.get(NAME);
        if (name != null) {
            byPipeline.put(pipeline, name.toString());
        }
    }

    void updatedPipeline(Pipeline pipeline, Map<String, Object> properties) {
        byPipeline.remove(pipeline);
        addPipeline(pipeline, properties);
    }

    void removePipeline(Pipeline pipeline, Map<String, Object> properties) {
        byPipeline.remove(pipeline);
    }

    // ------------------------------------------------------------------------------------------ resources

    @GET
    @Path("openapi.json")
    public Response openapi() {
        return Response.ok(openapi, MediaType.APPLICATION_JSON_TYPE).build();
    }

    @GET
    @Path("plugins")
    public Response plugins() {
        PluginInventory inv = inventory.get();
        if (inv == null) {
            throw Errors.unavailable("the plug-in inventory is not available (bundle org.hourglass.pipeline "
                    + "not active)");
        }
        return ok(new Documents.Plugins(List.copyOf(inv.plugins())));
    }

    @GET
    @Path("pipelines")
    public Response pipelines() {
        return ok(new Documents.Pipelines(pipelines.all().stream().map(Pipeline::status)
                .sorted(Comparator.comparing(PipelineStatus::name)).map(Documents.Summary::of).toList()));
    }

    @GET
    @Path("pipelines/{name}")
    public Response pipeline(@PathParam("name") String name) {
        Pipeline p = find(name);
        PipelineStatus s = p.status();
        Map<String, Object> config = new HashMap<>(p.configuration());
        config.keySet().removeIf(k -> k.startsWith("service.") || k.startsWith("component.")
                || k.startsWith("felix.fileinstall."));
        Double threshold;
        try {
            threshold = p.threshold();
        } catch (PipelineException noModel) {
            threshold = null; // no model serves: the document has no threshold
        }
        return ok(new Documents.Pipeline(Documents.Summary.of(s), s.progress(), Documents.configuration(config),
                threshold, p.scoreHistogram().orElse(null)));
    }

    @GET
    @Path("pipelines/{name}/progress")
    public Response progress(@PathParam("name") String name) {
        PipelineStatus s = find(name).status();
        return ok(new Documents.Progress(s.name(), s.state().name(), s.message(), s.progress()));
    }

    // ------------------------------------------------------------------------------------------ training

    @POST
    @Path("pipelines/{name}/train")
    public Response train(@PathParam("name") String name) {
        Pipeline p = find(name);
        PipelineStatus before = p.status();
        if (before.state() == PipelineState.WAITING) {
            throw Errors.unavailable("pipeline '" + before.name() + "' cannot train: " + before.message());
        }
        if (before.state() == PipelineState.TRAINING) {
            throw Errors.conflict("pipeline '" + before.name() + "' is already training");
        }
        try {
            p.train();
        } catch (PipelineException e) {
            throw p.status().state() == PipelineState.WAITING ? Errors.unavailable(e.getMessage())
                    : Errors.conflict(e.getMessage());
        }
        String progress = BASE + "/pipelines/" + before.name() + "/progress";
        return Response.status(202).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new Documents.Started(Documents.Summary.of(p.status()), progress))
                .header(HttpHeaders.LOCATION, progress).build();
    }

    @POST
    @Path("pipelines/{name}/cancel")
    public Response cancel(@PathParam("name") String name) {
        Pipeline p = find(name);
        if (!p.cancel()) {
            PipelineStatus s = p.status();
            throw Errors.conflict("pipeline '" + s.name() + "' has no training job to cancel (state "
                    + s.state() + ")");
        }
        return ok(new Documents.Cancelled(Documents.Summary.of(p.status()), true));
    }

    // ------------------------------------------------------------------------------------------ serving

    @POST
    @Path("pipelines/{name}/score")
    public Response score(@PathParam("name") String name, ContainerRequestContext request)
            throws IOException {
        Pipeline p = find(name);
        float[][] x = samples(p, upload(request), false).instances();
        double[] scores = call(p, () -> p.score(x));
        oneEach(x, scores.length, "scores");
        return ok(new Documents.Scores(scores));
    }

    @POST
    @Path("pipelines/{name}/label")
    public Response label(@PathParam("name") String name, ContainerRequestContext request)
            throws IOException {
        Pipeline p = find(name);
        float[][] x = samples(p, upload(request), false).instances();
        boolean[] labels = call(p, () -> p.label(x));
        oneEach(x, labels.length, "labels");
        return ok(new Documents.Labels(labels, call(p, p::threshold)));
    }

    @POST
    @Path("pipelines/{name}/encode")
    public Response encode(@PathParam("name") String name, ContainerRequestContext request)
            throws IOException {
        Pipeline p = find(name);
        float[][] x = samples(p, upload(request), false).instances();
        return ok(new Documents.Codes(call(p, () -> p.encode(x))));
    }

    @POST
    @Path("pipelines/{name}/reconstruct")
    public Response reconstruct(@PathParam("name") String name, ContainerRequestContext request)
            throws IOException {
        Pipeline p = find(name);
        float[][] x = samples(p, upload(request), false).instances();
        return ok(new Documents.Reconstructions(call(p, () -> p.reconstruct(x))));
    }

    @POST
    @Path("pipelines/{name}/outputs/{output}")
    public Response output(@PathParam("name") String name, @PathParam("output") String output,
                           ContainerRequestContext request) throws IOException {
        Pipeline p = find(name);
        float[][] x = samples(p, upload(request), false).instances();
        return ok(new Documents.Output(output, call(p, () -> p.output(output, x))));
    }

    @POST
    @Path("pipelines/{name}/evaluate")
    public Response evaluate(@PathParam("name") String name, ContainerRequestContext request)
            throws IOException {
        Pipeline p = find(name);
        Bodies.Upload upload = upload(request);
        Bodies.Body body = Bodies.open(upload, settings.maxRequestBytes());
        Evaluation e;
        if (body.blank()) {
            Object data = p.configuration().get("evaluation.data");
            if (data == null || data.toString().isBlank()) {
                // The request names nothing to evaluate: 400 whatever the pipeline's state (docs/rest.md).
                throw Errors.badRequest("pipeline '" + p.name() + "' has no evaluation.data configured: "
                        + "send {\"instances\": [[...], ...], \"labels\": [...]} to evaluate labelled samples");
            }
            e = call(p, p::evaluate);
        } else {
            Bodies.Batch b = samples(p, body, upload, true);
            e = call(p, () -> p.evaluate(b.instances(), b.labels()));
        }
        return ok(e);
    }

    @GET
    @Path("pipelines/{name}/model.onnx")
    public Response model(@PathParam("name") String name, @Context Request request) {
        Pipeline p = find(name);
        return download(call(p, p::modelFile), MediaType.APPLICATION_OCTET_STREAM, p.name() + ".onnx", request);
    }

    @GET
    @Path("pipelines/{name}/pipeline.json")
    public Response record(@PathParam("name") String name, @Context Request request) {
        Pipeline p = find(name);
        return download(call(p, p::recordFile), MediaType.APPLICATION_JSON, p.name() + "-pipeline.json", request);
    }

    /**
     * A file as an attachment, with its length (HEAD too). The file is opened here: a model replaced since the
     * pipeline named it is a 409 before anything is sent.
     */
    private static Response download(java.nio.file.Path file, String type, String filename, Request request) {
        InputStream in = null;
        long length;
        try {
            length = Files.size(file);
            if (!request.getMethod().equals(HttpMethod.HEAD)) {
                in = Files.newInputStream(file);
            }
        } catch (IOException e) {
            throw Errors.conflict("the model was replaced while answering; ask again");
        }
        return Response.ok(in, type).header(HttpHeaders.CONTENT_LENGTH, length)
                .header("Content-Disposition", "attachment; filename=\"" + filename + "\"").build();
    }

    // ------------------------------------------------------------------------------------------ helpers

    private Pipeline find(String name) {
        Pipeline p = pipelines.get(name);
        if (p == null) {
            throw Errors.notFound("no pipeline named '" + name + "'");
        }
        return p;
    }

    /**
     * The request's body with the headers that say how to read it. The resource methods take the request context
     * rather than an {@code InputStream} entity: for that, the runtime reads a byte first to see whether there is
     * a body, which would start a body over the size limit (or one announced with {@code Expect: 100-continue})
     * flowing before it is refused.
     */
    private static Bodies.Upload upload(ContainerRequestContext request) {
        return new Bodies.Upload(request.getHeaderString(HttpHeaders.CONTENT_TYPE),
                request.getHeaderString(HttpHeaders.CONTENT_ENCODING),
                contentLength(request.getHeaderString(HttpHeaders.CONTENT_LENGTH)), request.getEntityStream());
    }

    /**
     * The declared body length, -1 when absent or not a number. Read here because the runtime's own
     * {@code getLength()} is an int and fails on a declared length over 2 GiB, which must be a 413.
     */
    static long contentLength(String header) {
        try {
            return header == null ? -1 : Long.parseLong(header.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private Bodies.Batch samples(Pipeline p, Bodies.Upload upload, boolean withLabels) throws IOException {
        return samples(p, Bodies.open(upload, settings.maxRequestBytes()), upload, withLabels);
    }

    /**
     * Parses the body's samples, checked against the served model's shape and the request limits as they
     * arrive. A refused body is read to its end (within max.request.bytes) so the client gets the answer.
     */
    private Bodies.Batch samples(Pipeline p, Bodies.Body body, Bodies.Upload upload, boolean withLabels)
            throws IOException {
        Settings s = settings;
        try {
            return Bodies.samples(body, upload, withLabels, shapes.of(p),
                    new Bodies.Limits(s.maxRequestRows(), s.maxRequestValues()));
        } catch (jakarta.ws.rs.WebApplicationException e) {
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

    static jakarta.ws.rs.WebApplicationException map(Pipeline p, PipelineException e) {
        String message = e.getMessage() == null ? "the pipeline refused the request" : e.getMessage();
        if (p.status().state() == PipelineState.WAITING) {
            return Errors.unavailable(message);
        }
        if (!serves(p)) {
            return Errors.conflict(message);
        }
        return Errors.badRequest(message);
    }

    private static boolean serves(Pipeline p) {
        try {
            p.modelFile();
            return true;
        } catch (PipelineException e) {
            return false;
        }
    }

    private static Response ok(Object document) {
        return Response.ok(document, MediaType.APPLICATION_JSON_TYPE).build();
    }
}
