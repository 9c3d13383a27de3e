package org.example.hourglass.shallow;

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

class ShallowNetworkTest {

    private static final InputSpec IMAGE = InputSpec.of(1, 4, 5);
    private static final ShallowSettings TIED = new ShallowSettings(true, Activation.NONE, Activation.SIGMOID);
    private static final ShallowSettings UNTIED = new ShallowSettings(false, Activation.TANH, Activation.NONE);

    private static List<String> paramNames(TestContext ctx) {
        return ctx.graph().params().stream().map(Tensor::name).toList();
    }

    @Test
    void buildsCodeAndReconstructionInTheInputsShape() {
        TestContext ctx = TestContext.of(IMAGE, 3, false, 1);
        FamilyOutputs out = ShallowNetwork.build(TIED, ctx);
        assertArrayEquals(new long[] {-1, 3}, out.latent().shape().dims());
        assertArrayEquals(new long[] {-1, 1, 4, 5}, out.reconstruction().shape().dims());
        assertTrue(out.lossTerms().isEmpty() && out.outputs().isEmpty());
    }

    @Test
    void tiedWeightsShareTheEncoderMatrix() {
        TestContext tied = TestContext.of(IMAGE, 3, true, 1);
        ShallowNetwork.build(TIED, tied);
        assertEquals(List.of(ShallowNetwork.ENCODER_WEIGHT, ShallowNetwork.ENCODER_BIAS, ShallowNetwork.DECODER_BIAS),
                paramNames(tied));

        TestContext untied = TestContext.of(IMAGE, 3, true, 1);
        ShallowNetwork.build(UNTIED, untied);
        assertEquals(4, paramNames(untied).size());
        assertEquals(3 * 20, untied.graph().initialValue(untied.graph().tensor(ShallowNetwork.DECODER_WEIGHT)).size());
    }

    @Test
    void trainingAndInferenceGraphsHaveTheSameParameters() {
        for (ShallowSettings s : List.of(TIED, UNTIED)) {
            TestContext train = TestContext.of(IMAGE, 3, true, 5);
            TestContext infer = TestContext.of(IMAGE, 3, false, 5);
            ShallowNetwork.build(s, train);
            ShallowNetwork.build(s, infer);
            assertEquals(paramNames(infer), paramNames(train), "parameters must carry over by name");
            for (Tensor p : train.graph().params()) {
                assertArrayEquals(p.shape().dims(), infer.graph().tensor(p.name()).shape().dims(), p.name());
            }
            assertTrue(train.graph().randomInputs().isEmpty(), "the family adds no noise");
        }
    }

    @Test
    void inferenceModelComputesTheTiedAutoencoder() {
        TestContext ctx = TestContext.of(IMAGE, 3, false, 7);
        FamilyOutputs out = ShallowNetwork.build(TIED, ctx);
        OnnxMl.ModelProto model = InferenceModel.builder(ctx.graph())
                .output("latent", out.latent()).output("reconstruction", out.reconstruction()).build();
        float[] x = new float[2 * 20];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i);
        }
        Map<String, float[]> y;
        try (GraphRunner runner = new GraphRunner()) {
            y = runner.run(model, Map.of("x", new GraphRunner.Input(x, 2, 1, 4, 5)));
        }

        // The same computation in plain Java: code = x W (bias 0 at start), reconstruction = sigmoid(code W^T).
        float[] w = ctx.graph().initialValue(ctx.graph().tensor(ShallowNetwork.ENCODER_WEIGHT)).floats();
        for (int n = 0; n < 2; n++) {
            double[] code = new double[3];
            for (int j = 0; j < 3; j++) {
                for (int i = 0; i < 20; i++) {
                    code[j] += x[n * 20 + i] * w[i * 3 + j];
                }
                assertEquals(code[j], y.get("latent")[n * 3 + j], 1e-5, "code " + j);
            }
            for (int i = 0; i < 20; i++) {
                double d = 0;
                for (int j = 0; j < 3; j++) {
                    d += code[j] * w[i * 3 + j];
                }
                assertEquals(1 / (1 + Math.exp(-d)), y.get("reconstruction")[n * 20 + i], 1e-5, "feature " + i);
            }
        }
    }

    @Test
    void badSettingsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ShallowSettings.activation("softmax", "activation"));
        assertTrue(e.getMessage().contains("activation") && e.getMessage().contains("softmax"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new ShallowSettings(true, Activation.NONE, Activation.RELU));
        assertTrue(e.getMessage().contains("output.activation"), e.getMessage());
    }
}
