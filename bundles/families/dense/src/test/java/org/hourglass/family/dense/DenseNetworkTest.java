package org.hourglass.family.dense;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import java.util.List;
import java.util.Map;
import org.hourglass.graph.Layers.Activation;
import org.hourglass.graph.InferenceModel;
import org.hourglass.graph.Tensor;
import org.hourglass.graph.Layers;
import org.hourglass.spi.FamilyOutputs;
import org.hourglass.spi.InputSpec;
import org.hourglass.testing.GraphRunner;
import org.hourglass.testing.TestContext;
import org.junit.jupiter.api.Test;

class DenseNetworkTest {

    private static final InputSpec IMAGE = InputSpec.of(4, 5);

    private static DenseSettings settings(double dropout, DenseSettings.NoiseKind noise) {
        return new DenseSettings(new long[] {16, 8}, Activation.RELU, Activation.SIGMOID, dropout, noise, 0.2);
    }

    private static List<String> paramNames(TestContext ctx) {
        return ctx.graph().params().stream().map(Tensor::name).toList();
    }

    @Test
    void buildsEncoderAndMirroredDecoderWithTheInputsShape() {
        TestContext ctx = TestContext.of(IMAGE, 3, false, 1);
        FamilyOutputs out = DenseNetwork.build(settings(0, DenseSettings.NoiseKind.NONE), ctx);
        assertEquals(3, out.latent().shape().dim(1));
        assertArrayEquals(new long[] {-1, 4, 5}, out.reconstruction().shape().dims());
        // encoder 20→16→8→3, decoder 3→8→16→20: weight + bias each
        assertEquals(12, paramNames(ctx).size());
        assertEquals(8 * 16, ctx.graph().initialValue(ctx.graph().tensor("decoder/fc2/weight")).size());
    }

    @Test
    void trainingAndInferenceGraphsShareParameterNamesAndOnlyTrainingIsNoisy() {
        for (DenseSettings.NoiseKind noise : DenseSettings.NoiseKind.values()) {
            TestContext train = TestContext.of(IMAGE, 3, true, 1);
            TestContext infer = TestContext.of(IMAGE, 3, false, 1);
            DenseNetwork.build(settings(0.5, noise), train);
            DenseNetwork.build(settings(0.5, noise), infer);
            assertEquals(paramNames(infer), paramNames(train), "parameters must carry over by name");
            int dropouts = 4; // one keep-mask per hidden layer of encoder and decoder
            assertEquals(dropouts + (noise == DenseSettings.NoiseKind.NONE ? 0 : 1), train.graph().randomInputs().size());
            assertTrue(infer.graph().randomInputs().isEmpty());
        }
    }

    @Test
    void inferenceModelRunsAndSigmoidOutputStaysInUnitRange() {
        TestContext ctx = TestContext.of(IMAGE, 3, false, 7);
        FamilyOutputs out = DenseNetwork.build(settings(0, DenseSettings.NoiseKind.NONE), ctx);
        OnnxMl.ModelProto model = InferenceModel.builder(ctx.graph())
                .output("latent", out.latent()).output("reconstruction", out.reconstruction()).build();
        float[] x = new float[2 * 20];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i);
        }
        try (GraphRunner runner = new GraphRunner()) {
            Map<String, float[]> y = runner.run(model, Map.of("x", new GraphRunner.Input(x, 2, 4, 5)));
            assertEquals(2 * 3, y.get("latent").length);
            assertEquals(40, y.get("reconstruction").length);
            for (float v : y.get("reconstruction")) {
                assertTrue(v > 0 && v < 1, "sigmoid output " + v);
            }
        }
    }

    private static DenseSettings withVarianceHead(boolean on) {
        return new DenseSettings(new long[] {16, 8}, Activation.RELU, Activation.NONE, 0, DenseSettings.NoiseKind.NONE,
                0.2, on);
    }

    @Test
    void logVarianceIsPublishedOnlyWithTheVarianceHead() {
        TestContext off = TestContext.of(IMAGE, 3, false, 1);
        assertTrue(DenseNetwork.build(withVarianceHead(false), off).outputs().isEmpty());
        assertTrue(DenseNetwork.build(DenseSettings.defaults(), TestContext.of(IMAGE, 3, true, 1)).outputs().isEmpty());
        TestContext on = TestContext.of(IMAGE, 3, false, 1);
        FamilyOutputs out = DenseNetwork.build(withVarianceHead(true), on);
        assertEquals(java.util.Set.of(FamilyOutputs.LOG_VARIANCE), out.outputs().keySet());
        assertArrayEquals(new long[] {-1, 4, 5}, out.outputs().get(FamilyOutputs.LOG_VARIANCE).shape().dims());
        assertTrue(out.lossTerms().isEmpty());
        // the head adds one weight + bias; training and inference graphs still share their parameters
        assertEquals(14, paramNames(on).size());
        TestContext train = TestContext.of(IMAGE, 3, true, 1);
        DenseNetwork.build(withVarianceHead(true), train);
        assertEquals(paramNames(on), paramNames(train));
    }

    @Test
    void predictedVarianceIsPositiveAndHasTheInputsShape() {
        TestContext ctx = TestContext.of(IMAGE, 3, false, 11);
        FamilyOutputs out = DenseNetwork.build(withVarianceHead(true), ctx);
        OnnxMl.ModelProto model = InferenceModel.builder(ctx.graph())
                .output("reconstruction", out.reconstruction())
                .output("log_variance", out.outputs().get(FamilyOutputs.LOG_VARIANCE)).build();
        float[] x = new float[3 * 20];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (50 * Math.cos(i)); // large inputs push some heads far negative
        }
        try (GraphRunner runner = new GraphRunner()) {
            Map<String, float[]> y = runner.run(model, Map.of("x", new GraphRunner.Input(x, 3, 4, 5)));
            assertEquals(60, y.get("log_variance").length);
            assertEquals(y.get("reconstruction").length, y.get("log_variance").length);
            for (float lv : y.get("log_variance")) {
                double variance = Math.exp(lv);
                assertTrue(Float.isFinite(lv) && variance > 0, "variance " + variance);
                assertTrue(lv >= Math.log(org.hourglass.spi.FamilyOutputs.VARIANCE_FLOOR) - 1e-3, "log-variance " + lv);
            }
        }
    }

    @Test
    void badSettingsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DenseSettings(new long[] {0}, Activation.RELU, Activation.NONE, 0,
                        DenseSettings.NoiseKind.NONE, 0));
        assertTrue(e.getMessage().contains("hidden.sizes"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> settings(1.0, DenseSettings.NoiseKind.NONE));
        assertTrue(e.getMessage().contains("dropout"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new DenseSettings(new long[] {4}, Activation.RELU, Activation.NONE, 0,
                        DenseSettings.NoiseKind.MASKING, 1.5));
        assertTrue(e.getMessage().contains("noise.level"), e.getMessage());
    }
}
