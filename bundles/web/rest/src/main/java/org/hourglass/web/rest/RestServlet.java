package org.hourglass.web.rest;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.hourglass.api.pipeline.Pipeline;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.api.pipeline.PluginInventory;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API servlet under {@code /hourglass/api}, registered with the OSGi Servlet Whiteboard. Pipelines are
 * tracked by name as they come and go; the work is done by {@link RestApi}, rebuilt when the configuration
 * changes.
 */
@Component(service = Servlet.class, configurationPid = RestServlet.PID, immediate = true, property = {
        "osgi.http.whiteboard.servlet.pattern=" + RestApi.BASE + "/*",
        "osgi.http.whiteboard.servlet.name=Hourglass REST API"})
@Designate(ocd = RestServlet.Config.class)
public final class RestServlet extends HttpServlet {

    static final String PID = "org.hourglass.web.rest";

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
        int max_request_rows() default RestApi.Settings.DEFAULT_MAX_ROWS;

        @AttributeDefinition(name = "Most values per request", description = "Requests whose samples hold more "
                + "values in all than this are refused with 413 while they are read (4 bytes of memory each).",
                min = "1")
        long max_request_values() default RestApi.Settings.DEFAULT_MAX_VALUES;

        @AttributeDefinition(name = "Reads need credentials", description = "When set, GET requests need "
                + "credentials too; otherwise only calls that change something (POST) do.")
        boolean read_requires_auth() default false;
    }

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RestServlet.class);

    /**
     * Every registered pipeline with the name it is registered under. Two configurations may give one name; the
     * pipeline refuses the second (FAILED, naming the first), and a lookup by name prefers the one that is not.
     */
    private final transient Map<Pipeline, String> byPipeline = new ConcurrentHashMap<>();
    private final transient byte[] openapi;
    private transient volatile RestApi api;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private transient volatile PluginInventory inventory;

    @Activate
    public RestServlet(Config config) throws IOException {
        try (InputStream in = RestServlet.class.getResourceAsStream("openapi.json")) {
            if (in == null) {
                throw new IOException("openapi.json is missing from the bundle");
            }
            this.openapi = in.readAllBytes();
        }
        modified(config);
    }

    @Modified
    void modified(Config config) {
        api = new RestApi(settings(config), new RestApi.Pipelines() {
            @Override
            public Pipeline get(String name) {
                return byPipeline.entrySet().stream().filter(e -> e.getValue().equals(name))
                        .map(Map.Entry::getKey)
                        .min(java.util.Comparator.comparing(p -> p.status().state() == PipelineState.FAILED))
                        .orElse(null);
            }

            @Override
            public Collection<Pipeline> all() {
                return List.copyOf(byPipeline.keySet());
            }
        }, () -> inventory, openapi);
        RestApi.Settings s = api.settings();
        LOG.info("REST API at {}: HTTP Basic {}, bearer token {}, reads {}, bodies up to {} bytes, {} samples and {} "
                + "values", RestApi.BASE,
                s.password().isEmpty() ? "off (no password)" : "on for user '" + s.username() + "'",
                s.token().isEmpty() ? "off" : "on", s.readRequiresAuth() ? "need credentials" : "open",
                s.maxRequestBytes(), s.maxRequestRows(), s.maxRequestValues());
    }

    static RestApi.Settings settings(Config c) {
        return new RestApi.Settings(c.username(), secret(c.password(), "password"), secret(c.token(), "token"),
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

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String path = req.getPathInfo() == null ? "" : req.getPathInfo();
        TrackedBody body = new TrackedBody(req.getInputStream());
        Request request = new Request(req.getMethod(), path, req::getHeader, req.getContentLengthLong(), body);
        Response answer = api.handle(request);
        if (TrackedBody.leftUnread(req.getContentLengthLong(), req.getHeader("Transfer-Encoding"), body.finished())) {
            answer.header("Connection", "close");
        }
        write(answer, resp, req.getMethod().equals("HEAD"));
    }

    /** Writes the answer; for HEAD its status and headers only (Content-Length is the body GET would get). */
    private static void write(Response r, HttpServletResponse resp, boolean head) throws IOException {
        InputStream file = null;
        long length;
        if (r.file() != null) {
            try {
                length = Files.size(r.file());
                file = Files.newInputStream(r.file());
            } catch (IOException e) {
                r = RestApi.error(409, "the model was replaced while answering; ask again");
                length = r.bytes().length;
            }
        } else {
            length = r.bytes().length;
        }
        resp.setStatus(r.status());
        resp.setContentType(r.contentType());
        resp.setContentLengthLong(length);
        resp.setHeader("Cache-Control", "no-store");
        resp.setHeader("X-Content-Type-Options", "nosniff");
        r.headers().forEach(resp::setHeader);
        if (head) {
            if (file != null) {
                file.close();
            }
            return;
        }
        try (OutputStream out = resp.getOutputStream()) {
            if (file != null) {
                try (InputStream in = file) {
                    in.transferTo(out);
                }
            } else {
                out.write(r.bytes());
            }
        }
    }
}
