package org.hourglass.graph;

import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * One ONNX node of a {@link Graph}. {@code gradKey} selects the gradient rule; it equals the ONNX op type
 * except for pseudo ops such as {@code StopGradient} (an ONNX {@code Identity} that blocks gradients).
 * Attribute values are {@code Long}, {@code Double}, {@code String}, {@code long[]}, {@code double[]} or
 * {@link HostTensor}. An input may be null for an omitted optional input.
 */
public final class Node {

    private final String name;
    private final String domain;
    private final String opType;
    private final String gradKey;
    private final List<Tensor> inputs;
    private final List<Tensor> outputs;
    private final Map<String, Object> attributes;
    private final int index;

    Node(String name, String domain, String opType, String gradKey, List<Tensor> inputs, List<Tensor> outputs,
         Map<String, Object> attributes, int index) {
        this.name = name;
        this.domain = domain;
        this.opType = opType;
        this.gradKey = gradKey;
        this.inputs = Collections.unmodifiableList(inputs);
        this.outputs = outputs;
        this.attributes = Collections.unmodifiableMap(attributes);
        this.index = index;
    }

    public String name() {
        return name;
    }

    /** The operator set domain: empty for standard ONNX, {@code com.microsoft} for ONNX Runtime's contrib ops. */
    String domain() {
        return domain;
    }

    public String opType() {
        return opType;
    }

    /** The key of the gradient rule: the op type, or a pseudo op type such as {@code StopGradient}. */
    public String gradKey() {
        return gradKey;
    }

    public List<Tensor> inputs() {
        return inputs;
    }

    public Tensor input(int i) {
        return i < inputs.size() ? inputs.get(i) : null;
    }

    public List<Tensor> outputs() {
        return Collections.unmodifiableList(outputs);
    }

    public Tensor output(int i) {
        return outputs.get(i);
    }

    /** Appends an optional output the node was created without (see {@code GradOps.layerNormStats}). */
    void addOutput(Tensor t) {
        outputs.add(t);
    }

    public Map<String, Object> attributes() {
        return attributes;
    }

    /** Creation order in the graph: a topological order, since an op only consumes existing tensors. */
    int index() {
        return index;
    }

    long attrLong(String key, long fallback) {
        Object v = attributes.get(key);
        return v == null ? fallback : (Long) v;
    }

    /** A FLOAT attribute as ONNX Runtime sees it: rounded to float32 (rules then match the forward exactly). */
    double attrDouble(String key, double fallback) {
        Object v = attributes.get(key);
        return v == null ? (float) fallback : (float) (double) (Double) v;
    }

    long[] attrLongs(String key) {
        Object v = attributes.get(key);
        return v == null ? null : ((long[]) v).clone();
    }

    String attrString(String key, String fallback) {
        Object v = attributes.get(key);
        return v == null ? fallback : (String) v;
    }

    @Override
    public String toString() {
        return opType + " '" + name + "'";
    }
}
