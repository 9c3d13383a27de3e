package org.hourglass.itest;

import ai.onnx.proto.OnnxMl;

/** A model built in the test: y = x * 2 + 1 over float[batch, n], computed with a MatMul to give threads work. */
final class Models {
    private Models() {
    }

    static OnnxMl.ModelProto doublePlusOne(int n) {
        OnnxMl.TensorProto.Builder w = OnnxMl.TensorProto.newBuilder().setName("W")
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).addDims(n).addDims(n);
        for (int i = 0; i < n * n; i++) {
            w.addFloatData(i / n == i % n ? 2f : 0f);
        }
        OnnxMl.TensorProto one = OnnxMl.TensorProto.newBuilder().setName("one")
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT.getNumber()).addFloatData(1f).build();
        return OnnxMl.ModelProto.newBuilder().setIrVersion(8)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setVersion(17))
                .setGraph(OnnxMl.GraphProto.newBuilder().setName("double_plus_one")
                        .addInitializer(w).addInitializer(one)
                        .addNode(OnnxMl.NodeProto.newBuilder().setOpType("MatMul").addInput("x").addInput("W")
                                .addOutput("xw"))
                        .addNode(OnnxMl.NodeProto.newBuilder().setOpType("Add").addInput("xw").addInput("one")
                                .addOutput("y"))
                        .addInput(value("x", n))
                        .addOutput(value("y", n)))
                .build();
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
