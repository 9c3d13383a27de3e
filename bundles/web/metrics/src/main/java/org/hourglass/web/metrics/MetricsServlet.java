package org.hourglass.web.metrics;

import jakarta.servlet.Servlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.hourglass.api.executor.ExecutorInfo;
import org.hourglass.api.executor.OnnxExecutor;
import org.hourglass.api.pipeline.Pipeline;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * {@code GET /hourglass/metrics}: the Prometheus text format, made fresh for every scrape from the pipelines'
 * status and serving counters and the executor's info. Read-only and open, like the rest of the server bound to
 * loopback by default.
 */
@Component(service = Servlet.class, immediate = true, property = {
        "osgi.http.whiteboard.servlet.pattern=" + MetricsServlet.PATH,
        "osgi.http.whiteboard.servlet.name=Hourglass metrics"})
public final class MetricsServlet extends HttpServlet {

    static final String PATH = "/hourglass/metrics";
    private static final long serialVersionUID = 1L;

    private final transient Set<Pipeline> pipelines = ConcurrentHashMap.newKeySet();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private transient volatile OnnxExecutor executor;

    @Reference(service = Pipeline.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, unbind = "removePipeline")
    void addPipeline(Pipeline pipeline) {
        pipelines.add(pipeline);
    }

    void removePipeline(Pipeline pipeline) {
        pipelines.remove(pipeline);
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        List<Metrics.PipelineSnapshot> snapshots = new ArrayList<>();
        for (Pipeline p : pipelines) {
            snapshots.add(new Metrics.PipelineSnapshot(p.status(), p.servingStats()));
        }
        OnnxExecutor e = executor;
        ExecutorInfo info = e == null ? null : e.info();
        byte[] body = Metrics.render(snapshots, info).getBytes(StandardCharsets.UTF_8);
        resp.setStatus(200);
        resp.setContentType(Metrics.CONTENT_TYPE);
        resp.setContentLength(body.length);
        resp.setHeader("Cache-Control", "no-store");
        resp.getOutputStream().write(body);
    }
}
