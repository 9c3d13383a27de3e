package org.hourglass.data.onnxactivations;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hourglass.spi.DataException;

/**
 * Edits a model so that intermediate tensors become graph outputs, and lists the tensors a model computes. The
 * model's own outputs are replaced by the tapped ones, so ONNX Runtime prunes what follows them.
 */
final class TensorTap {

    /** A tensor the graph computes: its name, the node and op type producing it, and its element type if known. */
    record TensorInfo(String name, String node, String opType, String elementType) {
    }

    private TensorTap() {
    }

    static ModelProto parse(String description, byte[] bytes) {
        try {
            ModelProto model = ModelProto.parseFrom(bytes);
            if (!model.hasGraph() || model.getGraph().getNodeCount() == 0) {
                throw new DataException("attribute 'model': " + description + " is not an ONNX model (no graph)");
            }
            return model;
        } catch (InvalidProtocolBufferException e) {
            throw new DataException("attribute 'model': " + description + " is not an ONNX model: "
                    + e.getMessage(), e);
        }
    }

    /** Every tensor produced by a node, in graph order (graph inputs and weights are not listed). */
    static List<TensorInfo> tensors(ModelProto model) {
        Map<String, Integer> types = knownTypes(model.getGraph());
        List<TensorInfo> out = new ArrayList<>();
        for (NodeProto n : model.getGraph().getNodeList()) {
            if (n.getOpType().equals("Constant")) {
                continue;
            }
            for (String o : n.getOutputList()) {
                if (!o.isEmpty()) {
                    Integer t = types.get(o);
                    out.add(new TensorInfo(o, n.getName(), n.getOpType(),
                            t == null ? "?" : TensorProto.DataType.forNumber(t).name().toLowerCase(Locale.ROOT)));
                }
            }
        }
        return out;
    }

    /**
     * The model with {@code names} as its only outputs.
     *
     * @throws DataException naming the tensor and a few similar names when the graph computes no such tensor
     */
    static ModelProto tap(ModelProto model, List<String> names) {
        GraphProto g = model.getGraph();
        Map<String, Integer> types = knownTypes(g);
        Map<String, Boolean> produced = new HashMap<>();
        g.getNodeList().forEach(n -> n.getOutputList().forEach(o -> produced.put(o, true)));
        g.getInputList().forEach(i -> produced.put(i.getName(), true));
        Map<String, ValueInfoProto> outputs = new LinkedHashMap<>();
        for (String name : names) {
            if (!produced.containsKey(name)) {
                throw new DataException("attribute 'tensor': the model computes no tensor '" + name + "'"
                        + similar(model, name) + "; list the names with the shell command hourglass:tensors");
            }
            // Without a declared type the output is taken to be float, which every activation tensor here is.
            int type = types.getOrDefault(name, TensorProto.DataType.FLOAT_VALUE);
            outputs.put(name, ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                    .setTensorType(TypeProto.Tensor.newBuilder().setElemType(type))).build());
        }
        return prune(model.toBuilder().setGraph(g.toBuilder().clearOutput().addAllOutput(outputs.values())).build());
    }

    /**
     * Drops the nodes, weights and inputs the graph outputs do not depend on (ONNX Runtime would still run every
     * node), so a tap of an early layer computes and holds only the layers up to it. A graph with subgraphs
     * (If, Loop) is left whole: their inner references are not traced.
     */
    static ModelProto prune(ModelProto model) {
        GraphProto g = model.getGraph();
        for (NodeProto n : g.getNodeList()) {
            for (ai.onnx.proto.OnnxMl.AttributeProto a : n.getAttributeList()) {
                if (a.hasG() || a.getGraphsCount() > 0) {
                    return model;
                }
            }
        }
        java.util.Set<String> needed = new java.util.HashSet<>();
        g.getOutputList().forEach(o -> needed.add(o.getName()));
        List<NodeProto> kept = new ArrayList<>();
        for (int i = g.getNodeCount() - 1; i >= 0; i--) {
            NodeProto n = g.getNode(i);
            if (n.getOutputList().stream().anyMatch(needed::contains)) {
                kept.add(n);
                needed.addAll(n.getInputList());
            }
        }
        java.util.Collections.reverse(kept);
        GraphProto.Builder b = g.toBuilder().clearNode().addAllNode(kept);
        b.clearInitializer().addAllInitializer(g.getInitializerList().stream()
                .filter(t -> needed.contains(t.getName())).toList());
        b.clearInput().addAllInput(g.getInputList().stream().filter(v -> needed.contains(v.getName())).toList());
        b.clearValueInfo().addAllValueInfo(g.getValueInfoList().stream()
                .filter(v -> needed.contains(v.getName())).toList());
        return model.toBuilder().setGraph(b).build();
    }

    /**
     * The model with every tensor of {@code names} as an output, declared without a type (ONNX Runtime infers it),
     * for a probe run that reports each tensor's element type and shape.
     */
    static ModelProto probe(ModelProto model, List<String> names) {
        GraphProto g = model.getGraph();
        java.util.Set<String> existing = new java.util.HashSet<>();
        g.getOutputList().forEach(o -> existing.add(o.getName()));
        GraphProto.Builder b = g.toBuilder();
        for (String n : names) {
            if (existing.add(n)) {
                b.addOutput(ValueInfoProto.newBuilder().setName(n));
            }
        }
        return model.toBuilder().setGraph(b).build();
    }

    /** Name of the graph input that replaces the spliced tensor. */
    static final String SPLICE_INPUT = "splice/input";

    /**
     * The model with {@code tensor} cut out: every node that read it reads the new float input
     * {@value #SPLICE_INPUT} instead, and {@code output} is the only graph output.
     */
    static ModelProto splice(ModelProto model, String tensor, String output) {
        GraphProto g = model.getGraph();
        tap(model, List.of(tensor, output));
        GraphProto.Builder b = g.toBuilder();
        int readers = 0;
        for (NodeProto.Builder n : b.getNodeBuilderList()) {
            for (int i = 0; i < n.getInputCount(); i++) {
                if (n.getInput(i).equals(tensor)) {
                    n.setInput(i, SPLICE_INPUT);
                    readers++;
                }
            }
        }
        if (readers == 0) {
            throw new DataException("tensor '" + tensor + "' is read by no node; nothing to splice");
        }
        b.addInput(ValueInfoProto.newBuilder().setName(SPLICE_INPUT).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE))));
        ModelProto spliced = model.toBuilder().setGraph(b).build();
        return tap(spliced, List.of(output));
    }

    private static Map<String, Integer> knownTypes(GraphProto g) {
        Map<String, Integer> types = new HashMap<>();
        for (List<ValueInfoProto> list : List.of(g.getValueInfoList(), g.getOutputList(), g.getInputList())) {
            for (ValueInfoProto v : list) {
                if (v.getType().hasTensorType()) {
                    types.put(v.getName(), v.getType().getTensorType().getElemType());
                }
            }
        }
        return types;
    }

    /** Up to five tensor names closest to {@code name} (edit distance), as a hint. */
    private static String similar(ModelProto model, String name) {
        List<String> near = tensors(model).stream().map(TensorInfo::name)
                .sorted(Comparator.comparingInt(n -> distance(n, name))).limit(5).toList();
        return near.isEmpty() ? "" : " (similar: " + String.join(", ", near) + ")";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1], prev[j]) + 1,
                        prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
