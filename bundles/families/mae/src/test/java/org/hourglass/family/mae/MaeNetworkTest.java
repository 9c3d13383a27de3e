package org.hourglass.family.mae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.hourglass.family.mae.MaeNetwork.Geometry;
import org.hourglass.family.mae.MaeNetwork.Model;
import org.hourglass.family.mae.MaeNetwork.Views;
import org.hourglass.family.mae.Transformer.Block;
import org.hourglass.family.mae.Transformer.Params;
import org.hourglass.graph.Graph;
import org.hourglass.graph.InferenceModel;
import org.hourglass.graph.Optimizer;
import org.hourglass.graph.Shape;
import org.hourglass.graph.Tensor;
import org.hourglass.graph.TrainStep;
import org.hourglass.graph.TrainStepModel;
import org.hourglass.graph.Ops;
import org.hourglass.training.Trainer;
import org.hourglass.training.TrainingData;
import org.hourglass.training.TrainingConfig;
import org.hourglass.training.TrainingResult;
import org.hourglass.spi.FamilyContext;
import org.hourglass.spi.FamilyOutputs;
import org.hourglass.spi.InputSpec;
import org.hourglass.testing.Configs;
import org.hourglass.testing.FiniteDifferences;
import org.hourglass.testing.GraphRunner;
import org.junit.jupiter.api.Test;

class MaeNetworkTest {

    /** A family context that, unlike the testing module's, can carry a training mask. */
    record Context(Graph graph, Tensor input, InputSpec inputSpec, int latentSize, boolean training,
                   Optional<Tensor> visible) implements FamilyContext {

        /** Training: input = x * visible, as the pipeline feeds it. */
        static Context training(InputSpec spec, long seed) {
            Graph g = Graph.create(seed);
            Tensor x = g.input("x", Shape.of(spec.batchShape()));
            Tensor visible = g.input("visible", Shape.of(spec.batchShape()));
            return new Context(g, Ops.mul(x, visible), spec, 8, true, Optional.of(visible));
        }

        static Context inference(InputSpec spec, long seed) {
            Graph g = Graph.create(seed);
            return new Context(g, g.input("x", Shape.of(spec.batchShape())), spec, 8, false, Optional.empty());
        }
    }

    /** 8x8 images in 2x2 patches of 4x4: 4 patches, ratio 0.5 → 2 visible. */
    private static final InputSpec SMALL = InputSpec.of(1, 8, 8);
    private static final MaeSettings TINY = new MaeSettings(4, 0.5, 16, 1, 2, 8, 1, 2, 2, false, false);

    private static float[] images(int n, int side, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n * side * side];
        for (int s = 0; s < n; s++) {
            double a = 0.3 + r.nextDouble();
            double b = 0.3 + r.nextDouble();
            double phase = r.nextDouble() * 6;
            for (int i = 0; i < side; i++) {
                for (int j = 0; j < side; j++) {
                    x[(s * side + i) * side + j] = (float) (0.5 + 0.4 * Math.sin(a * i + b * j + phase));
                }
            }
        }
        return x;
    }

    /** Patch masks of {@code side}-pixel images in {@code patch}-pixel patches, exactly {@code hidden} hidden. */
    static float[] masks(int n, int side, int patch, int hidden, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int cols = side / patch;
        int patches = cols * cols;
        float[] v = new float[n * side * side];
        for (int s = 0; s < n; s++) {
            int[] perm = new int[patches];
            for (int i = 0; i < patches; i++) {
                perm[i] = i;
            }
            for (int i = patches - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            boolean[] hid = new boolean[patches];
            for (int i = 0; i < hidden; i++) {
                hid[perm[i]] = true;
            }
            for (int i = 0; i < side; i++) {
                for (int j = 0; j < side; j++) {
                    v[(s * side + i) * side + j] = hid[(i / patch) * cols + j / patch] ? 0 : 1;
                }
            }
        }
        return v;
    }

    @Test
    void patchifyCutsRowMajorPatchesAndUnpatchifyInvertsIt() {
        InputSpec spec = InputSpec.of(2, 4, 6);
        Geometry geo = Geometry.of(spec, 2);
        assertEquals(6, geo.patches());
        assertEquals(8, geo.patchDim());
        Graph g = Graph.create(1);
        Tensor x = g.input("x", Shape.of(spec.batchShape()));
        Tensor tokens = geo.patchify(g, x);
        assertArrayEquals(new long[] {-1, 6, 8}, tokens.shape().dims());
        float[] v = new float[2 * 48];
        for (int i = 0; i < v.length; i++) {
            v[i] = i;
        }
        try (GraphRunner runner = new GraphRunner()) {
            Map<String, float[]> out = runner.run(InferenceModel.builder(g).output("t", tokens)
                    .output("back", geo.unpatchify(g, tokens)).build(), Map.of("x", new GraphRunner.Input(v, 2, 2, 4, 6)));
            assertArrayEquals(v, out.get("back"));
            float[] t = out.get("t");
            // sample 1, patch 4 = grid row 1, column 1 (rows 2-3, columns 2-3), channel c, pixel (i, j)
            for (int c = 0; c < 2; c++) {
                for (int i = 0; i < 2; i++) {
                    for (int j = 0; j < 2; j++) {
                        float expected = v[48 + c * 24 + (2 + i) * 6 + (2 + j)];
                        assertEquals(expected, t[(6 + 4) * 8 + c * 4 + i * 2 + j], "c" + c + " i" + i + " j" + j);
                    }
                }
            }
        }
    }

    @Test
    void trainingAndInferenceCreateTheSameParameters() {
        Context train = Context.training(SMALL, 3);
        Context infer = Context.inference(SMALL, 3);
        FamilyOutputs t = MaeNetwork.build(TINY, train);
        FamilyOutputs i = MaeNetwork.build(TINY, infer);
        List<String> names = train.graph().params().stream().map(p -> p.name() + p.shape()).toList();
        assertEquals(names, infer.graph().params().stream().map(p -> p.name() + p.shape()).toList());
        assertTrue(names.contains("decoder/mask_token[8]"), names.toString());
        assertTrue(names.contains("encoder/block1/attention/qkv/weight[16, 48]"), names.toString());
        assertEquals(train.graph().initialValues().keySet(), infer.graph().initialValues().keySet());
        assertArrayEquals(new long[] {-1, 1, 8, 8}, t.reconstruction().shape().dims());
        assertArrayEquals(new long[] {-1, 1, 8, 8}, i.reconstruction().shape().dims());
        assertArrayEquals(new long[] {-1, 16}, t.latent().shape().dims(), "latent = embed.dim");
        assertArrayEquals(new long[] {-1, 16}, i.latent().shape().dims());
        assertEquals(Map.of(), t.outputs());
        assertArrayEquals(new long[] {-1, 4}, i.outputs().get(MaeNetwork.PATCH_ERROR).shape().dims());
        assertEquals(java.util.Set.of(MaeNetwork.SELECTED_VISIBILITY, MaeNetwork.VISIBLE_FRACTION),
                t.diagnostics().keySet());
    }

    @Test
    void theEncoderSeesOnlyVisiblePatchesWhileTraining() {
        Context ctx = Context.training(SMALL, 4);
        FamilyOutputs out = MaeNetwork.build(TINY, ctx);
        var model = InferenceModel.builder(ctx.graph()).output("r", out.reconstruction()).output("z", out.latent())
                .output("sel", out.diagnostics().get(MaeNetwork.SELECTED_VISIBILITY))
                .output("vis", out.diagnostics().get(MaeNetwork.VISIBLE_FRACTION)).build();
        float[] mask = masks(3, 8, 4, 2, 1);
        float[] x = images(3, 8, 2);
        float[] changedHidden = x.clone();
        float[] changedVisible = x.clone();
        boolean hiddenChanged = false;
        boolean visibleChanged = false;
        for (int i = 0; i < x.length; i++) {
            if (mask[i] == 0) {
                changedHidden[i] += 0.7f;
                hiddenChanged = true;
            } else if (!visibleChanged) {
                changedVisible[i] += 0.7f;
                visibleChanged = true;
            }
        }
        assertTrue(hiddenChanged && visibleChanged);
        try (GraphRunner runner = new GraphRunner()) {
            Map<String, float[]> base = runner.run(model, Map.of("x", new GraphRunner.Input(x, 3, 1, 8, 8),
                    "visible", new GraphRunner.Input(mask, 3, 1, 8, 8)));
            // The pipeline multiplies the input by the mask; here the raw input also reaches the family's input
            // through that product, so hidden pixels are zero either way: the outputs must not move.
            Map<String, float[]> hidden = runner.run(model, Map.of("x", new GraphRunner.Input(changedHidden, 3, 1, 8, 8),
                    "visible", new GraphRunner.Input(mask, 3, 1, 8, 8)));
            assertArrayEquals(base.get("r"), hidden.get("r"), 0f);
            Map<String, float[]> visible = runner.run(model, Map.of("x", new GraphRunner.Input(changedVisible, 3, 1, 8,
                    8), "visible", new GraphRunner.Input(mask, 3, 1, 8, 8)));
            assertTrue(!java.util.Arrays.equals(base.get("z"), visible.get("z")), "visible pixels reach the latent");
            assertEquals(1.0, base.get("sel")[0], 1e-6, "the 2 selected patches are the visible ones");
            assertEquals(0.5, base.get("vis")[0], 1e-6);

            // A strategy hiding more than mask.ratio: the encoder has to take a hidden patch and the diagnostic says so.
            float[] tooMuch = masks(3, 8, 4, 3, 1);
            Map<String, float[]> mismatch = runner.run(model, Map.of("x", new GraphRunner.Input(x, 3, 1, 8, 8),
                    "visible", new GraphRunner.Input(tooMuch, 3, 1, 8, 8)));
            assertEquals(0.5, mismatch.get("sel")[0], 1e-6);
        }
    }

    @Test
    void inferenceViewsShowKPatchesAndHideEachPatchAtLeastOnce() {
        for (int[] pk : new int[][] {{49, 12}, {49, 40}, {4, 2}, {16, 1}, {16, 15}}) {
            Views v = Views.of(pk[0], pk[1], 42);
            int p = pk[0];
            int k = pk[1];
            assertEquals((p + (p - k) - 1) / (p - k), v.count(), "views for " + p + "/" + k);
            double[] weightSum = new double[p];
            for (int view = 0; view < v.count(); view++) {
                int shown = 0;
                for (int patch = 0; patch < p; patch++) {
                    double hid = v.hidden()[view * p + patch];
                    double selected = 0;
                    for (int slot = 0; slot < k; slot++) {
                        selected += v.select()[(view * k + slot) * p + patch];
                        assertEquals(v.select()[(view * k + slot) * p + patch],
                                v.place()[(view * p + patch) * k + slot], "place is the transpose of select");
                    }
                    assertEquals(1.0, hid + selected, "patch " + patch + " is either hidden or selected once");
                    shown += (int) selected;
                    weightSum[patch] += v.weight()[view * p + patch];
                }
                assertEquals(k, shown);
            }
            for (int patch = 0; patch < p; patch++) {
                assertEquals(1.0, weightSum[patch], 1e-12, "patch " + patch + " of " + v);
            }
        }
    }

    @Test
    void inferenceReconstructsEachPatchFromTheOthersAndReportsItsError() {
        Context ctx = Context.inference(SMALL, 5);
        FamilyOutputs out = MaeNetwork.build(TINY, ctx);
        var model = InferenceModel.builder(ctx.graph()).output("r", out.reconstruction())
                .output("e", out.outputs().get(MaeNetwork.PATCH_ERROR)).output("z", out.latent()).build();
        float[] x = images(2, 8, 3);
        float[] changed = x.clone();
        // Change patch 3 (rows 4-7, columns 4-7) of sample 0.
        for (int i = 4; i < 8; i++) {
            for (int j = 4; j < 8; j++) {
                changed[i * 8 + j] += 0.5f;
            }
        }
        try (GraphRunner runner = new GraphRunner()) {
            Map<String, float[]> a = runner.run(model, Map.of("x", new GraphRunner.Input(x, 2, 1, 8, 8)));
            Map<String, float[]> b = runner.run(model, Map.of("x", new GraphRunner.Input(changed, 2, 1, 8, 8)));
            float[] ra = a.get("r");
            float[] rb = b.get("r");
            boolean othersMoved = false;
            for (int i = 0; i < 8; i++) {
                for (int j = 0; j < 8; j++) {
                    if (i >= 4 && j >= 4) {
                        assertEquals(ra[i * 8 + j], rb[i * 8 + j], 1e-6f, "a patch is predicted without itself");
                    } else {
                        othersMoved |= Math.abs(ra[i * 8 + j] - rb[i * 8 + j]) > 1e-6;
                    }
                }
            }
            assertTrue(othersMoved, "the changed patch is context for the others");
            assertNotEquals(a.get("z")[0], b.get("z")[0], "the latent sees every patch");
            // patch_error = mean squared error per patch of the reconstruction.
            float[] e = a.get("e");
            assertEquals(8, e.length);
            for (int s = 0; s < 2; s++) {
                for (int patch = 0; patch < 4; patch++) {
                    double sum = 0;
                    for (int i = 0; i < 4; i++) {
                        for (int j = 0; j < 4; j++) {
                            int at = s * 64 + ((patch / 2) * 4 + i) * 8 + (patch % 2) * 4 + j;
                            sum += Math.pow(ra[at] - x[at], 2);
                        }
                    }
                    assertEquals(sum / 16, e[s * 4 + patch], 1e-5, "sample " + s + " patch " + patch);
                }
            }
        }
    }

    /**
     * Parameters as differentiated inputs of a finite-difference check: each starts at its initializer's draw plus
     * noise of scale 0.3, so LayerNorm scales and biases are not the trivial ones and every path carries signal.
     */
    private static Params params(FiniteDifferences fd) {
        return (name, shape, init) -> {
            double[] v = init.sample(shape.dims(), fd.random());
            for (int i = 0; i < v.length; i++) {
                v[i] += 0.3 * (fd.random().nextDouble() * 2 - 1);
            }
            return fd.input(name, v, shape.dims());
        };
    }

    @Test
    void aTransformerBlockHasExactGradients() {
        FiniteDifferences fd = new FiniteDifferences(11, 5);
        Graph g = fd.graph();
        SplittableRandom r = new SplittableRandom(3);
        double[] x = new double[2 * 3 * 8];
        for (int i = 0; i < x.length; i++) {
            x[i] = i % 5 == 0 ? 0 : r.nextDouble() * 4 - 2;
        }
        Tensor in = fd.input("x", x, 2, 3, 8);
        Block block = Block.create(params(fd), "block", 8, 2, 2);
        int checked = fd.check(block.apply(g, in), 2, 3, 8);
        assertEquals(48 + 2 * 8 + 8 * 24 + 24 + 8 * 8 + 8 + 2 * 8 + 8 * 16 + 16 + 16 * 8 + 8, checked);
    }

    @Test
    void theWholeMaskedAutoencoderHasExactGradients() {
        FiniteDifferences fd = new FiniteDifferences(11, 5);
        Graph g = fd.graph();
        MaeSettings s = new MaeSettings(2, 0.5, 8, 1, 2, 4, 1, 1, 2, true, false);
        Geometry geo = Geometry.of(InputSpec.of(4, 4), 2);
        Model m = Model.create(g, params(fd), s, geo);
        double[] x = new double[2 * 16];
        SplittableRandom r = new SplittableRandom(8);
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextDouble();
        }
        float[] maskF = masks(2, 4, 2, 2, 9);
        double[] mask = new double[maskF.length];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = maskF[i];
            x[i] *= mask[i];
        }
        Tensor xt = fd.input("x", x, 2, 4, 4);
        Tensor visible = fd.constantInput("visible", mask, 2, 4, 4);
        FamilyOutputs out = MaeNetwork.training(g, m, xt, visible, s.visiblePatches(geo.patches()));
        assertTrue(fd.check(out.reconstruction(), 2, 4, 4) > 300);
    }

    @Test
    void trainingOnMaskedPatchesLearnsToFillThemIn() {
        InputSpec spec = InputSpec.of(1, 8, 8);
        MaeSettings s = new MaeSettings(2, 0.5, 16, 1, 2, 16, 1, 2, 2, false, false);
        Context ctx = Context.training(spec, 6);
        Graph g = ctx.graph();
        FamilyOutputs out = MaeNetwork.build(s, ctx);
        Tensor x = g.tensor("x");
        Tensor hidden = Ops.sub(1.0, ctx.visible().orElseThrow());
        // The pipeline's masked loss: squared error over hidden pixels only.
        Tensor loss = Ops.div(Ops.sum(Ops.mul(Ops.pow(Ops.sub(out.reconstruction(), x), 2), hidden)), Ops.sum(hidden));
        TrainStepModel model = TrainStep.builder(g).loss(loss).optimizer(Optimizer.adam()).build();
        int n = 256;
        float[] data = images(n, 8, 10);
        float[] mask = masks(n, 8, 2, 8, 11);
        try (GraphRunner runner = new GraphRunner();
             Trainer trainer = new Trainer(runner.executor(), model, "mae-test")) {
            TrainingResult result = trainer.fit(TrainingData.of(Map.of("x", data, "visible", mask), n),
                    TrainingConfig.of(15, 32, 0.003, 7), progress -> { });
            List<Double> losses = result.epochLosses();
            assertTrue(losses.get(losses.size() - 1) < 0.3 * losses.get(0), "losses " + losses);
        }
    }

    @Test
    void trainingWithoutAMaskIsRefusedNamingTheMaskingOption() {
        Graph g = Graph.create(1);
        Context noMask = new Context(g, g.input("x", Shape.of(SMALL.batchShape())), SMALL, 8, true, Optional.empty());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MaeNetwork.build(TINY, noMask));
        assertTrue(e.getMessage().contains("masking"), e.getMessage());
    }

    @Test
    void badSettingsAndShapesAreNamed() {
        Object[][] cases = {
            {"patch.size", (Runnable) () -> new MaeSettings(0, 0.75, 64, 2, 4, 32, 1, 4, 2, false, false)},
            {"mask.ratio", (Runnable) () -> new MaeSettings(4, 1.0, 64, 2, 4, 32, 1, 4, 2, false, false)},
            {"heads", (Runnable) () -> new MaeSettings(4, 0.75, 64, 2, 5, 32, 1, 4, 2, false, false)},
            {"decoder.heads", (Runnable) () -> new MaeSettings(4, 0.75, 64, 2, 4, 30, 1, 4, 2, false, false)},
            {"depth", (Runnable) () -> new MaeSettings(4, 0.75, 64, 0, 4, 32, 1, 4, 2, false, false)},
            {"decoder.depth", (Runnable) () -> new MaeSettings(4, 0.75, 64, 2, 4, 32, -1, 4, 2, false, false)},
            {"mlp.ratio", (Runnable) () -> new MaeSettings(4, 0.75, 64, 2, 4, 32, 1, 4, 0, false, false)},
            {"positions=learned", (Runnable) () -> new MaeSettings(4, 0.75, 66, 2, 3, 32, 1, 4, 2, false, false)},
            {"patch.size 5 must divide", (Runnable) () -> MaeNetwork.build(new MaeSettings(5, 0.75, 64, 2, 4, 32, 1,
                    4, 2, false, false), Context.inference(InputSpec.of(28, 28), 1))},
            {"[H, W] or [C, H, W]", (Runnable) () -> MaeNetwork.build(MaeSettings.defaults(),
                    Context.inference(InputSpec.of(784), 1))},
            {"mask.ratio", (Runnable) () -> MaeNetwork.build(new MaeSettings(4, 0.1, 64, 2, 4, 32, 1, 4, 2, false,
                    false), Context.inference(InputSpec.of(4, 4), 1))},
            {"positions", (Runnable) () -> new MaeFamily(Configs.of(MaeFamily.Config.class,
                    Map.of("hourglass_name", "m", "positions", "spiral")))},
            {"hourglass.name", (Runnable) () -> new MaeFamily(Configs.of(MaeFamily.Config.class, Map.of()))},
        };
        for (Object[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, ((Runnable) c[1])::run,
                    (String) c[0]);
            assertTrue(e.getMessage().contains((String) c[0]), c[0] + ": " + e.getMessage());
        }
    }

    @Test
    void theFactoryDefaultsBuildFor28x28Images() {
        MaeFamily family = new MaeFamily(Configs.of(MaeFamily.Config.class, Map.of("hourglass_name", "m")));
        assertEquals(MaeSettings.defaults(), MaeSettings.of(Configs.of(MaeFamily.Config.class,
                Map.of("hourglass_name", "m"))));
        Context ctx = Context.inference(InputSpec.of(28, 28), 1);
        FamilyOutputs out = family.build(ctx);
        assertArrayEquals(new long[] {-1, 28, 28}, out.reconstruction().shape().dims());
        assertArrayEquals(new long[] {-1, 49}, out.outputs().get(MaeNetwork.PATCH_ERROR).shape().dims());
        long weights = ctx.graph().params().stream().mapToLong(p -> p.shape().size()).sum();
        assertTrue(weights > 50_000 && weights < 200_000, "weights " + weights);
    }

    @Test
    void sineCosinePositionsStartAtSinZeroCosOne() {
        double[] pe = MaeNetwork.sinCos(2, 3, 8);
        assertArrayEquals(new double[] {0, 0, 1, 1, 0, 0, 1, 1}, java.util.Arrays.copyOf(pe, 8), 1e-12);
        // position (1, 2): row 1, column 2, first frequency 1
        assertEquals(Math.sin(1), pe[5 * 8], 1e-12);
        assertEquals(Math.cos(2), pe[5 * 8 + 6], 1e-12);
    }
}
