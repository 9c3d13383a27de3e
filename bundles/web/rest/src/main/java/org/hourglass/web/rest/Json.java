package org.hourglass.web.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.hourglass.api.pipeline.Evaluation;
import org.hourglass.api.pipeline.PipelineStatus;
import org.hourglass.api.pipeline.PluginInfo;
import org.hourglass.api.pipeline.ScoreHistogram;
import org.hourglass.api.pipeline.TrainingProgress;

/** JSON documents of the API's answers. Non-finite numbers (NaN, infinities) are written as null. */
final class Json {

    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Json() {
    }

    static ObjectNode object() {
        return NODES.objectNode();
    }

    static ArrayNode array() {
        return NODES.arrayNode();
    }

    static byte[] bytes(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
    }

    static JsonNode number(double v) {
        return Double.isFinite(v) ? NODES.numberNode(v) : NODES.nullNode();
    }

    static ObjectNode error(int status, String message) {
        ObjectNode o = object();
        o.put("status", status);
        o.put("error", Http.reason(status));
        o.put("message", message);
        return o;
    }

    static ObjectNode plugin(PluginInfo p) {
        ObjectNode o = object();
        o.put("kind", p.kind());
        o.put("name", p.name());
        o.put("bundle", p.bundle());
        o.put("version", p.version());
        ObjectNode props = o.putObject("properties");
        new TreeMap<>(p.properties()).forEach(props::put);
        return o;
    }

    /** Name, state, message and metrics. */
    static ObjectNode summary(PipelineStatus s) {
        ObjectNode o = object();
        o.put("name", s.name());
        o.put("state", s.state().name());
        o.put("message", s.message());
        ObjectNode metrics = o.putObject("metrics");
        new TreeMap<>(s.metrics()).forEach((k, v) -> metrics.set(k, v == null ? NODES.nullNode() : number(v)));
        return o;
    }

    static JsonNode progress(TrainingProgress p) {
        if (p == null) {
            return NODES.nullNode();
        }
        ObjectNode o = object();
        o.put("epoch", p.epoch());
        o.put("epochs", p.epochs());
        o.put("step", p.step());
        o.put("steps", p.steps());
        o.set("loss", number(p.loss()));
        o.set("epochLosses", doubles(p.epochLosses()));
        o.set("validationLosses", doubles(p.validationLosses()));
        o.set("samplesPerSecond", number(p.samplesPerSecond()));
        o.set("etaSeconds", number(p.etaSeconds()));
        o.put("done", p.done());
        o.set("epochDiagnostics", MAPPER.valueToTree(p.epochDiagnostics()));
        o.set("recoveries", MAPPER.valueToTree(p.recoveries()));
        return o;
    }

    static JsonNode histogram(ScoreHistogram h) {
        if (h == null) {
            return NODES.nullNode();
        }
        ObjectNode o = object();
        ArrayNode edges = o.putArray("edges");
        for (double e : h.edges()) {
            edges.add(number(e));
        }
        ArrayNode normal = o.putArray("normal");
        for (int n : h.normal()) {
            normal.add(n);
        }
        ArrayNode anomalous = o.putArray("anomalous");
        for (int n : h.anomalous()) {
            anomalous.add(n);
        }
        o.set("threshold", number(h.threshold()));
        o.put("source", h.source());
        return o;
    }

    static ObjectNode evaluation(Evaluation e) {
        ObjectNode o = object();
        o.put("count", e.count());
        o.put("anomalies", e.anomalies());
        o.set("auroc", number(e.auroc()));
        o.set("averagePrecision", number(e.averagePrecision()));
        o.set("f1", number(e.f1()));
        o.set("threshold", number(e.threshold()));
        // Reference detectors fitted on the same training data, in the order the pipeline gives them.
        ArrayNode baselines = o.putArray("baselines");
        for (Evaluation.Baseline b : e.baselines()) {
            ObjectNode x = baselines.addObject();
            x.put("name", b.name());
            x.put("description", b.description());
            x.set("auroc", number(b.auroc()));
            x.set("averagePrecision", number(b.averagePrecision()));
        }
        return o;
    }

    /** A configuration map: values as JSON where Jackson can write them, else as strings. */
    static ObjectNode configuration(Map<String, Object> config) {
        ObjectNode o = object();
        new TreeMap<>(config).forEach((k, v) -> {
            JsonNode n;
            try {
                n = MAPPER.valueToTree(v);
            } catch (IllegalArgumentException e) {
                n = NODES.textNode(String.valueOf(v));
            }
            o.set(k, n);
        });
        return o;
    }

    static ArrayNode doubles(List<Double> values) {
        ArrayNode a = array();
        for (Double v : values) {
            a.add(v == null ? NODES.nullNode() : number(v));
        }
        return a;
    }

    static ArrayNode doubles(double[] values) {
        ArrayNode a = array();
        for (double v : values) {
            a.add(number(v));
        }
        return a;
    }

    static ArrayNode matrix(float[][] rows) {
        ArrayNode a = array();
        for (float[] row : rows) {
            ArrayNode r = a.addArray();
            for (float v : row) {
                r.add(Float.isFinite(v) ? NODES.numberNode(v) : NODES.nullNode());
            }
        }
        return a;
    }
}
