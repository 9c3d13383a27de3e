package org.hourglass.graph;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Serialises the part of a {@link Graph} needed for some outputs into an ONNX {@code ModelProto}: only nodes on
 * a path to an output are written, constants become initializers, parameters become inputs or (when values are
 * given) initializers. Outputs are renamed in place to their public names where possible (no copy), else
 * through an {@code Identity}.
 */
final class ModelWriter {

    private ModelWriter() {
    }

    static OnnxMl.ModelProto write(Graph g, String graphName, List<Tensor> inputs, Map<String, Tensor> outputs,
                                   Map<Tensor, HostTensor> baked, Map<String, String> metadata) {
        Set<Tensor> inputSet = new LinkedHashSet<>(inputs);
        // Nodes needed for the outputs: backward worklist, stopping at inputs and baked values.
        Set<Node> needed = new HashSet<>();
        Set<Tensor> leaves = new LinkedHashSet<>();
        Deque<Tensor> work = new ArrayDeque<>(outputs.values());
        Set<Tensor> visited = new HashSet<>();
        while (!work.isEmpty()) {
            Tensor t = work.removeLast();
            if (!visited.add(t)) {
                continue;
            }
            if (inputSet.contains(t) || baked.containsKey(t) || t.producer() == null) {
                leaves.add(t);
                continue;
            }
            if (needed.add(t.producer())) {
                for (Tensor in : t.producer().inputs()) {
                    if (in != null) {
                        work.add(in);
                    }
                }
            }
        }
        for (Tensor leaf : leaves) {
            if (!inputSet.contains(leaf) && !baked.containsKey(leaf) && leaf.kind() != Tensor.Kind.CONSTANT) {
                throw new IllegalArgumentException("model '" + graphName + "' needs " + leaf.kind().name().toLowerCase(
                        java.util.Locale.ROOT) + " " + leaf + ", which is neither a model input nor given a value");
            }
        }
        List<Node> order = new ArrayList<>(needed);
        order.sort(Comparator.comparingInt(Node::index));

        // Public output names: rename node outputs in place when that is unambiguous.
        Map<Tensor, String> rename = new HashMap<>();
        Set<String> usedNames = new HashSet<>();
        for (Node n : order) {
            for (Tensor t : n.outputs()) {
                usedNames.add(t.name());
            }
        }
        for (Tensor t : leaves) {
            usedNames.add(t.name());
        }
        Map<Tensor, Integer> requested = new HashMap<>();
        for (Tensor t : outputs.values()) {
            requested.merge(t, 1, Integer::sum);
        }
        List<String[]> identities = new ArrayList<>(); // {from, to}
        for (Map.Entry<String, Tensor> e : outputs.entrySet()) {
            Tensor t = e.getValue();
            String name = e.getKey();
            if (t.name().equals(name)) {
                continue;
            }
            boolean canRename = t.producer() != null && needed.contains(t.producer()) && requested.get(t) == 1
                    && !rename.containsKey(t) && !usedNames.contains(name);
            if (canRename) {
                rename.put(t, name);
                usedNames.add(name);
            } else {
                identities.add(new String[] {t.name(), name});
            }
        }

        OnnxMl.GraphProto.Builder graph = OnnxMl.GraphProto.newBuilder().setName(graphName);
        for (Tensor in : inputs) {
            graph.addInput(valueInfo(in.name(), in.dtype(), in.shape()));
        }
        Set<Tensor> initialized = new LinkedHashSet<>();
        for (Tensor leaf : leaves) {
            if (inputSet.contains(leaf)) {
                continue;
            }
            HostTensor v = baked.containsKey(leaf) ? baked.get(leaf) : g.constants().get(leaf);
            if (initialized.add(leaf)) {
                graph.addInitializer(tensorProto(leaf.name(), v));
            }
        }
        boolean contrib = false;
        for (Node n : order) {
            if (lowersToPrimitives(n)) {
                lowerLayerNorm(graph, n, rename);
                continue;
            }
            OnnxMl.NodeProto.Builder nb = OnnxMl.NodeProto.newBuilder().setName(n.name()).setOpType(n.opType());
            if (!n.domain().isEmpty()) {
                nb.setDomain(n.domain());
                contrib = true;
            }
            for (Tensor in : n.inputs()) {
                nb.addInput(in == null ? "" : rename.getOrDefault(in, in.name()));
            }
            for (Tensor out : n.outputs()) {
                nb.addOutput(rename.getOrDefault(out, out.name()));
            }
            for (Map.Entry<String, Object> a : n.attributes().entrySet()) {
                nb.addAttribute(attribute(a.getKey(), a.getValue()));
            }
            graph.addNode(nb);
        }
        for (String[] id : identities) {
            graph.addNode(OnnxMl.NodeProto.newBuilder().setName("output/" + id[1]).setOpType("Identity")
                    .addInput(id[0]).addOutput(id[1]));
        }
        for (Map.Entry<String, Tensor> e : outputs.entrySet()) {
            graph.addOutput(valueInfo(e.getKey(), e.getValue().dtype(), e.getValue().shape()));
        }
        OnnxMl.ModelProto.Builder model = OnnxMl.ModelProto.newBuilder()
                .setIrVersion(Graph.IR_VERSION)
                .setProducerName("hourglass-graph")
                .setProducerVersion("1.0.0")
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(Graph.OPSET))
                .setGraph(graph);
        if (contrib) {
            model.addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain(Graph.CONTRIB_DOMAIN)
                    .setVersion(1));
        }
        for (Map.Entry<String, String> m : metadata.entrySet()) {
            model.addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder().setKey(m.getKey()).setValue(m.getValue()));
        }
        return model.build();
    }

    /**
     * A float32 LayerNormalization: ONNX Runtime's kernel took 1.0-1.6 ms on {@code [256, 49, 32]} where its
     * primitives take 0.6 ms (rows this short are the transformer families' case); float64 keeps the op.
     */
    private static boolean lowersToPrimitives(Node n) {
        return n.opType().equals("LayerNormalization") && n.domain().isEmpty() && n.input(0).dtype() == DType.FLOAT
                && n.attrLong("stash_type", 1) == 1;
    }

    /**
     * Writes a float32 LayerNormalization as the primitives it is defined by, keeping its output names: {@code Mean}
     * and {@code InvStdDev} (when the node has them) are the same values, computed in float32.
     */
    private static void lowerLayerNorm(OnnxMl.GraphProto.Builder graph, Node n, Map<Tensor, String> rename) {
        java.util.function.Function<Tensor, String> name = t -> rename.getOrDefault(t, t.name());
        Tensor x = n.input(0);
        int axis = x.shape().normalizeAxis((int) n.attrLong("axis", -1));
        long[] axes = new long[x.rank() - axis];
        for (int i = 0; i < axes.length; i++) {
            axes[i] = axis + i;
        }
        String p = n.name() + "/lowered/";
        String mean = n.outputs().size() > 1 ? name.apply(n.output(1)) : p + "mean";
        String inv = n.outputs().size() > 2 ? name.apply(n.output(2)) : p + "inv_std_dev";
        String y = name.apply(n.output(0));
        boolean bias = n.inputs().size() > 2 && n.input(2) != null;
        graph.addInitializer(tensorProto(p + "epsilon", HostTensor.ofFloats(new float[] {(float) n.attrDouble("epsilon", 1e-5)})));
        OnnxMl.AttributeProto reduceAxes = attribute("axes", axes);
        OnnxMl.AttributeProto keep = attribute("keepdims", 1L);
        graph.addNode(lowered(p + "mean", "ReduceMean", List.of(name.apply(x)), mean).addAttribute(reduceAxes)
                .addAttribute(keep));
        graph.addNode(lowered(p + "centred", "Sub", List.of(name.apply(x), mean), p + "centred"));
        graph.addNode(lowered(p + "squared", "Mul", List.of(p + "centred", p + "centred"), p + "squared"));
        graph.addNode(lowered(p + "variance", "ReduceMean", List.of(p + "squared"), p + "variance")
                .addAttribute(reduceAxes).addAttribute(keep));
        graph.addNode(lowered(p + "variance_eps", "Add", List.of(p + "variance", p + "epsilon"), p + "variance_eps"));
        // Sqrt and Reciprocal: Pow(v, -0.5) runs a scalar pow per value, about 10 ns each here.
        graph.addNode(lowered(p + "std_dev", "Sqrt", List.of(p + "variance_eps"), p + "std_dev"));
        graph.addNode(lowered(p + "inv_std_dev", "Reciprocal", List.of(p + "std_dev"), inv));
        graph.addNode(lowered(p + "normalised", "Mul", List.of(p + "centred", inv), p + "normalised"));
        graph.addNode(lowered(p + "scaled", "Mul", List.of(p + "normalised", name.apply(n.input(1))),
                bias ? p + "scaled" : y));
        if (bias) {
            graph.addNode(lowered(p + "shifted", "Add", List.of(p + "scaled", name.apply(n.input(2))), y));
        }
    }

    private static OnnxMl.NodeProto.Builder lowered(String name, String op, List<String> inputs, String output) {
        return OnnxMl.NodeProto.newBuilder().setName(name).setOpType(op).addAllInput(inputs).addOutput(output);
    }

    static OnnxMl.ValueInfoProto valueInfo(String name, DType dtype, Shape shape) {
        OnnxMl.TensorShapeProto.Builder sb = OnnxMl.TensorShapeProto.newBuilder();
        for (long d : shape.dims()) {
            OnnxMl.TensorShapeProto.Dimension.Builder db = OnnxMl.TensorShapeProto.Dimension.newBuilder();
            if (d != Shape.DYNAMIC) {
                db.setDimValue(d);
            }
            sb.addDim(db);
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name)
                .setType(OnnxMl.TypeProto.newBuilder().setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(dtype.onnxCode()).setShape(sb)))
                .build();
    }

    static OnnxMl.TensorProto tensorProto(String name, HostTensor v) {
        OnnxMl.TensorProto.Builder tb = OnnxMl.TensorProto.newBuilder().setName(name).setDataType(v.dtype().onnxCode());
        for (long d : v.shape()) {
            tb.addDims(d);
        }
        ByteBuffer buf = ByteBuffer.allocate(v.size() * v.dtype().bytes()).order(ByteOrder.LITTLE_ENDIAN);
        switch (v.dtype()) {
            case FLOAT:
                buf.asFloatBuffer().put(v.floats());
                break;
            case DOUBLE:
                buf.asDoubleBuffer().put(v.doubles());
                break;
            case INT64:
                buf.asLongBuffer().put(v.longs());
                break;
            default:
                throw new IllegalArgumentException("cannot serialise " + v);
        }
        return tb.setRawData(ByteString.copyFrom(buf.array())).build();
    }

    private static OnnxMl.AttributeProto attribute(String name, Object v) {
        OnnxMl.AttributeProto.Builder ab = OnnxMl.AttributeProto.newBuilder().setName(name);
        if (v instanceof Long) {
            ab.setType(OnnxMl.AttributeProto.AttributeType.INT).setI((Long) v);
        } else if (v instanceof Double) {
            ab.setType(OnnxMl.AttributeProto.AttributeType.FLOAT).setF(((Double) v).floatValue());
        } else if (v instanceof String) {
            ab.setType(OnnxMl.AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8((String) v));
        } else if (v instanceof long[]) {
            ab.setType(OnnxMl.AttributeProto.AttributeType.INTS);
            for (long l : (long[]) v) {
                ab.addInts(l);
            }
        } else if (v instanceof double[]) {
            ab.setType(OnnxMl.AttributeProto.AttributeType.FLOATS);
            for (double d : (double[]) v) {
                ab.addFloats((float) d);
            }
        } else if (v instanceof HostTensor) {
            ab.setType(OnnxMl.AttributeProto.AttributeType.TENSOR).setT(tensorProto("", (HostTensor) v));
        } else {
            throw new IllegalArgumentException("unsupported attribute value for '" + name + "': " + v);
        }
        return ab.build();
    }
}
