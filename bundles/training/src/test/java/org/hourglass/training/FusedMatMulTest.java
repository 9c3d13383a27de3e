package org.hourglass.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import java.util.List;
import java.util.stream.Collectors;
import org.hourglass.graph.Autodiff;
import org.hourglass.graph.DType;
import org.hourglass.graph.Graph;
import org.hourglass.graph.InferenceModel;
import org.hourglass.graph.Init;
import org.hourglass.graph.Ops;
import org.hourglass.graph.Shape;
import org.hourglass.graph.ShapeOps;
import org.hourglass.graph.Tensor;
import org.hourglass.graph.TrainStep;
import org.hourglass.graph.TrainStepModel;
import org.junit.jupiter.api.Test;

/**
 * Where ONNX Runtime's contrib op {@code com.microsoft:FusedMatMul} may appear: in the gradients of float32 train
 * steps only, with the contrib domain imported; never in inference models, {@link org.hourglass.graph.Autodiff#gradients} or float64 steps.
 * (Its values are checked against finite differences in {@link GradientCheckTest}.)
 */
class FusedMatMulTest {

    /** ONNX Runtime's contrib domain. */
    private static final String CONTRIB_DOMAIN = "com.microsoft";

    /** Self-attention-like products on {@code [N, 3, 4]} inputs: 3-D x 2-D, 3-D x 3-D with a transposed operand. */
    private static final class Model {
        final Graph g;
        final Tensor x;
        final Tensor y;
        final Tensor loss;

        Model(DType type) {
            g = new Graph(type, 5);
            x = g.input("x", type, Shape.batchOf(3, 4));
            Tensor w = g.param("w", Shape.of(4, 4), Init.xavierUniform(1.0));
            Tensor h = Ops.matmul(x, w);
            Tensor scores = Ops.matmul(h, ShapeOps.transpose(h, 0, 2, 1));
            y = Ops.matmul(Ops.softmax(scores, -1), h);
            loss = Ort.mse(y, x);
        }
    }

    private static List<OnnxMl.NodeProto> ops(OnnxMl.ModelProto m, String opType) {
        return m.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals(opType))
                .collect(Collectors.toList());
    }

    private static List<String> domains(OnnxMl.ModelProto m) {
        return m.getOpsetImportList().stream().map(OnnxMl.OperatorSetIdProto::getDomain).collect(Collectors.toList());
    }

    @Test
    void float32TrainStepGradientsReadTransposedOperands() {
        Model model = new Model(DType.FLOAT);
        OnnxMl.ModelProto step = TrainStep.builder(model.g).loss(model.loss).build().proto();
        List<OnnxMl.NodeProto> fused = ops(step, "FusedMatMul");
        // Each of the 3 MatMuls has one operand gradient that needs a transposed operand (dA = dC B^T, dB = A^T dC).
        assertTrue(fused.size() >= 3, "FusedMatMul nodes: " + fused.size());
        for (OnnxMl.NodeProto n : fused) {
            assertEquals(CONTRIB_DOMAIN, n.getDomain(), n.getName());
        }
        assertEquals(List.of("", CONTRIB_DOMAIN), domains(step));
        assertEquals(1, step.getOpsetImport(1).getVersion());
        // Only the forward's own Transpose (and the gradient of it) remain.
        assertEquals(List.of("transpose", "grad/transpose/transpose"),
                ops(step, "Transpose").stream().map(OnnxMl.NodeProto::getName).collect(Collectors.toList()));
    }

    @Test
    void inferenceModelsAndPlainGradientsStayStandardOnnx() {
        Model model = new Model(DType.FLOAT);
        TrainStep.builder(model.g).loss(model.loss).build();
        OnnxMl.ModelProto inference = InferenceModel.builder(model.g).output("y", model.y).build();
        Tensor grad = Autodiff.gradients(model.loss, List.of(model.x)).get(model.x);
        OnnxMl.ModelProto withGradient = InferenceModel.builder(model.g).output("y", model.y).output("dx", grad)
                .build();
        for (OnnxMl.ModelProto m : List.of(inference, withGradient)) {
            assertEquals(List.of(""), domains(m));
            assertTrue(m.getGraph().getNodeList().stream().allMatch(n -> n.getDomain().isEmpty()), m.getGraph()
                    .getName());
        }
        assertTrue(ops(withGradient, "Transpose").size() > 1, "plain gradients use explicit Transposes");

        Model precise = new Model(DType.DOUBLE);
        OnnxMl.ModelProto step = TrainStep.builder(precise.g).loss(precise.loss).build().proto();
        assertEquals(List.of(""), domains(step));
        assertTrue(ops(step, "FusedMatMul").isEmpty(), "float64 has no FusedMatMul kernel");
    }

    @Test
    void aTrainStepWithFusedProductsTrainsOnOnnxRuntime() {
        Model model = new Model(DType.FLOAT);
        TrainStepModel m = TrainStep.builder(model.g).loss(model.loss).build();
        int n = 16;
        float[] data = TrainingTest.syntheticData(n);
        try (Trainer t = new Trainer(Ort.executor(), m, "fused-matmul-test")) {
            TrainingResult r = t.fit(TrainingData.of("x", data, n), TrainingConfig.of(20, 4, 0.05, 1),
                    TrainingListener.none());
            assertTrue(r.finalLoss() < 0.9 * r.firstLoss(), "loss " + r.firstLoss() + " -> " + r.finalLoss());
        }
    }
}
