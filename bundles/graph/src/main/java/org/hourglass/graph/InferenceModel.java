package org.hourglass.graph;

import ai.onnx.proto.OnnxMl;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Builds a standalone model from a graph's forward part: the named outputs, the data and random inputs they
 * need (in creation order), and every parameter baked in as an initializer (trained values, or the initial
 * values where none are given). Provenance goes into {@code metadata_props}. The result runs in any ONNX
 * runtime that supports opset {@value Graph#OPSET}.
 */
public final class InferenceModel {

    private InferenceModel() {
    }

    public static Builder builder(Graph graph) {
        return new Builder(graph);
    }

    /** Collects outputs, weights and metadata. */
    public static final class Builder {
        private final Graph graph;
        private final Map<String, Tensor> outputs = new LinkedHashMap<>();
        private final Map<String, HostTensor> weights = new LinkedHashMap<>();
        private final Map<String, String> metadata = new LinkedHashMap<>();
        private String name = "hourglass-inference";

        private Builder(Graph graph) {
            this.graph = Objects.requireNonNull(graph, "graph");
        }

        /** The graph name written into the model. */
        public Builder name(String modelName) {
            this.name = Objects.requireNonNull(modelName);
            return this;
        }

        /** Adds an output under a public name. */
        public Builder output(String outputName, Tensor t) {
            if (t.graph() != graph) {
                throw new IllegalArgumentException("output " + t + " belongs to another graph");
            }
            if (outputs.putIfAbsent(outputName, t) != null) {
                throw new IllegalArgumentException("output name '" + outputName + "' given twice");
            }
            return this;
        }

        /** Trained parameter values by parameter name (missing ones take their initial values). */
        public Builder weights(Map<String, HostTensor> values) {
            weights.putAll(values);
            return this;
        }

        /** A provenance entry (plug-in names and versions, configuration, metrics). */
        public Builder metadata(String key, String value) {
            metadata.put(key, value);
            return this;
        }

        public Builder metadata(Map<String, String> entries) {
            metadata.putAll(entries);
            return this;
        }

        public OnnxMl.ModelProto build() {
            if (outputs.isEmpty()) {
                throw new IllegalStateException("an inference model needs at least one output");
            }
            List<Tensor> inputs = new ArrayList<>(graph.inputs());
            inputs.addAll(graph.randomInputs().keySet());
            inputs.removeIf(t -> !reachable(t));
            Map<Tensor, HostTensor> baked = new LinkedHashMap<>();
            for (Tensor p : graph.params()) {
                HostTensor v = weights.get(p.name());
                if (v == null) {
                    v = graph.initialValue(p);
                } else if (!java.util.Arrays.equals(v.shape(), p.shape().dims()) || v.dtype() != p.dtype()) {
                    throw new IllegalArgumentException("weight '" + p.name() + "' is " + v + " but the parameter is " + p);
                }
                baked.put(p, v);
            }
            for (String key : weights.keySet()) {
                Tensor t = graph.tensor(key);
                if (t == null || t.kind() != Tensor.Kind.PARAM) {
                    throw new IllegalArgumentException("weight '" + key + "' names no parameter of the graph");
                }
            }
            return ModelWriter.write(graph, name, inputs, outputs, baked, metadata);
        }

        private boolean reachable(Tensor input) {
            java.util.Deque<Tensor> work = new java.util.ArrayDeque<>(outputs.values());
            java.util.Set<Tensor> seen = new java.util.HashSet<>();
            while (!work.isEmpty()) {
                Tensor t = work.removeLast();
                if (t.equals(input)) {
                    return true;
                }
                if (seen.add(t) && t.producer() != null) {
                    for (Tensor in : t.producer().inputs()) {
                        if (in != null) {
                            work.add(in);
                        }
                    }
                }
            }
            return false;
        }
    }

    /**
     * Writes a model atomically: to a temporary file in the target directory, then renamed over the target, so
     * readers never see a partial file.
     */
    public static void save(OnnxMl.ModelProto model, Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, target.getFileName().toString(), ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                model.writeTo(out);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
