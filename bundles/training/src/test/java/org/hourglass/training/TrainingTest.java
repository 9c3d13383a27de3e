package org.hourglass.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.hourglass.api.executor.ModelSession;
import org.hourglass.graph.DType;
import org.hourglass.graph.Graph;
import org.hourglass.graph.HostTensor;
import org.hourglass.graph.InferenceModel;
import org.hourglass.graph.Init;
import org.hourglass.graph.Layers;
import org.hourglass.graph.Noise;
import org.hourglass.graph.Ops;
import org.hourglass.graph.Optimizer;
import org.hourglass.graph.Shape;
import org.hourglass.graph.Tensor;
import org.hourglass.graph.TrainStep;
import org.hourglass.graph.TrainStepModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Train-step models, the training loop and inference export, end to end on ONNX Runtime. */
class TrainingTest {

    /** A small denoising autoencoder: noise is a random input drawn in Java. */
    static final class Dae {
        final Graph g = Graph.create(5);
        final Tensor x = g.input("x", Shape.batchOf(12));
        final Tensor noise = g.randomInput("noise", Shape.batchOf(12), Noise.normal(0, 0.1));
        final Tensor z = Layers.mlp("encoder", Ops.add(x, noise), new long[] {8, 3}, Layers.Activation.TANH, Layers.Activation.NONE);
        final Tensor recon = Layers.mlp("decoder", z, new long[] {8, 12}, Layers.Activation.TANH, Layers.Activation.NONE);
        final Tensor loss = Ort.mse(recon, x);
        // Inference graph: the clean input through the same parameters.
        final Tensor cleanRecon;
        final Tensor cleanLatent;

        Dae() {
            Tensor h = Ops.tanh(Ops.gemm(x, g.tensor("encoder/fc1/weight"), g.tensor("encoder/fc1/bias"), 1, 1, false, false));
            Tensor zc = Ops.gemm(h, g.tensor("encoder/fc2/weight"), g.tensor("encoder/fc2/bias"), 1, 1, false, false);
            Tensor h2 = Ops.tanh(Ops.gemm(zc, g.tensor("decoder/fc1/weight"), g.tensor("decoder/fc1/bias"), 1, 1, false, false));
            cleanLatent = zc;
            cleanRecon = Ops.gemm(h2, g.tensor("decoder/fc2/weight"), g.tensor("decoder/fc2/bias"), 1, 1, false, false);
        }
    }

    static float[] syntheticData(int n) {
        float[] v = new float[n * 12];
        for (int i = 0; i < n; i++) {
            double a = i * 0.37;
            double b = i * 0.11;
            for (int j = 0; j < 12; j++) {
                v[i * 12 + j] = (float) (Math.sin(a + j) * 0.8 + Math.cos(b * j) * 0.3);
            }
        }
        return v;
    }

    @Test
    void trainStepModelFollowsTheNamingConvention() {
        Dae d = new Dae();
        TrainStepModel m = TrainStep.builder(d.g).loss(d.loss).metric("mse", d.loss).optimizer(Optimizer.adam()).build();
        List<String> inputs = m.proto().getGraph().getInputList().stream().map(OnnxMl.ValueInfoProto::getName)
                .collect(Collectors.toList());
        List<String> outputs = m.proto().getGraph().getOutputList().stream().map(OnnxMl.ValueInfoProto::getName)
                .collect(Collectors.toList());
        assertEquals(List.of("x", "noise", "encoder/fc1/weight", "encoder/fc1/bias", "encoder/fc2/weight",
                "encoder/fc2/bias", "decoder/fc1/weight", "decoder/fc1/bias", "decoder/fc2/weight", "decoder/fc2/bias"),
                inputs.subList(0, 10));
        assertEquals("opt/m/encoder/fc1/weight", inputs.get(10));
        assertEquals(List.of("opt/step", "opt/lr"), inputs.subList(inputs.size() - 2, inputs.size()));
        assertEquals(List.of("loss", "metric/mse", "next/encoder/fc1/weight"), outputs.subList(0, 3));
        for (String state : m.stateNames()) {
            assertTrue(inputs.contains(state) && outputs.contains("next/" + state), state);
        }
        assertEquals(8 + 8 * 2, m.stateNames().size());
        assertEquals(Graph.OPSET, m.proto().getOpsetImport(0).getVersion());
    }

    @Test
    void trainsReproduciblyAndExportsAStandaloneInferenceModel(@TempDir Path dir) throws Exception {
        float[] data = syntheticData(200);
        TrainingConfig cfg = TrainingConfig.of(8, 32, 0.01, 99);
        Map<String, HostTensor> first;
        TrainingResult r1;
        Dae d = new Dae();
        TrainStepModel m = TrainStep.builder(d.g).loss(d.loss).build();
        List<TrainingListener.Progress> progress = new ArrayList<>();
        try (Trainer t = new Trainer(Ort.executor(), m, "dae-1")) {
            r1 = t.fit(TrainingData.of("x", data, 200), cfg, progress::add);
            first = t.params();
        }
        assertEquals(8 * 7, progress.size());
        assertEquals(7, progress.get(6).stepInEpoch());
        assertEquals(56, progress.get(55).globalStep());
        assertTrue(progress.get(10).samplesPerSecond() > 0);
        assertTrue(r1.finalLoss() < 0.5 * r1.firstLoss(), "loss fell from " + r1.firstLoss() + " to " + r1.finalLoss());

        // Same seed, same graph: bit-identical parameters (shuffling and noise both come from the seed).
        Dae d2 = new Dae();
        TrainStepModel m2 = TrainStep.builder(d2.g).loss(d2.loss).build();
        try (Trainer t = new Trainer(Ort.executor(), m2, "dae-2")) {
            t.fit(TrainingData.of("x", data, 200), cfg, TrainingListener.none());
            for (Map.Entry<String, HostTensor> e : t.params().entrySet()) {
                assertArrayEquals(first.get(e.getKey()).floats(), e.getValue().floats(), e.getKey());
            }
        }

        // Inference model with the trained weights baked in, written atomically, loaded from the file.
        OnnxMl.ModelProto inference = InferenceModel.builder(d.g).name("dae").output("reconstruction", d.cleanRecon)
                .output("latent", d.cleanLatent).weights(first).metadata("hourglass.family", "dae")
                .metadata("hourglass.final_loss", Double.toString(r1.finalLoss())).build();
        Path file = dir.resolve("model.onnx");
        InferenceModel.save(inference, file);
        try (var listing = Files.list(dir)) {
            assertEquals(List.of(file), listing.collect(Collectors.toList()), "no temporary file left behind");
        }
        OnnxMl.ModelProto reread = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(file));
        assertEquals(List.of("x"), reread.getGraph().getInputList().stream().map(OnnxMl.ValueInfoProto::getName)
                .collect(Collectors.toList()));
        assertEquals("dae", reread.getMetadataPropsList().stream().filter(p -> p.getKey().equals("hourglass.family"))
                .findFirst().orElseThrow().getValue());
        assertEquals(8, reread.getGraph().getInitializerList().stream()
                .filter(t -> t.getName().startsWith("encoder/") || t.getName().startsWith("decoder/")).count());

        try (ModelSession s = Ort.executor().load("dae-inference", Files.readAllBytes(file));
             OnnxTensor xt = Ort.tensor(DType.FLOAT, toDoubles(data, 0, 24), new long[] {2, 12})) {
            Map<String, double[]> out = Ort.run(s, Map.of("x", xt), null);
            double[] expected = javaForward(first, toDoubles(data, 0, 24), 2);
            assertArrayEquals(expected, out.get("reconstruction"), 1e-4);
            assertEquals(6, out.get("latent").length);
        }
    }

    @Test
    void resumingFromSavedStateContinuesExactly() {
        float[] data = syntheticData(96);
        TrainingData td = TrainingData.of("x", data, 96);
        Map<String, HostTensor> straight;
        Dae d = new Dae();
        TrainStepModel m = TrainStep.builder(d.g).loss(d.loss).build();
        try (Trainer t = new Trainer(Ort.executor(), m, "straight")) {
            t.fit(td, TrainingConfig.of(1, 16, 0.01, 1), TrainingListener.none());
            t.fit(td, TrainingConfig.of(1, 16, 0.01, 2), TrainingListener.none());
            straight = t.state();
        }
        Map<String, HostTensor> saved;
        long steps;
        try (Trainer t = new Trainer(Ort.executor(), m, "first-half")) {
            t.fit(td, TrainingConfig.of(1, 16, 0.01, 1), TrainingListener.none());
            saved = t.state();
            steps = t.step();
        }
        try (Trainer t = new Trainer(Ort.executor(), m, "second-half")) {
            t.setState(saved);
            t.setStep(steps);
            t.fit(td, TrainingConfig.of(1, 16, 0.01, 2), TrainingListener.none());
            assertEquals(12, t.step());
            for (Map.Entry<String, HostTensor> e : t.state().entrySet()) {
                assertArrayEquals(straight.get(e.getKey()).floats(), e.getValue().floats(), e.getKey());
            }
        }
    }

    @Test
    void interruptingCancelsBetweenStepsAndKeepsTheLastState() {
        Dae d = new Dae();
        TrainStepModel m = TrainStep.builder(d.g).loss(d.loss).build();
        try (Trainer t = new Trainer(Ort.executor(), m, "cancel")) {
            assertThrows(java.util.concurrent.CancellationException.class, () -> t.fit(
                    TrainingData.of("x", syntheticData(64), 64), TrainingConfig.of(5, 8, 0.01, 1), p -> {
                        if (p.globalStep() == 3) {
                            Thread.currentThread().interrupt();
                        }
                    }));
            assertTrue(Thread.interrupted(), "the interrupt flag stays set for the caller");
            assertEquals(3, t.step());
            assertEquals(m.stateNames(), List.copyOf(t.state().keySet()));
        }
    }

    @Test
    void aDivergingLossStopsTrainingWithTheStep() {
        Graph g = Graph.create(3);
        Tensor x = g.input("x", Shape.batchOf(2));
        Tensor w = g.param("w", Shape.of(2), Init.constant(1));
        TrainStepModel m = TrainStep.builder(g).loss(Ops.neg(Ops.mean(Ops.exp(Ops.mul(Ops.mul(x, w), 60.0)))))
                .optimizer(Optimizer.sgd(0)).build();
        try (Trainer t = new Trainer(Ort.executor(), m, "diverge")) {
            org.hourglass.training.DivergenceException e = assertThrows(
                    org.hourglass.training.DivergenceException.class, () -> t.fit(
                    TrainingData.of("x", new float[] {1, 1, 1, 1}, 2), TrainingConfig.of(10, 2, 1.0, 1),
                    TrainingListener.none()));
            assertTrue(e.getMessage().contains("the loss became") && e.getMessage().contains("at step"), e.getMessage());
            assertTrue(!Double.isFinite(e.loss()) && e.step() >= 1, e.step() + " " + e.loss());
        }
    }

    @Test
    void clearErrorsForBadTrainingInput() {
        Dae d = new Dae();
        TrainStepModel m = TrainStep.builder(d.g).loss(d.loss).build();
        try (Trainer t = new Trainer(Ort.executor(), m, "dae-errors")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> t.fit(TrainingData.of("y", new float[24], 2), TrainingConfig.of(1, 2, 0.1, 1),
                            TrainingListener.none()));
            assertTrue(e.getMessage().contains("no column for input 'x'"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> t.fit(TrainingData.of("x", new float[20], 2), TrainingConfig.of(1, 2, 0.1, 1),
                            TrainingListener.none()));
            assertTrue(e.getMessage().contains("needs 12 values per sample"), e.getMessage());
        }
        Dae other = new Dae();
        IllegalArgumentException foreign = assertThrows(IllegalArgumentException.class,
                () -> TrainStep.builder(other.g).loss(d.loss).build());
        assertTrue(foreign.getMessage().contains("another graph"), foreign.getMessage());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> InferenceModel.builder(d.g)
                .output("r", d.cleanRecon).weights(Map.of("encoder/fc9/weight", HostTensor.ofFloats(new float[1], 1)))
                .build());
        assertTrue(e.getMessage().contains("encoder/fc9/weight"), e.getMessage());
    }

    private static double[] toDoubles(float[] v, int from, int to) {
        double[] out = new double[to - from];
        for (int i = from; i < to; i++) {
            out[i - from] = v[i];
        }
        return out;
    }

    /** The clean-input forward pass in plain Java, from the trained weights. */
    private static double[] javaForward(Map<String, HostTensor> w, double[] x, int n) {
        double[] h = x;
        String[] layers = {"encoder/fc1", "encoder/fc2", "decoder/fc1", "decoder/fc2"};
        boolean[] tanh = {true, false, true, false};
        for (int l = 0; l < layers.length; l++) {
            HostTensor wt = w.get(layers[l] + "/weight");
            float[] b = w.get(layers[l] + "/bias").floats();
            int in = (int) wt.shape()[0];
            int out = (int) wt.shape()[1];
            double[] next = new double[n * out];
            for (int r = 0; r < n; r++) {
                for (int j = 0; j < out; j++) {
                    double acc = b[j];
                    for (int k = 0; k < in; k++) {
                        acc += h[r * in + k] * wt.floats()[k * out + j];
                    }
                    next[r * out + j] = tanh[l] ? Math.tanh(acc) : acc;
                }
            }
            h = next;
        }
        return h;
    }
}
