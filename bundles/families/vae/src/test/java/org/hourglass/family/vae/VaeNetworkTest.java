package org.hourglass.family.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hourglass.family.vae.blocks.VaeModel;
import org.hourglass.family.vae.blocks.VaeSpec.Decoder;
import org.hourglass.family.vae.blocks.VaeSpec;
import org.hourglass.graph.Graph;
import org.hourglass.graph.HostTensor;
import org.hourglass.graph.InferenceModel;
import org.hourglass.graph.Layers.Activation;
import org.hourglass.graph.Layers;
import org.hourglass.graph.Ops;
import org.hourglass.graph.Shape;
import org.hourglass.graph.ShapeOps;
import org.hourglass.graph.Tensor;
import org.hourglass.graph.TrainStep;
import org.hourglass.graph.TrainStepModel;
import org.hourglass.spi.FamilyContext;
import org.hourglass.spi.FamilyOutputs;
import org.hourglass.spi.InputSpec;
import org.hourglass.spi.ReconstructionKind;
import org.hourglass.testing.FamilyTraining;
import org.hourglass.testing.GraphRunner.Input;
import org.hourglass.testing.GraphRunner;
import org.hourglass.testing.TestContext;
import org.hourglass.training.Trainer;
import org.hourglass.training.TrainingConfig;
import org.hourglass.training.TrainingData;
import org.hourglass.training.TrainingListener;
import org.junit.jupiter.api.Test;

class VaeNetworkTest {

    private static final InputSpec SPEC = InputSpec.of(3, 4);
    private static final int D = 12;

    private static VaeSpec spec(Decoder decoder, double beta, int warmup, int samples, int classes) {
        return new VaeSpec(new long[] {16}, Activation.TANH, decoder, Activation.NONE, beta, warmup, 0.01, samples,
                classes, "feature:0");
    }

    private static final VaeSpec GAUSSIAN = spec(Decoder.GAUSSIAN, 2.0, 0, 8, 0);

    private static List<String> params(FamilyContext ctx) {
        return ctx.graph().params().stream().map(Tensor::name).toList();
    }

    private static float[] input(int batch) {
        float[] x = new float[batch * D];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (0.5 + 0.4 * Math.cos(i * 0.7));
        }
        return x;
    }

    /** A context that also gives a condition input (SPI 1.2) and records what the family declares (SPI 1.8). */
    private record Ctx(TestContext base, List<String> declared, Map<String, Tensor> conditions)
            implements FamilyContext {
        static Ctx of(boolean training) {
            return new Ctx(TestContext.of(SPEC, 2, training, 5), new java.util.ArrayList<>(), new HashMap<>());
        }

        @Override
        public Graph graph() {
            return base.graph();
        }

        @Override
        public Tensor input() {
            return base.input();
        }

        @Override
        public InputSpec inputSpec() {
            return SPEC;
        }

        @Override
        public int latentSize() {
            return 2;
        }

        @Override
        public boolean training() {
            return base.training();
        }

        @Override
        public Tensor condition(String source, int classes) {
            return conditions.computeIfAbsent(source, s -> graph().input("c", Shape.batchOf(classes)));
        }

        @Override
        public void declareReconstruction(ReconstructionKind kind, String setting) {
            declared.add(kind.word() + " (" + setting + ")");
        }
    }

    @Test
    void trainingSamplesAndCarriesKlAndDiagnosticsInferenceUsesTheMeanAndPublishesScores() {
        TestContext train = TestContext.of(SPEC, 2, true, 5);
        TestContext infer = TestContext.of(SPEC, 2, false, 5);
        FamilyOutputs t = VaeNetwork.build(GAUSSIAN, train, "vae");
        FamilyOutputs i = VaeNetwork.build(GAUSSIAN, infer, "vae");
        assertEquals(params(infer), params(train), "parameters carry over by name");
        assertEquals(1, train.graph().randomInputs().size());
        assertTrue(infer.graph().randomInputs().isEmpty());
        assertEquals(List.of(VaeModel.KL), List.copyOf(t.lossTerms().keySet()));
        assertEquals(List.of(VaeModel.KL_PER_DIMENSION), List.copyOf(t.diagnostics().keySet()));
        assertArrayEquals(new long[] {2}, t.diagnostics().get(VaeModel.KL_PER_DIMENSION).shape().dims());
        assertTrue(i.lossTerms().isEmpty());
        assertEquals(java.util.Set.of(VaeModel.KL_OUTPUT, VaeModel.LOG_LIKELIHOOD), i.outputs().keySet());
        assertArrayEquals(new long[] {-1, 3, 4}, t.reconstruction().shape().dims());
        assertEquals(2, i.latent().shape().dim(1));
        assertFalse(VaeNetwork.build(spec(Decoder.GAUSSIAN, 1, 0, 0, 0), TestContext.of(SPEC, 2, false, 5), "v")
                .outputs().containsKey(VaeModel.LOG_LIKELIHOOD), "likelihood.samples=0: no output");
    }

    @Test
    void withZeroNoiseTheTrainingGraphReconstructsLikeTheInferenceGraph() {
        TestContext train = TestContext.of(SPEC, 2, true, 5);
        TestContext infer = TestContext.of(SPEC, 2, false, 5);
        FamilyOutputs t = VaeNetwork.build(GAUSSIAN, train, "vae");
        FamilyOutputs i = VaeNetwork.build(GAUSSIAN, infer, "vae");
        try (GraphRunner runner = new GraphRunner()) {
            float[] x = input(2);
            Map<String, float[]> sampled = runner.run(InferenceModel.builder(train.graph())
                            .output("r", t.reconstruction()).build(),
                    Map.of("x", new Input(x, 2, 3, 4), VaeModel.EPSILON, new Input(new float[4], 2, 2)));
            Map<String, float[]> mean = runner.run(InferenceModel.builder(infer.graph())
                    .output("r", i.reconstruction()).build(), Map.of("x", new Input(x, 2, 3, 4)));
            assertArrayEquals(mean.get("r"), sampled.get("r"), 1e-6f);
            Map<String, float[]> noisy = runner.run(InferenceModel.builder(train.graph())
                            .output("r", t.reconstruction()).build(),
                    Map.of("x", new Input(x, 2, 3, 4), VaeModel.EPSILON, new Input(new float[] {1, -1, 0.5f, 2}, 2, 2)));
            assertFalse(java.util.Arrays.equals(mean.get("r"), noisy.get("r")), "noise moves the sample");
        }
    }

    /** KL, its per-dimension split and the loss term against the closed form, from given posteriors. */
    @Test
    void klPerSamplePerDimensionAndTheLossTermMatchTheClosedForm() {
        TestContext ctx = TestContext.of(SPEC, 3, false, 1);
        VaeModel m = VaeModel.create(new VaeSpec(new long[] {4}, Activation.RELU, Decoder.GAUSSIAN, Activation.NONE,
                2.0, 0, 0.01, 0, 0, "label"), ctx, "vae");
        Graph g = ctx.graph();
        VaeModel.Posterior p = new VaeModel.Posterior(g.input("m", Shape.batchOf(3)), g.input("lv", Shape.batchOf(3)));
        float[] mean = {0, 0, 0, 1, -2, 0.5f};
        float[] logVar = {0, 0, 0, -1, 0.3f, 2};
        double[] perSample = new double[2];
        double[] perDim = new double[3];
        for (int i = 0; i < mean.length; i++) {
            double kl = 0.5 * (Math.exp(logVar[i]) + mean[i] * mean[i] - 1 - logVar[i]);
            perSample[i / 3] += kl;
            perDim[i % 3] += kl / 2;
        }
        try (GraphRunner runner = new GraphRunner()) {
            Map<String, float[]> out = runner.run(InferenceModel.builder(g).output("s", m.klPerSample(p))
                            .output("d", m.klPerDimension(p)).output("t", m.klLossTerm(p)).output("o", m.klOutput(p))
                            .build(),
                    Map.of("m", new Input(mean, 2, 3), "lv", new Input(logVar, 2, 3)));
            for (int i = 0; i < 2; i++) {
                assertEquals(perSample[i], out.get("s")[i], 1e-5);
                assertEquals(2.0 * perSample[i] / D, out.get("o")[i], 1e-5, "beta * KL / D per sample");
            }
            for (int j = 0; j < 3; j++) {
                assertEquals(perDim[j], out.get("d")[j], 1e-5);
            }
            assertEquals(2.0 * (perSample[0] + perSample[1]) / 2 / D, out.get("t")[0], 1e-5);
        }
    }

    @Test
    void klWarmUpRisesLinearlyWithTheTrainingStep() {
        TestContext ctx = TestContext.of(SPEC, 2, true, 1);
        VaeModel m = VaeModel.create(spec(Decoder.GAUSSIAN, 3.0, 3, 0, 0), ctx, "vae");
        Graph g = ctx.graph();
        VaeModel.Posterior p = m.encode(ctx.input());
        Tensor term = m.klLossTerm(p);
        Tensor full = Ops.mul(Ops.mean(m.klPerSample(p)), 3.0 / D);
        Tensor loss = Ops.add(FamilyTraining.mse(m.reconstruction(m.sample(p)), ctx.input()), term);
        // One sample, batch 1: each epoch is one step, and its diagnostics are that step's values.
        TrainStepModel model = TrainStep.builder(g).loss(loss).diagnostic("ratio", ShapeOps.reshape(Ops.div(term, full), 1))
                .build();
        List<Double> ratios = new java.util.ArrayList<>();
        try (GraphRunner runner = new GraphRunner();
             Trainer t = new Trainer(runner.executor(), model, "warm-up")) {
            t.fit(TrainingData.of("x", input(1), 1), TrainingConfig.of(5, 1, 0.01, 1),
                    TrainingListener.onEpochs(summary -> ratios.add(summary.diagnostics().get("ratio")[0])));
        }
        double[] expected = {1 / 3.0, 2 / 3.0, 1, 1, 1};
        assertEquals(5, ratios.size());
        for (int i = 0; i < 5; i++) {
            assertEquals(expected[i], ratios.get(i), 1e-5, "step " + (i + 1));
        }
    }

    /**
     * With the posterior's spread switched off (log-variance bias -40) every draw is the mean, so the Monte-Carlo
     * log-likelihood must equal the one computed here from the reconstruction output.
     */
    @Test
    void logLikelihoodMatchesTheDecoderLikelihoodOfTheMeanForBothDecoders() {
        for (Decoder decoder : Decoder.values()) {
            TestContext ctx = TestContext.of(SPEC, 2, false, 3);
            FamilyOutputs out = VaeNetwork.build(spec(decoder, 1, 0, 6, 0), ctx, "vae");
            Map<String, HostTensor> weights = new HashMap<>();
            weights.put("encoder/log_variance/weight", HostTensor.ofFloats(new float[16 * 2], 16, 2));
            weights.put("encoder/log_variance/bias", HostTensor.ofFloats(new float[] {-40, -40}, 2));
            float[] x = input(3);
            try (GraphRunner runner = new GraphRunner()) {
                Map<String, float[]> r = runner.run(InferenceModel.builder(ctx.graph())
                        .output("r", out.reconstruction()).output("ll", out.outputs().get(VaeModel.LOG_LIKELIHOOD))
                        .weights(weights).build(), Map.of("x", new Input(x, 3, 3, 4)));
                for (int i = 0; i < 3; i++) {
                    double ll = 0;
                    for (int j = i * D; j < (i + 1) * D; j++) {
                        double rec = r.get("r")[j];
                        ll += decoder == Decoder.BERNOULLI ? x[j] * rec - Math.log1p(Math.exp(rec))
                                : -(x[j] - rec) * (x[j] - rec) - 0.5 * Math.log(Math.PI);
                    }
                    assertEquals(ll / D, r.get("ll")[i], 1e-4, decoder + " sample " + i);
                }
            }
        }
    }

    @Test
    void likelihoodDrawsAreStandardNormalAntitheticPairs() {
        TestContext ctx = TestContext.of(SPEC, 2, false, 3);
        VaeNetwork.build(spec(Decoder.GAUSSIAN, 1, 0, 4, 0), ctx, "vae");
        Graph g = ctx.graph();
        Tensor draws = g.tensor("vae/likelihood_draws");
        assertArrayEquals(new long[] {1, 4, 2}, draws.shape().dims());
        try (GraphRunner runner = new GraphRunner()) {
            float[] v = runner.run(InferenceModel.builder(g).output("d", Ops.identity(draws)).build(), Map.of()).get("d");
            assertEquals(-v[0], v[2], 0);
            assertEquals(-v[5], v[7], 0);
            assertTrue(v[0] != 0 && v[1] != v[0]);
        }
    }

    @Test
    void bernoulliDecoderDeclaresLogitsAndOutputsLogits() {
        // Whether the pipeline's loss can read logits is the composer's check (ComposerContractTest).
        VaeSpec bernoulli = spec(Decoder.BERNOULLI, 1, 0, 0, 0);
        Ctx ctx = Ctx.of(true);
        FamilyOutputs ok = VaeNetwork.build(bernoulli, ctx, "my-vae");
        assertEquals(List.of("logits (decoder=bernoulli)"), ctx.declared());
        Ctx gaussian = Ctx.of(true);
        VaeNetwork.build(spec(Decoder.GAUSSIAN, 1, 0, 0, 0), gaussian, "my-vae");
        assertEquals(List.of(), gaussian.declared(), "a Gaussian decoder emits values, the default");
        assertEquals("Gemm", ok.reconstruction().producer().inputs().get(0).producer().opType(),
                "logits: no activation after the output layer");
    }

    @Test
    void conditionIsConcatenatedToEncoderAndDecoderInputs() {
        Ctx ctx = Ctx.of(false);
        FamilyOutputs out = VaeNetwork.build(spec(Decoder.GAUSSIAN, 1, 0, 4, 3), ctx, "cvae");
        Graph g = ctx.graph();
        assertArrayEquals(new long[] {D + 3, 16}, g.tensor("encoder/fc1/weight").shape().dims());
        assertArrayEquals(new long[] {2 + 3, 16}, g.tensor("decoder/fc1/weight").shape().dims());
        float[] x = input(1);
        try (GraphRunner runner = new GraphRunner()) {
            InferenceModel.Builder b = InferenceModel.builder(g).output("r", out.reconstruction())
                    .output("ll", out.outputs().get(VaeModel.LOG_LIKELIHOOD));
            var model = b.build();
            Map<String, float[]> c0 = runner.run(model, Map.of("x", new Input(x, 1, 3, 4),
                    "c", new Input(new float[] {1, 0, 0}, 1, 3)));
            Map<String, float[]> c2 = runner.run(model, Map.of("x", new Input(x, 1, 3, 4),
                    "c", new Input(new float[] {0, 0, 1}, 1, 3)));
            assertFalse(java.util.Arrays.equals(c0.get("r"), c2.get("r")), "the condition changes the output");
            assertTrue(c0.get("ll")[0] != c2.get("ll")[0]);
        }
    }

    @Test
    void summaryCountsActiveDimensions() {
        Map<String, Object> s = VaeModel.summarize(Map.of(VaeModel.KL_PER_DIMENSION,
                new double[] {0.5, 0.001, 0.02, 0}), 0.01);
        assertEquals(2, s.get("active_dimensions"));
        assertEquals(4, s.get("latent_dimensions"));
        assertEquals(0.521, (double) s.get("kl_total"), 1e-12);
        assertEquals(List.of(0.5, 0.001, 0.02, 0.0), s.get(VaeModel.KL_PER_DIMENSION));
        assertTrue(VaeModel.summarize(Map.of(), 0.01).isEmpty());
    }

    @Test
    void badSettingsAreNamed() {
        Map<String, java.util.function.Supplier<VaeSpec>> bad = Map.of(
                "beta", () -> spec(Decoder.GAUSSIAN, -1, 0, 0, 0),
                "kl.warmup.steps", () -> spec(Decoder.GAUSSIAN, 1, -1, 0, 0),
                "likelihood.samples", () -> spec(Decoder.GAUSSIAN, 1, 0, -2, 0),
                "condition.classes", () -> spec(Decoder.GAUSSIAN, 1, 0, 0, -1),
                "condition.source", () -> new VaeSpec(new long[] {4}, Activation.RELU, Decoder.GAUSSIAN,
                        Activation.NONE, 1, 0, 0.01, 0, 2, "columns:x"),
                "hidden.sizes", () -> new VaeSpec(new long[] {0}, Activation.RELU, Decoder.GAUSSIAN, Activation.NONE,
                        1, 0, 0.01, 0, 0, ""),
                "decoder", () -> new VaeSpec(new long[] {4}, Activation.RELU, VaeSpec.decoder("poisson"),
                        Activation.NONE, 1, 0, 0.01, 0, 0, ""),
                "output.activation", () -> new VaeSpec(new long[] {4}, Activation.RELU, Decoder.GAUSSIAN,
                        VaeSpec.activation("gelu-ish", "output.activation", true), 1, 0, 0.01, 0, 0, ""));
        bad.forEach((attribute, make) -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, make::get, attribute);
            assertTrue(e.getMessage().contains(attribute), attribute + ": " + e.getMessage());
        });
    }
}
