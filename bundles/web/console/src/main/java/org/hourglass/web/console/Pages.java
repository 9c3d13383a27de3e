package org.hourglass.web.console;

import java.lang.reflect.Array;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.hourglass.api.pipeline.Pipeline;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.api.pipeline.PluginInfo;
import org.hourglass.api.pipeline.TrainingProgress;

/** Renders the page's views from templates; URLs are relative to the Web Console's root ({@code appRoot}). */
final class Pages {

    static final String LABEL = "hourglass";

    /** A message shown once after an action: what happened, or why it could not. */
    record Note(String text, boolean error) {
    }

    /** Kinds in the order the inventory shows them, with their headings. */
    private static final Map<String, String> KINDS = kinds();

    private static final Map<String, String> METRIC_NAMES = metricNames();

    private static final Template OVERVIEW = Template.load("overview.html");
    private static final Template PIPELINES = Template.load("pipelines.html");
    private static final Template PIPELINE_ROW = Template.load("pipeline-row.html");
    private static final Template PLUGINS = Template.load("plugins.html");
    private static final Template PLUGIN_GROUP = Template.load("plugin-group.html");
    private static final Template PLUGIN_ROW = Template.load("plugin-row.html");
    private static final Template PLUGIN_NONE = Template.load("plugin-none.html");
    private static final Template EMPTY = Template.load("empty.html");
    private static final Template NOTE = Template.load("note.html");
    private static final Template KV_ROW = Template.load("kv-row.html");
    private static final Template METRIC_ROW = Template.load("metric-row.html");
    private static final Template DETAIL = Template.load("detail.html");
    private static final Template OVERVIEW_LINK = Template.of("overview-link",
            "<p class=\"hg-nav\"><a href=\"{{overviewUrl}}\">&larr; All pipelines</a></p>");

    private static final Html DISABLED = new Html(" disabled");

    private final String appRoot;

    Pages(String appRoot) {
        this.appRoot = appRoot.endsWith("/") ? appRoot.substring(0, appRoot.length() - 1) : appRoot;
    }

    // ------------------------------------------------------------------------------ URLs

    String overviewUrl() {
        return appRoot + "/" + LABEL;
    }

    String detailUrl(String pipeline) {
        return overviewUrl() + "/" + segment(pipeline) + ".html";
    }

    String jsonUrl(String pipeline) {
        return overviewUrl() + "/" + segment(pipeline) + ".json";
    }

    String actionUrl(String pipeline) {
        return overviewUrl() + "/" + segment(pipeline);
    }

    /**
     * The Configuration Manager's form for a new factory configuration of pipelines; after saving (or closing) it
     * the console comes back to this page ({@code referer}).
     */
    String newPipelineUrl() {
        return appRoot + "/configMgr/" + Pipeline.FACTORY_PID + "?factoryCreate=true&referer="
                + URLEncoder.encode(overviewUrl(), StandardCharsets.UTF_8);
    }

    /** The Configuration Manager's form of one pipeline's configuration, coming back to {@code back}. */
    String editUrl(String configPid, String back) {
        if (configPid == null || configPid.isEmpty()) {
            return appRoot + "/configMgr";
        }
        return appRoot + "/configMgr/" + segment(configPid) + "?referer=" + URLEncoder.encode(back, StandardCharsets.UTF_8);
    }

    String scriptUrl() {
        return overviewUrl() + "/res/hourglass.js";
    }

    /** Percent-encodes everything but unreserved characters, for one path segment. */
    static String segment(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                    || c == '_' || c == '~') {
                sb.append(c);
            } else {
                sb.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------------------ overview

    Html overview(List<PipelineView> pipelines, List<PluginInfo> plugins, boolean inventoryAvailable, Note note) {
        Html table;
        if (pipelines.isEmpty()) {
            table = EMPTY.render(Map.of("text", "No pipeline is configured yet."));
        } else {
            List<Html> rows = new ArrayList<>();
            for (PipelineView p : pipelines) {
                rows.add(PIPELINE_ROW.render(pipelineRow(p)));
            }
            table = PIPELINES.render(Map.of("rows", Html.join(rows)));
        }
        Html inventory = inventoryAvailable ? PLUGINS.render(Map.of("groups", pluginGroups(plugins)))
                : EMPTY.render(Map.of("text", "The plug-in inventory service is not available."));
        return OVERVIEW.render(Map.of("note", note(note), "newPipelineUrl", newPipelineUrl(), "pipelines", table,
                "plugins", inventory));
    }

    private Map<String, Object> pipelineRow(PipelineView p) {
        TrainingProgress tp = p.status().progress();
        String training = tp == null ? Format.NONE
                : p.status().state() == PipelineState.TRAINING ? "epoch " + tp.epoch() + " / " + tp.epochs()
                : tp.done() ? "done (" + tp.epochLosses().size() + " epochs)" : Format.NONE;
        Map<String, Double> m = p.status().metrics();
        return Map.of("name", p.name(), "detailUrl", detailUrl(p.name()), "state", p.status().state().name(),
                "stateClass", stateClass(p.status().state()), "message", text(p.status().message()), "training", training,
                "auroc", Format.number(m.getOrDefault("eval_auroc", Double.NaN)),
                "threshold", Format.number(m.getOrDefault("threshold", Double.NaN)),
                "editUrl", editUrl(p.configPid(), overviewUrl()));
    }

    private static Html pluginGroups(List<PluginInfo> plugins) {
        Map<String, List<PluginInfo>> byKind = new LinkedHashMap<>();
        KINDS.keySet().forEach(k -> byKind.put(k, new ArrayList<>()));
        for (PluginInfo p : plugins) {
            byKind.computeIfAbsent(p.kind(), k -> new ArrayList<>()).add(p);
        }
        List<Html> groups = new ArrayList<>();
        byKind.forEach((kind, list) -> {
            List<Html> rows = new ArrayList<>();
            for (PluginInfo p : list) {
                rows.add(PLUGIN_ROW.render(Map.of("kind", kind, "name", text(p.name()), "bundle", text(p.bundle()),
                        "version", text(p.version()))));
            }
            if (rows.isEmpty()) {
                rows.add(PLUGIN_NONE.render(Map.of()));
            }
            groups.add(PLUGIN_GROUP.render(Map.of("kind", kind, "title", KINDS.getOrDefault(kind, kind),
                    "count", list.size(), "rows", Html.join(rows))));
        });
        return Html.join(groups);
    }

    // ------------------------------------------------------------------------------ detail

    Html detail(PipelineView p, Note note) {
        Map<String, Object> v = new LinkedHashMap<>(fields(p));
        PipelineState state = p.status().state();
        TrainingProgress tp = p.status().progress();
        v.put("name", p.name());
        v.put("stateClass", stateClass(state));
        v.put("jsonUrl", jsonUrl(p.name()));
        v.put("detailUrl", detailUrl(p.name()));
        v.put("overviewUrl", overviewUrl());
        v.put("editUrl", editUrl(p.configPid(), detailUrl(p.name())));
        v.put("postUrl", actionUrl(p.name()));
        v.put("scriptUrl", scriptUrl());
        v.put("note", note(note));
        v.put("trainDisabled", state == PipelineState.TRAINING || state == PipelineState.WAITING ? DISABLED : Html.EMPTY);
        v.put("cancelDisabled", state == PipelineState.TRAINING ? Html.EMPTY : DISABLED);
        v.put("percent", Format.number(percent(tp)));
        v.put("lossCurve", lossCurve(tp));
        Map<String, Double> metrics = p.status().metrics();
        v.put("histogram", p.histogram()
                .map(h -> Charts.histogram(h, metrics.getOrDefault("eval_auroc", Double.NaN)))
                .orElseGet(() -> EMPTY.render(Map.of("text", "No model serves yet: train the pipeline."))));
        v.put("roc", p.histogram()
                .map(h -> Charts.rocCurve(h, metrics.getOrDefault("eval_auroc", Double.NaN)))
                .orElse(Html.EMPTY));
        v.put("metrics", metricRows(metrics));
        v.put("configuration", configurationRows(p.configuration()));
        return DETAIL.render(v);
    }

    Html missing(String name, Note note) {
        return Html.join(List.of(note(note), EMPTY.render(Map.of("text", "There is no pipeline named '" + name + "'.")),
                OVERVIEW_LINK.render(Map.of("overviewUrl", overviewUrl()))));
    }

    /** The status endpoint's answer, written by Jackson as it is (the API's progress record included). */
    record Status(String name, String state, String message, Map<String, String> fields, double percent,
                  TrainingProgress progress, Map<String, Double> metrics, String lossCurve) {
    }

    /** The status endpoint's answer for a name no pipeline has. */
    record Missing(String error) {
    }

    /** The status endpoint: state, the texts the page shows, progress, metrics and the loss curve's markup. */
    Status status(PipelineView p) {
        TrainingProgress tp = p.status().progress();
        return new Status(p.name(), p.status().state().name(), p.status().message(), fields(p), percent(tp),
                tp, new TreeMap<>(p.status().metrics()), lossCurve(tp).markup());
    }

    /** The texts the page shows and the script updates, by element id without the "hg-" prefix. */
    private static Map<String, String> fields(PipelineView p) {
        TrainingProgress tp = p.status().progress();
        Map<String, String> f = new LinkedHashMap<>();
        f.put("state", p.status().state().name());
        f.put("message", text(p.status().message()));
        f.put("epoch", tp == null ? Format.NONE : tp.epoch() + " / " + tp.epochs());
        f.put("step", tp == null ? Format.NONE : tp.step() + " / " + tp.steps());
        f.put("loss", tp == null ? Format.NONE : Format.number(tp.loss()));
        f.put("rate", tp == null ? Format.NONE : Format.rate(tp.samplesPerSecond()));
        f.put("eta", tp == null ? Format.NONE : tp.done() ? "done" : Format.duration(tp.etaSeconds()));
        return f;
    }

    private static Html lossCurve(TrainingProgress tp) {
        return tp == null ? Charts.empty("Loss per epoch", "Not trained since the server started")
                : Charts.lossCurve(tp.epochLosses(), tp.validationLosses(), tp.epochs());
    }

    private static double percent(TrainingProgress tp) {
        if (tp == null || tp.steps() <= 0) {
            return 0;
        }
        return Math.round(100.0 * Math.min(tp.step(), tp.steps()) / tp.steps());
    }

    private static Html metricRows(Map<String, Double> metrics) {
        if (metrics.isEmpty()) {
            return KV_ROW.render(Map.of("key", "Metrics", "value", "none yet"));
        }
        List<Html> rows = new ArrayList<>();
        Map<String, Double> ordered = new LinkedHashMap<>();
        METRIC_NAMES.keySet().forEach(k -> {
            if (metrics.containsKey(k)) {
                ordered.put(k, metrics.get(k));
            }
        });
        new TreeMap<>(metrics).forEach(ordered::putIfAbsent);
        ordered.forEach((k, value) -> rows.add(METRIC_ROW.render(Map.of("id", k, "key", METRIC_NAMES.getOrDefault(k, k),
                "value", Format.number(value)))));
        return Html.join(rows);
    }

    private static Html configurationRows(Map<String, Object> configuration) {
        List<Html> rows = new ArrayList<>();
        new TreeMap<>(configuration).forEach((k, value) -> {
            if (!k.startsWith("service.") && !k.startsWith("component.")) {
                rows.add(KV_ROW.render(Map.of("key", k, "value", display(value))));
            }
        });
        return Html.join(rows);
    }

    static String display(Object value) {
        if (value == null) {
            return "";
        }
        if (value.getClass().isArray()) {
            List<String> items = new ArrayList<>();
            for (int i = 0; i < Array.getLength(value); i++) {
                items.add(String.valueOf(Array.get(value, i)));
            }
            return String.join(", ", items);
        }
        return value.toString();
    }

    private static Html note(Note note) {
        return note == null ? Html.EMPTY
                : NOTE.render(Map.of("kind", note.error() ? "error" : "info", "text", note.text()));
    }

    private static String text(String s) {
        return s == null ? "" : s;
    }

    static String stateClass(PipelineState state) {
        return state.name().toLowerCase(Locale.ROOT);
    }

    private static Map<String, String> kinds() {
        Map<String, String> k = new LinkedHashMap<>();
        k.put("family", "Autoencoder families");
        k.put("loss", "Reconstruction losses");
        k.put("masking", "Masking strategies");
        k.put("scoring", "Scoring methods");
        k.put("data", "Data sources");
        return k;
    }

    private static Map<String, String> metricNames() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("eval_auroc", "AUROC");
        m.put("eval_average_precision", "Average precision");
        m.put("eval_f1", "F1 at the threshold");
        m.put("eval_count", "Evaluated samples");
        // Reference detectors fitted on the same training data (API Evaluation.baselines): the figures to beat.
        m.put("baseline_knn_auroc", "AUROC of the k-NN baseline (5th neighbour)");
        m.put("baseline_knn_average_precision", "Average precision of the k-NN baseline");
        m.put("baseline_iforest_auroc", "AUROC of the isolation-forest baseline");
        m.put("baseline_iforest_average_precision", "Average precision of the isolation-forest baseline");
        m.put("baseline_pca_auroc", "AUROC of the PCA baseline (reconstruction error)");
        m.put("baseline_pca_average_precision", "Average precision of the PCA baseline");
        m.put("threshold", "Threshold");
        m.put("final_loss", "Final training loss");
        m.put("validation_loss", "Best validation loss");
        m.put("epochs", "Epochs trained");
        m.put("samples_per_second", "Samples/s");
        m.put("train_seconds", "Training time (s)");
        return m;
    }
}
