package org.hourglass.family.cevae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.hourglass.family.vae.blocks.VaeModel;
import org.hourglass.family.vae.blocks.VaeSpec;
import org.hourglass.graph.Graph;
import org.hourglass.graph.Layers.Activation;
import org.hourglass.graph.InferenceModel;
import org.hourglass.graph.Shape;
import org.hourglass.graph.Tensor;
import org.hourglass.graph.Layers;
import org.hourglass.graph.Ops;
import org.hourglass.graph.ShapeOps;
import org.hourglass.spi.FamilyContext;
import org.hourglass.spi.FamilyOutputs;
import org.hourglass.spi.InputSpec;
import org.hourglass.testing.GraphRunner;
import org.hourglass.testing.GraphRunner.Input;
import org.hourglass.testing.TestContext;
import org.junit.jupiter.api.Test;

class CeVaeNetworkTest {

    private static final InputSpec IMAGE = InputSpec.of(1, 8, 8);
    private static final VaeSpec SPEC = new VaeSpec(new long[] {8}, Activation.TANH, VaeSpec.Decoder.GAUSSIAN,
            Activation.NONE, 1.0, 0, 0.01, 4, 0, "");

    /** A test context whose reconstruction loss is the per-sample mean squared error. */
    private record Ctx(TestContext base) implements FamilyContext {
        static Ctx of(InputSpec spec, boolean training) {
            return new Ctx(TestContext.of(spec, 2, training, 7));
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
            return base.inputSpec();
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
        public Tensor reconstructionLoss(Tensor target, Tensor reconstruction) {
            Graph g = graph();
            Tensor d = ShapeOps.flatten(Ops.sub(reconstruction, target), 1);
            return Ops.reduceMean(Ops.mul(d, d), false, 1);
        }
    }

    private static List<String> params(FamilyContext ctx) {
        return ctx.graph().params().stream().map(Tensor::name).toList();
    }

    @Test
    void trainingHasBothBranchesInferenceTheAnomalyMap() {
        Ctx train = Ctx.of(IMAGE, true);
        Ctx infer = Ctx.of(IMAGE, false);
        FamilyOutputs t = CeVaeNetwork.build(SPEC, 0.5, train, "ce");
        FamilyOutputs i = CeVaeNetwork.build(SPEC, 0.5, infer, "ce");
        assertEquals(params(infer), params(train), "both branches share one VAE's parameters");
        assertEquals(Set.of(VaeModel.KL, CeVaeNetwork.CONTEXT), t.lossTerms().keySet());
        assertEquals(Set.of(VaeModel.EPSILON, CeVaeNetwork.RECTANGLES, CeVaeNetwork.FILL),
                train.graph().randomInputs().keySet().stream().map(Tensor::name).collect(java.util.stream.Collectors.toSet()));
        assertEquals(Set.of(VaeModel.KL_OUTPUT, VaeModel.LOG_LIKELIHOOD, CeVaeNetwork.ANOMALY_MAP), i.outputs().keySet());
        assertArrayEquals(new long[] {-1, 1, 8, 8}, i.outputs().get(CeVaeNetwork.ANOMALY_MAP).shape().dims());
        assertTrue(infer.graph().randomInputs().isEmpty());
        FamilyOutputs plain = CeVaeNetwork.build(SPEC, 0, Ctx.of(IMAGE, true), "ce");
        assertEquals(Set.of(VaeModel.KL), plain.lossTerms().keySet(), "c = 0: no context branch");
    }

    /** Runs the corruption on given draws; x = -1 everywhere and fill = 2, so changed entries are easy to see. */
    private static float[] corrupt(float[] draws, int batch) {
        Graph g = Graph.create(1);
        Tensor x = g.input("x", Shape.of(IMAGE.batchShape()));
        Tensor out = CeVaeNetwork.corrupt(g, x, IMAGE);
        float[] xs = new float[batch * 64];
        float[] fill = new float[batch * 64];
        java.util.Arrays.fill(xs, -1);
        java.util.Arrays.fill(fill, 2);
        try (GraphRunner runner = new GraphRunner()) {
            return runner.run(InferenceModel.builder(g).output("y", out).build(), Map.of("x", new Input(xs, batch, 1, 8, 8),
                    CeVaeNetwork.RECTANGLES, new Input(draws, batch, 3, 5), CeVaeNetwork.FILL,
                    new Input(fill, batch, 64))).get("y");
        }
    }

    @Test
    void rectanglesAreWhereTheDrawsSay() {
        float[] draws = new float[2 * 15];
        draws[0] = 0.1f; // sample 0: fewer than one rectangle
        draws[15] = 0.3f; // sample 1: one rectangle (slot 0): x draw 0, y draw 0, width draw 1, height draw 0
        draws[15 + 3] = 1;
        float[] y = corrupt(draws, 2);
        for (int j = 0; j < 64; j++) {
            assertEquals(-1, y[j], 0, "sample 0 unchanged at " + j);
            boolean inside = j < 4; // row 0, columns 0..3: width 1 + 1 * (8/2 - 1) = 4, height 1
            assertEquals(inside ? 2 : -1, y[64 + j], 0, "sample 1 at " + j);
        }
    }

    @Test
    void singleRectanglesHaveSidesFromOneToHalfTheImageAndCountsVary() {
        SplittableRandom r = new SplittableRandom(3);
        int batch = 200;
        float[] draws = new float[batch * 15];
        for (int i = 0; i < draws.length; i++) {
            draws[i] = (float) r.nextDouble();
        }
        for (int b = 0; b < batch; b++) {
            draws[b * 15] = 0.3f; // exactly one rectangle
        }
        float[] y = corrupt(draws, batch);
        for (int b = 0; b < batch; b++) {
            int minR = 8, maxR = -1, minC = 8, maxC = -1, changed = 0;
            for (int j = 0; j < 64; j++) {
                if (y[b * 64 + j] == 2) {
                    changed++;
                    minR = Math.min(minR, j / 8);
                    maxR = Math.max(maxR, j / 8);
                    minC = Math.min(minC, j % 8);
                    maxC = Math.max(maxC, j % 8);
                }
            }
            int h = maxR - minR + 1;
            int w = maxC - minC + 1;
            assertTrue(h >= 1 && h <= 4 && w >= 1 && w <= 4, "sample " + b + ": " + h + "x" + w);
            assertEquals(h * w, changed, "sample " + b + " is one solid rectangle");
        }
        // With the count draw free, 0, 1, 2 and 3 rectangles all occur: some samples stay clean, some change.
        for (int b = 0; b < batch; b++) {
            draws[b * 15] = (float) r.nextDouble();
        }
        y = corrupt(draws, batch);
        int clean = 0;
        for (int b = 0; b < batch; b++) {
            boolean any = false;
            for (int j = 0; j < 64; j++) {
                any |= y[b * 64 + j] == 2;
            }
            clean += any ? 0 : 1;
        }
        assertTrue(clean > batch / 8 && clean < batch / 2, clean + " of " + batch + " samples without rectangles");
    }

    /**
     * The anomaly map against finite differences of the model's own per-sample KL output: normalised |dKL/dx| times
     * the squared error of the reconstruction.
     */
    @Test
    void anomalyMapMatchesFiniteDifferencesOfTheKl() {
        InputSpec spec = InputSpec.of(4, 4);
        Ctx ctx = Ctx.of(spec, false);
        FamilyOutputs out = CeVaeNetwork.build(SPEC, 0.5, ctx, "ce");
        var model = InferenceModel.builder(ctx.graph()).output("kl", out.outputs().get(VaeModel.KL_OUTPUT))
                .output("map", out.outputs().get(CeVaeNetwork.ANOMALY_MAP)).output("r", out.reconstruction()).build();
        float[] x = new float[16];
        for (int j = 0; j < 16; j++) {
            x[j] = (float) (0.8 * Math.sin(1.3 * j + 0.2));
        }
        try (GraphRunner runner = new GraphRunner()) {
            Map<String, float[]> base = runner.run(model, Map.of("x", new Input(x, 1, 4, 4)));
            double[] grad = new double[16];
            double max = 0;
            double eps = 1e-2;
            for (int j = 0; j < 16; j++) {
                float[] up = x.clone();
                float[] down = x.clone();
                up[j] += eps;
                down[j] -= eps;
                double kUp = runner.run(model, Map.of("x", new Input(up, 1, 4, 4))).get("kl")[0];
                double kDown = runner.run(model, Map.of("x", new Input(down, 1, 4, 4))).get("kl")[0];
                grad[j] = Math.abs(kUp - kDown) / (2 * eps);
                max = Math.max(max, grad[j]);
            }
            assertTrue(max > 0, "the KL depends on the input");
            double mapMax = 0;
            for (int j = 0; j < 16; j++) {
                double err = x[j] - base.get("r")[j];
                double expected = grad[j] / max * err * err;
                mapMax = Math.max(mapMax, expected);
                assertEquals(expected, base.get("map")[j], 2e-3 * Math.max(1e-3, err * err) + 1e-6, "entry " + j);
            }
            assertTrue(mapMax > 0);
        }
    }

    @Test
    void contextWeightOutsideItsRangeIsNamed() {
        for (double c : new double[] {-0.1, 1, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CeVaeFamily.checkWeight(c));
            assertTrue(e.getMessage().contains("context.weight"), e.getMessage());
        }
        assertEquals(0.5, CeVaeFamily.checkWeight(0.5));
    }
}
