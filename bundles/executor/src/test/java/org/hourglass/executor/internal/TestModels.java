package org.hourglass.executor.internal;

import ai.onnx.proto.OnnxMl;

/** Small ONNX models built by hand for executor tests. */
final class TestModels {
    private TestModels() {
    }

    /** y = MatMul(x, W) + 1 with x float[N, n], W = identity(n): y = x + 1, and enough work to use threads. */
    static byte[] addOne(int n) {
        OnnxMl.TensorProto.Builder w = OnnxMl.TensorProto.newBuilder().setName("W")
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).addDims(n).addDims(n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                w.addFloatData(i == j ? 1f : 0f);
            }
        }
        OnnxMl.TensorProto one = OnnxMl.TensorProto.newBuilder().setName("one")
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).addFloatData(1f).build();
        OnnxMl.GraphProto graph = OnnxMl.GraphProto.newBuilder().setName("add_one")
                .addInitializer(w).addInitializer(one)
                .addNode(OnnxMl.NodeProto.newBuilder().setName("mm").setOpType("MatMul")
                        .addInput("x").addInput("W").addOutput("xw"))
                .addNode(OnnxMl.NodeProto.newBuilder().setName("plus").setOpType("Add")
                        .addInput("xw").addInput("one").addOutput("y"))
                .addInput(value("x", n))
                .addOutput(value("y", n))
                .build();
        return OnnxMl.ModelProto.newBuilder().setIrVersion(8)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(17))
                .setGraph(graph).build().toByteArray();
    }

    private static OnnxMl.ValueInfoProto value(String name, int n) {
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder()
                        .setElemType(OnnxMl.TensorProto.DataType.FLOAT.getNumber())
                        .setShape(OnnxMl.TensorShapeProto.newBuilder()
                                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
                                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(n)))))
                .build();
    }
}
