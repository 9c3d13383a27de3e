package org.hourglass.family.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.hourglass.graph.Graph;
import org.hourglass.graph.Graph.Activation;
import org.hourglass.graph.InferenceModel;
import org.hourglass.graph.Shape;
import org.hourglass.graph.Tensor;
import org.hourglass.spi.FamilyOutputs;
import org.hourglass.spi.InputSpec;
import org.hourglass.testing.GraphRunner;
import org.hourglass.testing.TestContext;
import org.junit.jupiter.api.Test;

class VaeNetworkTest {

    private static final InputSpec SPEC = InputSpec.of(3, 4);
    private static final VaeSettings SETTINGS = new VaeSettings(new long[] {16}, Activation.RELU, Activation.NONE, 2.0);

    private static List<String> params(TestContext ctx) {
        return ctx.graph().params().stream().map(Tensor::name).toList();
    }

    private static float[] input(int batch) {
        float[] x = new float[batch * 12];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.cos(i * 0.7);
        }
        return x;
    }

    @Test
    void trainingAddsSamplingAndTheKlTermInferenceUsesTheMean() {
        TestContext train = TestContext.of(SPEC, 2, true, 5);
        TestContext infer = TestContext.of(SPEC, 2, false, 5);
        FamilyOutputs t = VaeNetwork.build(SETTINGS, train);
        FamilyOutputs i = VaeNetwork.build(SETTINGS, infer);
        assertEquals(params(infer), params(train), "parameters carry over by name");
        assertEquals(1, train.graph().randomInputs().size());
        assertTrue(infer.graph().randomInputs().isEmpty());
        assertEquals(List.of(VaeNetwork.KL), List.copyOf(t.lossTerms().keySet()));
        assertTrue(i.lossTerms().isEmpty());
        assertArrayEquals(new long[] {-1, 3, 4}, t.reconstruction().shape().dims());
        assertEquals(2, i.latent().shape().dim(1));
    }

    @Test
    void withZeroNoiseTheTrainingGraphReconstructsLikeTheInferenceGraph() {
        TestContext train = TestContext.of(SPEC, 2, true, 5);
        TestContext infer = TestContext.of(SPEC, 2, false, 5);
        FamilyOutputs t = VaeNetwork.build(SETTINGS, train);
        FamilyOutputs i = VaeNetwork.build(SETTINGS, infer);
        try (GraphRunner runner = new GraphRunner()) {
            float[] x = input(2);
            Map<String, float[]> sampled = runner.run(InferenceModel.builder(train.graph())
                            .output("r", t.reconstruction()).output("kl", t.lossTerms().get(VaeNetwork.KL)).build(),
                    Map.of("x", new GraphRunner.Input(x, 2, 3, 4),
                            VaeNetwork.EPSILON, new GraphRunner.Input(new float[4], 2, 2)));
            Map<String, float[]> mean = runner.run(InferenceModel.builder(infer.graph())
                    .output("r", i.reconstruction()).build(), Map.of("x", new GraphRunner.Input(x, 2, 3, 4)));
            assertArrayEquals(mean.get("r"), sampled.get("r"), 1e-6f);
            assertTrue(sampled.get("kl")[0] >= 0, "KL is never negative: " + sampled.get("kl")[0]);

            float[] noise = {1, -1, 0.5f, 2};
            Map<String, float[]> noisy = runner.run(InferenceModel.builder(train.graph())
                            .output("r", t.reconstruction()).build(),
                    Map.of("x", new GraphRunner.Input(x, 2, 3, 4),
                            VaeNetwork.EPSILON, new GraphRunner.Input(noise, 2, 2)));
            assertTrue(!java.util.Arrays.equals(mean.get("r"), noisy.get("r")), "noise moves the sample");
        }
    }

    @Test
    void klMatchesTheClosedFormInDoublePrecision() {
        Graph g = Graph.create(1);
        Tensor m = g.input("m", Shape.batchOf(3));
        Tensor lv = g.input("lv", Shape.batchOf(3));
        float[] mean = {0, 0, 0, 1, -2, 0.5f};
        float[] logVar = {0, 0, 0, -1, 0.3f, 2};
        double expected = 0;
        for (int i = 0; i < mean.length; i++) {
            expected += 0.5 * (Math.exp(logVar[i]) + mean[i] * mean[i] - 1 - logVar[i]);
        }
        expected /= 2; // batch mean over two samples
        try (GraphRunner runner = new GraphRunner()) {
            float kl = runner.run(InferenceModel.builder(g).output("kl", VaeNetwork.klPerSample(g, m, lv)).build(),
                    Map.of("m", new GraphRunner.Input(mean, 2, 3), "lv", new GraphRunner.Input(logVar, 2, 3)))
                    .get("kl")[0];
            assertEquals(expected, kl, 1e-5);
        }
    }

    @Test
    void badSettingsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new VaeSettings(new long[] {16}, Activation.RELU, Activation.NONE, -1));
        assertTrue(e.getMessage().contains("beta"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new VaeSettings(new long[] {0}, Activation.RELU, Activation.NONE, 1));
        assertTrue(e.getMessage().contains("hidden.sizes"), e.getMessage());
    }
}
