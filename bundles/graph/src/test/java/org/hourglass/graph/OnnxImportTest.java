package org.hourglass.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnxruntime.OnnxTensor;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.hourglass.api.executor.ModelSession;
import org.junit.jupiter.api.Test;

/**
 * The importer on small hand-written ONNX graphs (opset 11): shape arithmetic folded into a Reshape with a dynamic
 * batch, the imported ops' values and the gradient through them against a Java reference, and refusals.
 */
class OnnxImportTest {

    private static final float[] SCALE = {0.5f, -1.5f, 2f};

    private static NodeProto node(String op, String name, List<String> in, String out, AttributeProto... attrs) {
        NodeProto.Builder b = NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(in).addOutput(out);
        for (AttributeProto a : attrs) {
            b.addAttribute(a);
        }
        return b.build();
    }

    private static AttributeProto ints(String name, long... v) {
        AttributeProto.Builder b = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) {
            b.addInts(x);
        }
        return b.build();
    }

    private static AttributeProto intAttr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    private static AttributeProto longsValue(long[] values, long... dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setDataType(TensorProto.DataType.INT64_VALUE);
        for (long d : dims) {
            t.addDims(d);
        }
        for (long v : values) {
            t.addInt64Data(v);
        }
        return AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR)
                .setT(t).build();
    }

    /**
     * {@code out = Erf(Softmax(Reshape(x, [batch, 2, 3]), axis 2) * scale)}, the target shape computed from
     * {@code Shape(x)} as exported models do; {@code extra} nodes are appended.
     */
    private static ModelProto model(String output, NodeProto... extra) {
        GraphProto.Builder g = GraphProto.newBuilder()
                .addInput(OnnxMl.ValueInfoProto.newBuilder().setName("x"))
                .addNode(node("Shape", "shape", List.of("x"), "s"))
                .addNode(node("Constant", "zero", List.of(), "i0", longsValue(new long[] {0})))
                .addNode(node("Gather", "batch", List.of("s", "i0"), "b", intAttr("axis", 0)))
                .addNode(node("Unsqueeze", "batch1", List.of("b"), "b1", ints("axes", 0)))
                .addNode(node("Constant", "rest", List.of(), "c23", longsValue(new long[] {2, 3}, 2)))
                .addNode(node("Concat", "target", List.of("b1", "c23"), "t", intAttr("axis", 0)))
                .addNode(node("Reshape", "reshape", List.of("x", "t"), "y"))
                .addNode(node("Softmax", "softmax", List.of("y"), "z", intAttr("axis", 2)))
                .addNode(node("Mul", "scaled", List.of("z", "scale"), "m"))
                .addNode(node("Erf", "erf", List.of("m"), "out"))
                .addInitializer(TensorProto.newBuilder().setName("scale").addDims(3)
                        .setDataType(TensorProto.DataType.FLOAT_VALUE).addFloatData(SCALE[0]).addFloatData(SCALE[1])
                        .addFloatData(SCALE[2]))
                .addOutput(OnnxMl.ValueInfoProto.newBuilder().setName(output));
        for (NodeProto n : extra) {
            g.addNode(n);
        }
        return ModelProto.newBuilder().setIrVersion(6).addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder()
                .setVersion(11)).setGraph(g).build();
    }

    /** The same function in double precision, per row of 6. */
    private static double[] reference(double[] x) {
        double[] out = new double[x.length];
        for (int r = 0; r < x.length / 3; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < 3; j++) {
                max = Math.max(max, x[r * 3 + j]);
            }
            double sum = 0;
            for (int j = 0; j < 3; j++) {
                sum += Math.exp(x[r * 3 + j] - max);
            }
            for (int j = 0; j < 3; j++) {
                out[r * 3 + j] = Ref.erf(Math.exp(x[r * 3 + j] - max) / sum * SCALE[j]);
            }
        }
        return out;
    }

    @Test
    void foldsTheShapeArithmeticAndComputesTheValuesAndGradients() throws Exception {
        Graph g = Graph.create(0);
        Tensor x = g.input("x", Shape.batchOf(6));
        Tensor out = OnnxImport.subgraph(g, model("out"), Map.of("x", x), List.of("out")).get("out");
        assertEquals(Shape.of(Shape.DYNAMIC, 2, 3), out.shape());
        Tensor grad = Autodiff.gradients(Ops.sum(out), List.of(x)).get(x);
        ModelProto m = InferenceModel.builder(g).output("y", out).output("dx", grad).build();
        ModelProto forward = InferenceModel.builder(g).output("y", out).build();
        assertEquals(List.of("Reshape", "Softmax", "Mul", "Erf"), forward.getGraph().getNodeList().stream()
                .map(NodeProto::getOpType).toList(), "the shape arithmetic is folded into the Reshape");
        Random r = new Random(5);
        double[] xs = r.doubles(4 * 6).map(v -> 3 * v - 1.5).toArray();
        Map<String, double[]> got;
        try (ModelSession s = Ort.load("import", m);
             OnnxTensor in = Ort.tensor(DType.FLOAT, xs, new long[] {4, 6})) {
            got = Ort.run(s, Map.of("x", in), null);
        }
        double[] expected = reference(xs);
        for (int i = 0; i < xs.length; i++) {
            assertEquals(expected[i], got.get("y")[i], 1e-5, "value " + i);
            double eps = 1e-5;
            double[] plus = xs.clone();
            double[] minus = xs.clone();
            plus[i] += eps;
            minus[i] -= eps;
            double fd = (sum(reference(plus)) - sum(reference(minus))) / (2 * eps);
            assertEquals(fd, got.get("dx")[i], 1e-4 + 1e-3 * Math.abs(fd), "gradient " + i);
        }
    }

    private static double sum(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s;
    }

    @Test
    void refusesWhatItCannotImportNamingTheNodeAndOp() {
        Graph g = Graph.create(0);
        Tensor x = g.input("x", Shape.batchOf(6));
        IllegalArgumentException op = assertThrows(IllegalArgumentException.class, () -> OnnxImport.subgraph(g,
                model("hard", node("HardSigmoid", "gate", List.of("out"), "hard")), Map.of("x", x),
                List.of("hard")));
        assertTrue(op.getMessage().contains("'gate'") && op.getMessage().contains("HardSigmoid"), op.getMessage());

        IllegalArgumentException unbound = assertThrows(IllegalArgumentException.class,
                () -> OnnxImport.subgraph(Graph.create(0), model("out"), Map.of(), List.of("out")));
        assertTrue(unbound.getMessage().contains("input 'x'") && unbound.getMessage().contains("bind"),
                unbound.getMessage());

        // The batch size moved to another position is known only at run time: refused, not guessed.
        NodeProto swap = node("Concat", "target2", List.of("c23", "b1"), "t2", intAttr("axis", 0));
        NodeProto reshape = node("Reshape", "moved", List.of("x", "t2"), "moved");
        Graph g2 = Graph.create(0);
        Tensor x2 = g2.input("x", Shape.batchOf(6));
        IllegalArgumentException moved = assertThrows(IllegalArgumentException.class, () -> OnnxImport.subgraph(
                g2, model("moved", swap, reshape), Map.of("x", x2), List.of("moved")));
        assertTrue(moved.getMessage().contains("run time"), moved.getMessage());
    }
}
