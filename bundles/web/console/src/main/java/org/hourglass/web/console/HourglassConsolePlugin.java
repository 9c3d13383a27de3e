package org.hourglass.web.console;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.hourglass.api.pipeline.Pipeline;
import org.hourglass.api.pipeline.PipelineException;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.api.pipeline.PluginInfo;
import org.hourglass.api.pipeline.PluginInventory;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Web Console page "Hourglass" ({@code /system/console/hourglass}). Web Console 5 takes any
 * {@code jakarta.servlet.Servlet} service with a {@code felix.webconsole.label} as a plug-in: it wraps GET requests
 * without an extension (or ending in {@code .html}) in the console's frame, passes other GETs and every POST
 * straight through, serves {@code res/} from this bundle, and authenticates every request.
 *
 * <ul>
 * <li>{@code GET /hourglass}: plug-in inventory and pipelines;</li>
 * <li>{@code GET /hourglass/<pipeline>.html}: one pipeline (progress, loss curve, histogram, metrics);</li>
 * <li>{@code GET /hourglass/<pipeline>.json}: its status, polled by the page while it trains;</li>
 * <li>{@code POST /hourglass/<pipeline>} with {@code action=train|cancel}: then back to the pipeline's page.</li>
 * </ul>
 */
@Component(service = Servlet.class, property = {
        "felix.webconsole.label=" + Pages.LABEL,
        "felix.webconsole.title=Hourglass",
        "felix.webconsole.category=Hourglass",
        "felix.webconsole.css=/" + Pages.LABEL + "/res/hourglass.css"})
public class HourglassConsolePlugin extends HttpServlet {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(HourglassConsolePlugin.class);
    private static final String APP_ROOT = "felix.webconsole.appRoot";
    private static final int NOTES_KEPT = 64;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private transient volatile PluginInventory inventory;

    /** Pipeline services and the PIDs of their configurations. */
    private final transient Map<Pipeline, String> pipelines = new ConcurrentHashMap<>();

    /** Notes of recent actions, shown once by the page the action redirects to. */
    private final transient Map<String, Pages.Note> notes = java.util.Collections.synchronizedMap(
            new LinkedHashMap<>() {
                private static final long serialVersionUID = 1L;

                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Pages.Note> eldest) {
                    return size() > NOTES_KEPT;
                }
            });

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    void addPipeline(Pipeline pipeline, Map<String, Object> properties) {
        Object pid = properties.get("service.pid");
        pipelines.put(pipeline, pid == null ? "" : pid.toString());
    }

    void removePipeline(Pipeline pipeline) {
        pipelines.remove(pipeline);
    }

    // ------------------------------------------------------------------------------ GET

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Pages pages = new Pages(appRoot(req));
        String path = path(req);
        if (path.isEmpty()) {
            List<PluginInfo> plugins = List.of();
            PluginInventory inv = inventory;
            if (inv != null) {
                plugins = inv.plugins();
            }
            html(resp, pages.overview(views(), plugins, inv != null, takeNote(req)));
        } else if (path.endsWith(".json")) {
            String name = path.substring(0, path.length() - ".json".length());
            Optional<PipelineView> view = find(name).map(this::view);
            resp.setContentType("application/json");
            resp.setCharacterEncoding("UTF-8");
            resp.setHeader("Cache-Control", "no-store");
            if (view.isEmpty()) {
                resp.setStatus(HttpServletResponse.SC_NOT_FOUND);
                resp.getWriter().write(Json.write(new Pages.Missing("no pipeline named '" + name + "'")));
            } else {
                resp.getWriter().write(Json.write(pages.status(view.get())));
            }
        } else {
            String name = path.endsWith(".html") ? path.substring(0, path.length() - ".html".length()) : path;
            Optional<PipelineView> view = find(name).map(this::view);
            Pages.Note note = takeNote(req);
            html(resp, view.map(v -> pages.detail(v, note)).orElseGet(() -> pages.missing(name, note)));
        }
    }

    // ------------------------------------------------------------------------------ POST

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        // Cross-site forms are refused before the console sees them (org.hourglass.web.guard.ConsoleOriginFilter).
        Pages pages = new Pages(appRoot(req));
        String path = path(req);
        String name = path.endsWith(".html") ? path.substring(0, path.length() - ".html".length()) : path;
        String action = String.valueOf(req.getParameter("action"));
        Optional<Pipeline> pipeline = find(name);
        Pages.Note note;
        if (pipeline.isEmpty()) {
            note = new Pages.Note("There is no pipeline named '" + name + "'.", true);
        } else {
            note = act(pipeline.get(), name, action);
        }
        String id = UUID.randomUUID().toString();
        notes.put(id, note);
        String back = name.isEmpty() || pipeline.isEmpty() ? pages.overviewUrl() : pages.detailUrl(name);
        resp.setStatus(HttpServletResponse.SC_SEE_OTHER);
        resp.setHeader("Location", back + "?note=" + id);
    }

    private static Pages.Note act(Pipeline pipeline, String name, String action) {
        try {
            switch (action) {
                case "train":
                    pipeline.train();
                    LOG.info("Console: training of pipeline '{}' started", name);
                    return new Pages.Note("Training of '" + name + "' started.", false);
                case "cancel":
                    if (pipeline.cancel()) {
                        LOG.info("Console: training of pipeline '{}' cancelled", name);
                        return new Pages.Note("Training of '" + name + "' is being cancelled.", false);
                    }
                    return new Pages.Note("'" + name + "' is not training.", true);
                default:
                    return new Pages.Note("Unknown action '" + action + "'.", true);
            }
        } catch (PipelineException e) {
            return new Pages.Note(e.getMessage(), true);
        } catch (RuntimeException e) {
            LOG.warn("Console: {} of pipeline '{}' failed", action, name, e);
            return new Pages.Note(action + " failed: " + e, true);
        }
    }

    // ------------------------------------------------------------------------------ helpers

    private List<PipelineView> views() {
        List<PipelineView> list = new ArrayList<>();
        for (Pipeline p : pipelines.keySet()) {
            list.add(view(p));
        }
        list.sort(Comparator.comparing(PipelineView::name));
        return list;
    }

    private PipelineView view(Pipeline p) {
        return new PipelineView(p.status(), p.scoreHistogram(), p.configuration(), pipelines.getOrDefault(p, ""));
    }

    private Optional<Pipeline> find(String name) {
        // A second configuration with a taken name is FAILED naming the owner: the owner answers for the name.
        return pipelines.keySet().stream().filter(p -> p.name().equals(name))
                .min(java.util.Comparator.comparing(p -> p.status().state() == PipelineState.FAILED));
    }

    private Pages.Note takeNote(HttpServletRequest req) {
        String id = req.getParameter("note");
        return id == null ? null : notes.remove(id);
    }

    private static void html(HttpServletResponse resp, Html html) throws IOException {
        // The console has written its header already and set text/html; the page is the content between.
        PrintWriter w = resp.getWriter();
        w.write(html.markup());
    }

    /** What follows {@code /hourglass} in the path, without a leading slash. */
    static String path(HttpServletRequest req) {
        String info = req.getPathInfo();
        if (info == null) {
            return "";
        }
        String prefix = "/" + Pages.LABEL;
        String rest = info.startsWith(prefix) ? info.substring(prefix.length()) : info;
        while (rest.startsWith("/")) {
            rest = rest.substring(1);
        }
        return rest;
    }

    private static String appRoot(HttpServletRequest req) {
        Object root = req.getAttribute(APP_ROOT);
        return root != null ? root.toString() : req.getContextPath() + req.getServletPath();
    }
}
