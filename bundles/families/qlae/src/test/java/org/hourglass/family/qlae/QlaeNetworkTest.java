package org.hourglass.family.qlae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.hourglass.graph.Graph;
import org.hourglass.graph.HostTensor;
import org.hourglass.graph.InferenceModel;
import org.hourglass.graph.Layers.Activation;
import org.hourglass.graph.Layers;
import org.hourglass.graph.Ops;
import org.hourglass.graph.Optimizer;
import org.hourglass.graph.Shape;
import org.hourglass.graph.Tensor;
import org.hourglass.graph.TrainStep;
import org.hourglass.graph.TrainStepModel;
import org.hourglass.spi.FamilyOutputs;
import org.hourglass.spi.InputSpec;
import org.hourglass.testing.Configs;
import org.hourglass.testing.FamilyTraining;
import org.hourglass.testing.GraphRunner;
import org.hourglass.testing.TestContext;
import org.hourglass.training.Trainer;
import org.hourglass.training.TrainingConfig;
import org.hourglass.training.TrainingData;
import org.hourglass.training.TrainingListener;
import org.hourglass.training.TrainingResult;
import org.junit.jupiter.api.Test;

class QlaeNetworkTest {

    private static final InputSpec IMAGE = InputSpec.of(4, 5);

    private static QlaeSettings settings(int codebook) {
        return new QlaeSettings(new long[] {16}, Activation.RELU, Activation.SIGMOID, codebook, 1.0, 1.0, 0.25);
    }

    private static List<String> paramNames(TestContext ctx) {
        return ctx.graph().params().stream().map(Tensor::name).toList();
    }

    @Test
    void shapesParametersAndLossTermsOnlyWhenTraining() {
        TestContext train = TestContext.of(IMAGE, 3, true, 1);
        TestContext infer = TestContext.of(IMAGE, 3, false, 1);
        FamilyOutputs t = QlaeNetwork.build(settings(5), train);
        FamilyOutputs i = QlaeNetwork.build(settings(5), infer);
        assertArrayEquals(new long[] {-1, 4, 5}, i.reconstruction().shape().dims());
        assertArrayEquals(new long[] {-1, 3}, i.latent().shape().dims());
        assertEquals(List.of("encoder/fc1/weight", "encoder/fc1/bias", "encoder/latent/weight", "encoder/latent/bias",
                "quantizer/codebook", "decoder/fc1/weight", "decoder/fc1/bias", "decoder/out/weight",
                "decoder/out/bias"), paramNames(infer));
        assertEquals(paramNames(infer), paramNames(train), "parameters must carry over by name");
        assertArrayEquals(new double[] {-1, -0.5, 0, 0.5, 1, -1, -0.5, 0, 0.5, 1, -1, -0.5, 0, 0.5, 1},
                infer.graph().initialValue(infer.graph().tensor("quantizer/codebook")).toDoubles(), 1e-12);
        assertEquals(java.util.Set.of(QlaeNetwork.QUANTIZATION, QlaeNetwork.COMMITMENT), t.lossTerms().keySet());
        assertTrue(i.lossTerms().isEmpty());
        assertTrue(train.graph().randomInputs().isEmpty());
        assertArrayEquals(new long[] {3, 5}, t.diagnostics().get(QlaeNetwork.USAGE).shape().dims());
        assertTrue(i.diagnostics().isEmpty());
    }

    @Test
    void defaultsAreTheIssues() {
        QlaeFamily family = new QlaeFamily(Configs.of(QlaeFamily.Config.class, Map.of("hourglass_name", "q")));
        TestContext ctx = TestContext.of(IMAGE, 2, true, 1);
        family.build(ctx);
        // 10 values per dimension evenly on [-0.5, 0.5]
        double[] row = new double[10];
        for (int i = 0; i < 10; i++) {
            row[i] = -0.5 + i / 9.0;
        }
        double[] both = new double[20];
        System.arraycopy(row, 0, both, 0, 10);
        System.arraycopy(row, 0, both, 10, 10);
        assertArrayEquals(both, ctx.graph().initialValue(ctx.graph().tensor("quantizer/codebook")).toDoubles(), 1e-7);
        QlaeSettings d = QlaeSettings.of(Configs.of(QlaeFamily.Config.class, Map.of("hourglass_name", "q")));
        assertEquals(0.01, d.quantizationWeight());
        assertEquals(0.01, d.commitmentWeight());
        assertEquals(0.5, QlaeSettings.defaults().codebookRange());
        assertEquals(0.01, QlaeSettings.defaults().commitmentWeight());
    }

    @Test
    void usageSummaryPerDimension() {
        // two dimensions of four values: the first uses two values evenly, the second one value only
        Map<String, Object> s = QlaeNetwork.summarize(Map.of(QlaeNetwork.USAGE,
                new double[] {0.5, 0, 0.5, 0, 0, 0, 1, 0}), 4);
        assertEquals(List.of(2, 1), s.get("values_used"));
        List<?> perplexity = (List<?>) s.get("perplexity");
        assertEquals(2.0, (double) perplexity.get(0), 1e-12);
        assertEquals(1.0, (double) perplexity.get(1), 1e-12);
        assertEquals(1.5, (double) s.get("mean_values_used"), 1e-12);
        assertEquals(1.5, (double) s.get("mean_perplexity"), 1e-12);
    }

    @Test
    void quantizesEachDimensionToTheNearestValueOfItsOwnCodebook() {
        Graph g = Graph.create(1);
        Tensor z = g.input("z", Shape.batchOf(2));
        Tensor codebook = g.constant("cb", HostTensor.ofFloats(new float[] {-1, 0, 1, 10, 20, 30}, 2, 3));
        Tensor q = QlaeNetwork.quantize(g, z, codebook).quantized();
        try (GraphRunner runner = new GraphRunner()) {
            float[] got = runner.run(InferenceModel.builder(g).output("q", q).build(),
                    Map.of("z", new GraphRunner.Input(new float[] {-0.7f, 14, 0.4f, 26, 5, -100}, 3, 2))).get("q");
            assertArrayEquals(new float[] {-1, 10, 0, 30, 1, 10}, got, 0f);
        }
    }

    @Test
    void inferenceCodesAreCodebookValues() {
        TestContext ctx = TestContext.of(IMAGE, 3, false, 7);
        FamilyOutputs out = QlaeNetwork.build(settings(4), ctx);
        float[] x = new float[5 * 20];
        for (int k = 0; k < x.length; k++) {
            x[k] = (float) (0.5 + 0.5 * Math.sin(k * 0.37));
        }
        try (GraphRunner runner = new GraphRunner()) {
            Map<String, float[]> y = runner.run(InferenceModel.builder(ctx.graph()).output("latent", out.latent())
                    .output("reconstruction", out.reconstruction()).build(),
                    Map.of("x", new GraphRunner.Input(x, 5, 4, 5)));
            double[] values = {-1, -1.0 / 3, 1.0 / 3, 1};
            for (float v : y.get("latent")) {
                boolean onCodebook = false;
                for (double c : values) {
                    onCodebook |= v == (float) c;
                }
                assertTrue(onCodebook, "code " + v + " is not a codebook value");
            }
            assertEquals(100, y.get("reconstruction").length);
        }
    }

    @Test
    void trainingReducesTheLossAndMovesEncoderAndCodebook() {
        InputSpec spec = InputSpec.of(16);
        TestContext ctx = TestContext.of(spec, 4, true, 3);
        FamilyOutputs out = QlaeNetwork.build(settings(6), ctx);
        Graph g = ctx.graph();
        Tensor loss = FamilyTraining.mse(out.reconstruction(), ctx.input());
        for (Tensor term : out.lossTerms().values()) {
            loss = Ops.add(loss, term);
        }
        TrainStepModel model = TrainStep.builder(g).loss(loss).optimizer(Optimizer.adam())
                .diagnostic(QlaeNetwork.USAGE, out.diagnostics().get(QlaeNetwork.USAGE)).build();
        int n = 128;
        float[] x = new float[n * 16];
        Random r = new Random(9);
        for (int s = 0; s < n; s++) {
            double a = r.nextDouble();
            double b = r.nextDouble();
            for (int i = 0; i < 16; i++) {
                x[s * 16 + i] = (float) (0.5 + 0.4 * Math.sin(a * 6 + i * b));
            }
        }
        Map<String, HostTensor> initial = g.initialValues();
        List<double[]> usage = new java.util.ArrayList<>();
        TrainingListener listener = TrainingListener.onEpochs(e -> usage.add(e.diagnostics().get(QlaeNetwork.USAGE)));
        try (GraphRunner runner = new GraphRunner();
             Trainer trainer = new Trainer(runner.executor(), model, "qlae-test")) {
            TrainingResult result = trainer.fit(TrainingData.of("x", x, n), TrainingConfig.of(20, 32, 0.01, 7),
                    listener);
            List<Double> losses = result.epochLosses();
            assertTrue(losses.get(losses.size() - 1) < 0.5 * losses.get(0), "losses " + losses);
            Map<String, HostTensor> trained = trainer.params();
            // the straight-through estimator carries the reconstruction's gradient past the quantiser
            assertNotEquals(initial.get("encoder/fc1/weight").toDoubles()[0],
                    trained.get("encoder/fc1/weight").toDoubles()[0]);
            assertTrue(!java.util.Arrays.equals(initial.get("quantizer/codebook").toDoubles(),
                    trained.get("quantizer/codebook").toDoubles()), "the codebook learns");
        }
        assertEquals(20, usage.size());
        for (double[] u : usage) {
            assertEquals(4 * 6, u.length);
            for (int d = 0; d < 4; d++) {
                double sum = 0;
                for (int i = 0; i < 6; i++) {
                    sum += u[d * 6 + i];
                }
                assertEquals(1.0, sum, 1e-4, "each sample's code takes one value per dimension");
            }
        }
        Map<String, Object> summary = QlaeNetwork.summarize(Map.of(QlaeNetwork.USAGE, usage.get(19)), 6);
        for (Object used : (List<?>) summary.get("values_used")) {
            assertTrue((int) used >= 1 && (int) used <= 6, summary.toString());
        }
    }

    @Test
    void badSettingsAreNamed() {
        Object[][] cases = {
            {"hidden.sizes", (Runnable) () -> new QlaeSettings(new long[] {0}, Activation.RELU, Activation.NONE, 4, 1, 1, 1)},
            {"codebook.size", (Runnable) () -> settings(1)},
            {"codebook.range", (Runnable) () -> new QlaeSettings(new long[] {4}, Activation.RELU, Activation.NONE, 4, 0, 1, 1)},
            {"quantization.weight", (Runnable) () -> new QlaeSettings(new long[] {4}, Activation.RELU, Activation.NONE, 4, 1, -1, 1)},
            {"commitment.weight", (Runnable) () -> new QlaeSettings(new long[] {4}, Activation.RELU, Activation.NONE, 4, 1, 1, Double.NaN)},
        };
        for (Object[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, ((Runnable) c[1])::run);
            assertTrue(e.getMessage().contains((String) c[0]), c[0] + ": " + e.getMessage());
        }
    }
}
