package org.hourglass.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.hourglass.graph.Graph;
import org.hourglass.graph.HostTensor;
import org.hourglass.graph.InferenceModel;
import org.hourglass.graph.Init;
import org.hourglass.graph.Ops;
import org.hourglass.graph.Shape;
import org.hourglass.graph.ShapeOps;
import org.hourglass.graph.Tensor;
import org.hourglass.graph.TrainStep;
import org.hourglass.graph.TrainStepModel;
import org.junit.jupiter.api.Test;

/** Buffers, parameter projections, the step input and per-epoch diagnostics of train-step models. */
class TrainStepStateTest {

    private static final int N = 7;

    private static float[] data() {
        float[] v = TrainingTest.syntheticData(N);
        return java.util.Arrays.copyOf(v, N * 12);
    }

    /** Linear autoencoder 12 -> 3 -> 12 with a step counter buffer and a scale buffer the loss reads. */
    private static final class Model {
        final Graph g = Graph.create(3);
        final Tensor x = g.input("x", Shape.batchOf(12));
        final Tensor counter = g.buffer("counter", Shape.of(1), Init.zeros());
        final Tensor scale = g.buffer("scale", Shape.of(1), Init.constant(1.0));
        final Tensor enc = g.param("enc", Shape.of(12, 3), Init.xavierUniform(1.0));
        final Tensor dec = g.param("dec", Shape.of(3, 12), Init.xavierUniform(1.0));
        final Tensor recon = Ops.mul(Ops.matmul(Ops.matmul(x, enc), dec), scale);
        final Tensor loss = Ort.mse(recon, x);

        Model() {
            g.assign(counter, Ops.add(counter, 1.0));
        }
    }

    private static List<TrainingListener.EpochSummary> train(TrainStepModel m, Map<String, HostTensor>[] params) {
        List<TrainingListener.EpochSummary> epochs = new ArrayList<>();
        try (Trainer t = new Trainer(Ort.executor(), m, "state-test")) {
            t.fit(TrainingData.of("x", data(), N), TrainingConfig.of(2, 3, 0.01, 1),
                    TrainingListener.onEpochs(epochs::add));
            params[0] = t.params();
        }
        return epochs;
    }

    @Test
    @SuppressWarnings("unchecked")
    void buffersCarryTheirAssignedValueAndAreNotTrained() {
        Model model = new Model();
        TrainStepModel m = TrainStep.builder(model.g).loss(model.loss).build();
        assertEquals(List.of("enc", "dec", "counter", "scale"), m.params());
        assertFalse(m.stateNames().contains("opt/m/counter"), "no optimizer state for buffers: " + m.stateNames());
        Map<String, HostTensor>[] params = new Map[1];
        train(m, params);
        // 2 epochs of ceil(7 / 3) = 3 steps.
        assertArrayEquals(new float[] {6f}, params[0].get("counter").floats());
        assertArrayEquals(new float[] {1f}, params[0].get("scale").floats(), "an unassigned buffer keeps its value");

        // Trained buffer values become initializers of the inference model, like parameters.
        OnnxMl.ModelProto inference = InferenceModel.builder(model.g).output("recon", model.recon)
                .weights(params[0]).build();
        assertTrue(inference.getGraph().getInitializerList().stream().anyMatch(i -> i.getName().equals("scale")));
    }

    @Test
    void projectionsApplyAfterEveryUpdate() {
        Model model = new Model();
        // Unit-norm columns of the decoder's transpose, i.e. unit-norm rows of dec (one per latent).
        model.g.constrain(model.dec, d -> Ops.div(d, Ops.sqrt(Ops.reduceSum(Ops.mul(d, d), true, 1))));
        TrainStepModel m = TrainStep.builder(model.g).loss(model.loss).build();
        @SuppressWarnings("unchecked")
        Map<String, HostTensor>[] params = new Map[1];
        train(m, params);
        float[] dec = params[0].get("dec").floats();
        for (int r = 0; r < 3; r++) {
            double norm = 0;
            for (int c = 0; c < 12; c++) {
                norm += dec[r * 12 + c] * dec[r * 12 + c];
            }
            assertEquals(1.0, Math.sqrt(norm), 1e-5, "row " + r);
        }
        assertThrows(IllegalArgumentException.class, () -> model.g.constrain(model.counter, t -> t),
                "buffers are not trained, so they cannot be projected");
    }

    @Test
    void diagnosticsAreAveragedPerEpochWeightedByBatchSize() {
        Model model = new Model();
        Tensor step = model.g.trainingStep();
        Tensor pair = ShapeOps.concat(0, ShapeOps.reshape(step, 1), ShapeOps.reshape(Ops.mul(step, 2.0), 1));
        TrainStepModel m = TrainStep.builder(model.g).loss(model.loss).diagnostic("step", pair).build();
        @SuppressWarnings("unchecked")
        Map<String, HostTensor>[] params = new Map[1];
        List<TrainingListener.EpochSummary> epochs = train(m, params);
        assertEquals(2, epochs.size());
        // Batches of 3, 3 and 1 samples at steps 1, 2, 3 and then 4, 5, 6.
        assertArrayEquals(new double[] {12.0 / 7, 24.0 / 7}, epochs.get(0).diagnostics().get("step"), 1e-6);
        assertArrayEquals(new double[] {33.0 / 7, 66.0 / 7}, epochs.get(1).diagnostics().get("step"), 1e-6);
        assertThrows(IllegalArgumentException.class,
                () -> TrainStep.builder(model.g).diagnostic("batchwise", model.x), "a batch dimension is refused");
    }

    @Test
    void assignRefusesWhatIsNotABufferOrHasAnotherShape() {
        Model model = new Model();
        assertThrows(IllegalArgumentException.class, () -> model.g.assign(model.enc, model.enc));
        assertThrows(IllegalArgumentException.class, () -> model.g.assign(model.scale, model.enc));
        assertThrows(IllegalArgumentException.class, () -> model.g.assign(model.counter, model.counter),
                "assigned twice");
        assertThrows(IllegalArgumentException.class, () -> TrainStep.builder(model.g).params(List.of(model.counter)));
    }
}
