package org.hourglass.web.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.hourglass.api.pipeline.PipelineStatus;
import org.hourglass.api.pipeline.PluginInfo;
import org.hourglass.api.pipeline.ScoreHistogram;
import org.hourglass.api.pipeline.TrainingProgress;

/**
 * The API's JSON documents: records written by Jackson (the API's own records, such as {@link TrainingProgress}
 * and {@code Evaluation}, directly). One policy for numbers JSON cannot hold: NaN and the infinities are written
 * as {@code null}, wherever they occur (fields, lists, arrays, maps). Map entries are written in key order.
 */
final class Documents {

    /** The mapper of every answer; Jackson's JAX-RS provider writes with it. */
    static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(finiteOrNull())
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    private Documents() {
    }

    /** An error: the status, its reason phrase and what went wrong. */
    record Error(int status, String error, String message) {
    }

    record Plugins(List<PluginInfo> plugins) {
    }

    /** A pipeline in a list: name, state, message and the served model's metrics. */
    record Summary(String name, String state, String message, Map<String, Double> metrics) {
        static Summary of(PipelineStatus s) {
            return new Summary(s.name(), s.state().name(), s.message(), new TreeMap<>(s.metrics()));
        }
    }

    record Pipelines(List<Summary> pipelines) {
    }

    /**
     * One pipeline: its summary, training progress, configuration, threshold (left out while no model serves)
     * and score histogram.
     */
    record Pipeline(@JsonUnwrapped Summary summary, TrainingProgress progress, Map<String, JsonNode> configuration,
                    @JsonInclude(JsonInclude.Include.NON_NULL) Double threshold, ScoreHistogram histogram) {
    }

    record Progress(String name, String state, String message, TrainingProgress progress) {
    }

    record Started(@JsonUnwrapped Summary summary, String progressUrl) {
    }

    record Cancelled(@JsonUnwrapped Summary summary, boolean cancelled) {
    }

    record Scores(double[] scores) {
    }

    record Labels(boolean[] labels, double threshold) {
    }

    record Codes(float[][] codes) {
    }

    record Reconstructions(float[][] reconstructions) {
    }

    record Output(String output, float[][] values) {
    }

    /** A configuration: values as JSON where Jackson can write them, else as strings; keys in order. */
    static Map<String, JsonNode> configuration(Map<String, Object> config) {
        Map<String, JsonNode> out = new TreeMap<>();
        config.forEach((k, v) -> {
            JsonNode n;
            try {
                n = MAPPER.valueToTree(v);
            } catch (IllegalArgumentException e) {
                n = JsonNodeFactory.instance.textNode(String.valueOf(v));
            }
            out.put(k, n);
        });
        return out;
    }

    // ------------------------------------------------------------------------------------------ NaN policy

    /**
     * NaN and infinities as null. Registered for the boxed and primitive types and for their arrays, because
     * Jackson writes {@code double[]} and {@code float[]} with array serializers of its own.
     */
    private static SimpleModule finiteOrNull() {
        SimpleModule m = new SimpleModule("hourglass-finite-or-null");
        JsonSerializer<Double> d = new JsonSerializer<>() {
            @Override
            public void serialize(Double v, JsonGenerator g, SerializerProvider p) throws IOException {
                writeDouble(v, g);
            }
        };
        JsonSerializer<Float> f = new JsonSerializer<>() {
            @Override
            public void serialize(Float v, JsonGenerator g, SerializerProvider p) throws IOException {
                writeFloat(v, g);
            }
        };
        m.addSerializer(Double.class, d);
        m.addSerializer(double.class, d);
        m.addSerializer(Float.class, f);
        m.addSerializer(float.class, f);
        m.addSerializer(double[].class, new JsonSerializer<>() {
            @Override
            public void serialize(double[] values, JsonGenerator g, SerializerProvider p) throws IOException {
                g.writeStartArray(values, values.length);
                for (double v : values) {
                    writeDouble(v, g);
                }
                g.writeEndArray();
            }
        });
        m.addSerializer(float[].class, new JsonSerializer<>() {
            @Override
            public void serialize(float[] values, JsonGenerator g, SerializerProvider p) throws IOException {
                g.writeStartArray(values, values.length);
                for (float v : values) {
                    writeFloat(v, g);
                }
                g.writeEndArray();
            }
        });
        return m;
    }

    private static void writeDouble(double v, JsonGenerator g) throws IOException {
        if (Double.isFinite(v)) {
            g.writeNumber(v);
        } else {
            g.writeNull();
        }
    }

    private static void writeFloat(float v, JsonGenerator g) throws IOException {
        if (Float.isFinite(v)) {
            g.writeNumber(v);
        } else {
            g.writeNull();
        }
    }
}
