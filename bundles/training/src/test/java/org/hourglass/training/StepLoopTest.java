package org.hourglass.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.stream.Collectors;
import org.hourglass.graph.HostTensor;
import org.hourglass.graph.Ops;
import org.hourglass.graph.Optimizer;
import org.hourglass.graph.TrainStep;
import org.hourglass.graph.TrainStepModel;
import org.junit.jupiter.api.Test;

/** Runs of several steps in one ONNX {@code Loop} ({@link TrainStepModel#loopProto()}) against single steps. */
class StepLoopTest {

    /** The denoising AE of {@link TrainingTest} with a metric, a diagnostic and gradient clipping on top. */
    static TrainStepModel model() {
        TrainingTest.Dae d = new TrainingTest.Dae();
        return TrainStep.builder(d.g).loss(d.loss).metric("mse", d.loss)
                .diagnostic("latent_mean", Ops.reduceMean(d.z, false, 0))
                .clipGradientNorm(0.05).optimizer(Optimizer.adamW(0.9, 0.999, 1e-8, 0.01)).build();
    }

    /** Everything a fit reports, and the state after it. */
    record Run(List<TrainingListener.Progress> steps, List<TrainingListener.EpochSummary> epochs, TrainingResult result,
               Map<String, HostTensor> state, long runs) {
    }

    static Run fit(int stepsPerRun, TrainingConfig cfg, float[] data, int n) {
        TrainStepModel m = model();
        List<TrainingListener.Progress> steps = new ArrayList<>();
        List<TrainingListener.EpochSummary> epochs = new ArrayList<>();
        TrainingListener listener = TrainingListener.of(steps::add, epochs::add);
        try (Trainer t = new Trainer(Ort.executor(), m, "loop-" + stepsPerRun)) {
            t.setStepsPerRun(stepsPerRun);
            long before = Ort.executor().info().runs();
            TrainingResult r = t.fit(TrainingData.of("x", data, n), cfg, listener);
            long runs = Ort.executor().info().runs() - before;
            return new Run(steps, epochs, r, t.state(), runs);
        }
    }

    @Test
    void aRunOfStepsGivesWhatSingleStepsGive() {
        int n = 200; // 6 full batches of 32 and one of 8 per epoch
        float[] data = TrainingTest.syntheticData(n);
        TrainingConfig cfg = new TrainingConfig(3, 32, LearningRate.warmupCosine(0.02, 5, 21), 7, true, false);
        Run single = fit(1, cfg, data, n);
        Run looped = fit(4, cfg, data, n);

        assertEquals(21, single.runs(), "one run per step");
        assertEquals(3 * 3, looped.runs(), "per epoch: 4 steps, the 2 full batches left, the incomplete batch");
        assertEquals(single.steps().size(), looped.steps().size());
        for (int i = 0; i < single.steps().size(); i++) {
            TrainingListener.Progress a = single.steps().get(i);
            TrainingListener.Progress b = looped.steps().get(i);
            assertEquals(a.epoch(), b.epoch());
            assertEquals(a.stepInEpoch(), b.stepInEpoch());
            assertEquals(a.globalStep(), b.globalStep());
            assertEquals(a.loss(), b.loss(), "loss of step " + a.globalStep());
            assertEquals(a.metrics().keySet(), b.metrics().keySet());
            for (String k : a.metrics().keySet()) {
                assertEquals(a.metrics().get(k), b.metrics().get(k), k);
            }
        }
        assertEquals(List.of("mse", "grad_norm"), List.copyOf(single.steps().get(0).metrics().keySet()));
        assertTrue(single.steps().stream().anyMatch(p -> p.metrics().get("grad_norm") > 0.05), "clipping was active");
        for (int e = 0; e < 3; e++) {
            assertEquals(single.epochs().get(e).meanLoss(), looped.epochs().get(e).meanLoss());
            assertArrayEquals(single.epochs().get(e).diagnostics().get("latent_mean"),
                    looped.epochs().get(e).diagnostics().get("latent_mean"));
        }
        assertEquals(single.result().steps(), looped.result().steps());
        // Same kernels on the same values: on the CPU the two paths agree bit for bit.
        for (Map.Entry<String, HostTensor> s : single.state().entrySet()) {
            assertArrayEquals(s.getValue().floats(), looped.state().get(s.getKey()).floats(), s.getKey());
        }
    }

    @Test
    void fitsCalledOncePerEpochReuseTheRunBuffersAndGiveTheSameState() {
        // As pipelines train: one fit per epoch, each with its own seed.
        float[] data = TrainingTest.syntheticData(100);
        List<Map<String, HostTensor>> states = new ArrayList<>();
        for (int stepsPerRun : new int[] {1, 3}) {
            try (Trainer t = new Trainer(Ort.executor(), model(), "per-epoch-" + stepsPerRun)) {
                t.setStepsPerRun(stepsPerRun);
                for (int epoch = 0; epoch < 3; epoch++) {
                    t.fit(TrainingData.of("x", data, 100), TrainingConfig.of(1, 16, 0.01, 40 + epoch),
                            TrainingListener.none());
                }
                assertEquals(3 * 7, t.step());
                states.add(t.state());
            }
        }
        for (Map.Entry<String, HostTensor> s : states.get(0).entrySet()) {
            assertArrayEquals(s.getValue().floats(), states.get(1).get(s.getKey()).floats(), s.getKey());
        }
    }

    @Test
    void theLoopModelNamesItsStackedInputsAndOutputs() {
        TrainStepModel m = model();
        OnnxMl.GraphProto g = m.loopProto().getGraph();
        List<String> inputs = g.getInputList().stream().map(OnnxMl.ValueInfoProto::getName).collect(Collectors.toList());
        List<String> outputs = g.getOutputList().stream().map(OnnxMl.ValueInfoProto::getName).collect(Collectors.toList());
        assertEquals(List.of("steps/x", "steps/noise"), inputs.subList(0, 2));
        assertEquals(m.stateNames(), inputs.subList(2, 2 + m.stateNames().size()));
        assertEquals(List.of(TrainStepModel.FIRST_STEP, TrainStepModel.STEP_LRS), inputs.subList(inputs.size() - 2,
                inputs.size()));
        for (String s : m.stateNames()) {
            assertTrue(outputs.contains("next/" + s), s);
        }
        assertTrue(outputs.containsAll(List.of("steps/loss", "steps/metric/mse", "steps/metric/grad_norm",
                "steps/diag/latent_mean")), outputs.toString());
        assertEquals(1, g.getNodeList().stream().filter(n -> n.getOpType().equals("Loop")).count());
        assertTrue(m.loopProto() == m.loopProto(), "built once");
    }

    @Test
    void cancellingStopsAtTheEndOfARun() {
        TrainStepModel m = model();
        try (Trainer t = new Trainer(Ort.executor(), m, "loop-cancel")) {
            t.setStepsPerRun(4);
            assertThrows(CancellationException.class, () -> t.fit(TrainingData.of("x", TrainingTest.syntheticData(64), 64),
                    TrainingConfig.of(5, 8, 0.01, 1), p -> {
                        if (p.globalStep() == 2) {
                            Thread.currentThread().interrupt();
                        }
                    }));
            assertTrue(Thread.interrupted());
            assertEquals(4, t.step(), "the run that held step 2 completed; the next did not start");
        }
        assertThrows(IllegalArgumentException.class, () -> {
            try (Trainer t = new Trainer(Ort.executor(), m, "loop-bad")) {
                t.setStepsPerRun(0);
            }
        });
    }
}
