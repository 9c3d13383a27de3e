package org.hourglass.family.conv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.hourglass.graph.Graph;
import org.hourglass.graph.InferenceModel;
import org.hourglass.graph.Layers.Activation;
import org.hourglass.graph.Layers;
import org.hourglass.graph.Optimizer;
import org.hourglass.graph.Tensor;
import org.hourglass.graph.TrainStep;
import org.hourglass.graph.TrainStepModel;
import org.hourglass.spi.FamilyOutputs;
import org.hourglass.spi.InputSpec;
import org.hourglass.testing.FamilyTraining;
import org.hourglass.testing.GraphRunner;
import org.hourglass.testing.TestContext;
import org.hourglass.training.Trainer;
import org.hourglass.training.TrainingConfig;
import org.hourglass.training.TrainingData;
import org.hourglass.training.TrainingResult;
import org.junit.jupiter.api.Test;

class ConvNetworkTest {

    private static List<String> paramNames(TestContext ctx) {
        return ctx.graph().params().stream().map(Tensor::name).toList();
    }

    private static List<long[]> paramShapes(TestContext ctx) {
        return ctx.graph().params().stream().map(t -> t.shape().dims()).toList();
    }

    @Test
    void reconstructsTheInputsShapeForEvenOddAndColourImages() {
        InputSpec[] specs = {InputSpec.of(28, 28), InputSpec.of(32, 32), InputSpec.of(3, 17, 23)};
        try (GraphRunner runner = new GraphRunner()) {
            for (int kernel : new int[] {3, 4}) {
                for (InputSpec spec : specs) {
                    ConvSettings s = new ConvSettings(new long[] {4, 8}, kernel, Activation.RELU, Activation.SIGMOID);
                    TestContext ctx = TestContext.of(spec, 5, false, 1);
                    FamilyOutputs out = ConvNetwork.build(s, ctx);
                    assertArrayEquals(spec.batchShape(), out.reconstruction().shape().dims(), spec + " k" + kernel);
                    assertArrayEquals(new long[] {-1, 5}, out.latent().shape().dims());
                    // and ONNX Runtime agrees: run a batch of 2
                    var model = InferenceModel.builder(ctx.graph()).output("latent", out.latent())
                            .output("reconstruction", out.reconstruction()).build();
                    long[] shape = spec.batchShape();
                    shape[0] = 2;
                    float[] x = new float[2 * spec.features()];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = (float) (0.5 + 0.5 * Math.sin(i * 0.1));
                    }
                    Map<String, float[]> y = runner.run(model, Map.of("x", new GraphRunner.Input(x, shape)));
                    assertEquals(x.length, y.get("reconstruction").length, spec + " k" + kernel);
                    assertEquals(10, y.get("latent").length);
                    for (float v : y.get("reconstruction")) {
                        assertTrue(v > 0 && v < 1, "sigmoid output " + v);
                    }
                }
            }
        }
    }

    @Test
    void layersAndSizesMirror() {
        TestContext ctx = TestContext.of(InputSpec.of(28, 28), 16, false, 1);
        ConvNetwork.build(ConvSettings.defaults(), ctx);
        assertEquals(List.of("encoder/conv1/weight", "encoder/conv1/bias", "encoder/conv2/weight", "encoder/conv2/bias",
                "encoder/latent/weight", "encoder/latent/bias", "decoder/fc/weight", "decoder/fc/bias",
                "decoder/deconv1/weight", "decoder/deconv1/bias", "decoder/deconv2/weight", "decoder/deconv2/bias"),
                paramNames(ctx));
        // 28 -> 14 -> 7: the bottleneck is 32 x 7 x 7
        assertArrayEquals(new long[] {32 * 7 * 7, 16}, ctx.graph().tensor("encoder/latent/weight").shape().dims());
        assertArrayEquals(new long[] {32, 16, 3, 3}, ctx.graph().tensor("decoder/deconv1/weight").shape().dims());
        assertArrayEquals(new long[] {16, 1, 3, 3}, ctx.graph().tensor("decoder/deconv2/weight").shape().dims());
    }

    @Test
    void trainingAndInferenceGraphsShareParameterNamesAndShapes() {
        InputSpec spec = InputSpec.of(3, 17, 23);
        TestContext train = TestContext.of(spec, 4, true, 3);
        TestContext infer = TestContext.of(spec, 4, false, 3);
        ConvNetwork.build(ConvSettings.defaults(), train);
        ConvNetwork.build(ConvSettings.defaults(), infer);
        assertEquals(paramNames(infer), paramNames(train), "parameters must carry over by name");
        for (int i = 0; i < paramShapes(train).size(); i++) {
            assertArrayEquals(paramShapes(infer).get(i), paramShapes(train).get(i));
        }
        assertTrue(train.graph().randomInputs().isEmpty());
        assertTrue(infer.graph().randomInputs().isEmpty());
    }

    @Test
    void aFewTrainingStepsReduceTheSquaredError() {
        InputSpec spec = InputSpec.of(16, 16);
        TestContext ctx = TestContext.of(spec, 4, true, 11);
        FamilyOutputs out = ConvNetwork.build(ConvSettings.defaults(), ctx);
        Graph g = ctx.graph();
        Tensor loss = FamilyTraining.mse(out.reconstruction(), ctx.input());
        TrainStepModel model = TrainStep.builder(g).loss(loss).optimizer(Optimizer.adam()).build();
        int n = 64;
        float[] x = new float[n * 256];
        Random r = new Random(5);
        for (int s = 0; s < n; s++) {
            double fx = 0.2 + 0.4 * r.nextDouble();
            double phase = 6 * r.nextDouble();
            for (int i = 0; i < 256; i++) {
                x[s * 256 + i] = (float) (0.5 + 0.4 * Math.sin(fx * (i / 16) + phase) * Math.cos(fx * (i % 16)));
            }
        }
        try (GraphRunner runner = new GraphRunner();
             Trainer trainer = new Trainer(runner.executor(), model, "conv-test")) {
            TrainingResult result = trainer.fit(TrainingData.of("x", x, n), TrainingConfig.of(15, 16, 0.005, 7),
                    progress -> { });
            List<Double> losses = result.epochLosses();
            assertTrue(losses.get(losses.size() - 1) < 0.5 * losses.get(0), "losses " + losses);
        }
    }

    @Test
    void badSettingsAndShapesAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ConvSettings(new long[] {16, 0}, 3, Activation.RELU, Activation.NONE));
        assertTrue(e.getMessage().contains("channels"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new ConvSettings(new long[] {}, 3, Activation.RELU, Activation.NONE));
        assertTrue(e.getMessage().contains("channels"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new ConvSettings(new long[] {16}, 5, Activation.RELU, Activation.NONE));
        assertTrue(e.getMessage().contains("kernel.size"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ConvNetwork.build(ConvSettings.defaults(), TestContext.of(InputSpec.of(784), 4, false, 1)));
        assertTrue(e.getMessage().contains("[H, W]") && e.getMessage().contains("784"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ConvNetwork.build(
                new ConvSettings(new long[] {4, 4, 4}, 4, Activation.RELU, Activation.NONE),
                TestContext.of(InputSpec.of(4, 4), 4, false, 1)));
        assertTrue(e.getMessage().contains("too small"), e.getMessage());
    }

    @Test
    void varianceHeadPublishesAPositiveVariancePerPixel() {
        ConvSettings s = new ConvSettings(new long[] {4, 8}, 3, Activation.RELU, Activation.SIGMOID, true);
        InputSpec spec = InputSpec.of(1, 28, 28);
        TestContext ctx = TestContext.of(spec, 6, false, 1);
        FamilyOutputs out = ConvNetwork.build(s, ctx);
        Tensor logVariance = out.outputs().get(FamilyOutputs.LOG_VARIANCE);
        assertArrayEquals(spec.batchShape(), logVariance.shape().dims());
        assertTrue(paramNames(ctx).containsAll(List.of("decoder/variance/weight", "decoder/variance/bias")),
                paramNames(ctx).toString());
        try (GraphRunner runner = new GraphRunner()) {
            var model = InferenceModel.builder(ctx.graph()).output("log_variance", logVariance).build();
            float[] x = new float[3 * spec.features()];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (0.5 + 0.5 * Math.cos(i * 0.37));
            }
            float[] lv = runner.run(model, Map.of("x", new GraphRunner.Input(x, new long[] {3, 1, 28, 28})))
                    .get("log_variance");
            assertEquals(x.length, lv.length);
            for (float v : lv) {
                assertTrue(Float.isFinite(v) && v >= Math.log(FamilyOutputs.VARIANCE_FLOOR) - 1e-3, "log-variance " + v);
            }
        }
        TestContext plain = TestContext.of(spec, 6, false, 1);
        assertTrue(ConvNetwork.build(ConvSettings.defaults(), plain).outputs().isEmpty(), "no head unless asked");
    }
}
