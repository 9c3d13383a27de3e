package org.hourglass.loss.msssim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.hourglass.graph.Autodiff;
import org.hourglass.graph.Graph;
import org.hourglass.graph.InferenceModel;
import org.hourglass.graph.Ops;
import org.hourglass.graph.Shape;
import org.hourglass.graph.Tensor;
import org.hourglass.testing.GraphRunner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MsSsimTest {

    private static GraphRunner runner;

    @BeforeAll
    static void start() {
        runner = new GraphRunner();
    }

    @AfterAll
    static void stop() {
        runner.close();
    }

    // ------------------------------------------------------------------ independent reference, plain double

    /** The 2-D Gaussian window, normalised over all k*k taps. */
    private static double[][] window2d(int k, double sigma) {
        double[][] w = new double[k][k];
        double sum = 0;
        int c = k / 2;
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                w[i][j] = Math.exp(-((i - c) * (i - c) + (j - c) * (j - c)) / (2 * sigma * sigma));
                sum += w[i][j];
            }
        }
        for (double[] row : w) {
            for (int j = 0; j < k; j++) {
                row[j] /= sum;
            }
        }
        return w;
    }

    /** {mean cs, mean ssim} over the valid window positions of one channel. */
    private static double[] ssimAndCs(double[][] x, double[][] y, double[][] win, double range) {
        double c1 = Math.pow(0.01 * range, 2);
        double c2 = Math.pow(0.03 * range, 2);
        int k = win.length;
        int oh = x.length - k + 1;
        int ow = x[0].length - k + 1;
        double csSum = 0;
        double ssimSum = 0;
        for (int i = 0; i < oh; i++) {
            for (int j = 0; j < ow; j++) {
                double mx = 0, my = 0, exx = 0, eyy = 0, exy = 0;
                for (int a = 0; a < k; a++) {
                    for (int b = 0; b < k; b++) {
                        double u = x[i + a][j + b];
                        double v = y[i + a][j + b];
                        double g = win[a][b];
                        mx += g * u;
                        my += g * v;
                        exx += g * u * u;
                        eyy += g * v * v;
                        exy += g * u * v;
                    }
                }
                double cs = (2 * (exy - mx * my) + c2) / ((exx - mx * mx) + (eyy - my * my) + c2);
                double l = (2 * mx * my + c1) / (mx * mx + my * my + c1);
                csSum += cs;
                ssimSum += l * cs;
            }
        }
        return new double[] {csSum / (oh * ow), ssimSum / (oh * ow)};
    }

    private static double[][] pool(double[][] x) {
        double[][] p = new double[x.length / 2][x[0].length / 2];
        for (int i = 0; i < p.length; i++) {
            for (int j = 0; j < p[0].length; j++) {
                p[i][j] = (x[2 * i][2 * j] + x[2 * i + 1][2 * j] + x[2 * i][2 * j + 1] + x[2 * i + 1][2 * j + 1]) / 4;
            }
        }
        return p;
    }

    /** MS-SSIM of one sample [C][H][W], channels averaged. */
    static double reference(double[][][] x, double[][][] y, MsSsimSettings s) {
        double[][] win = window2d(s.windowSize(), s.sigma());
        double[] weights = s.scaleWeights();
        double total = 0;
        for (int c = 0; c < x.length; c++) {
            double[][] a = x[c];
            double[][] b = y[c];
            double product = 1;
            for (int j = 0; j < weights.length; j++) {
                if (j > 0) {
                    a = pool(a);
                    b = pool(b);
                }
                double[] t = ssimAndCs(a, b, win, s.dataRange());
                double term = j == weights.length - 1 ? t[1] : t[0];
                product *= Math.pow(Math.max(term, MsSsim.MIN_TERM), weights[j]);
            }
            total += product;
        }
        return total / x.length;
    }

    // ------------------------------------------------------------------ images

    private static double[][][] image(int c, int h, int w, long seed) {
        Random r = new Random(seed);
        double[][][] x = new double[c][h][w];
        double fx = 0.2 + 0.3 * r.nextDouble();
        double fy = 0.1 + 0.4 * r.nextDouble();
        for (int k = 0; k < c; k++) {
            for (int i = 0; i < h; i++) {
                for (int j = 0; j < w; j++) {
                    x[k][i][j] = 0.5 + 0.3 * Math.sin(fx * i + k) * Math.cos(fy * j) + 0.1 * r.nextDouble();
                }
            }
        }
        return x;
    }

    private static double[][][] noisy(double[][][] x, double sd, long seed) {
        Random r = new Random(seed);
        double[][][] y = new double[x.length][x[0].length][x[0][0].length];
        for (int k = 0; k < x.length; k++) {
            for (int i = 0; i < x[0].length; i++) {
                for (int j = 0; j < x[0][0].length; j++) {
                    y[k][i][j] = Math.min(1, Math.max(0, x[k][i][j] + sd * r.nextGaussian()));
                }
            }
        }
        return y;
    }

    private static double[][][] shifted(double[][][] x, int by) {
        double[][][] y = new double[x.length][x[0].length][x[0][0].length];
        for (int k = 0; k < x.length; k++) {
            for (int i = 0; i < x[0].length; i++) {
                for (int j = 0; j < x[0][0].length; j++) {
                    y[k][i][j] = x[k][i][Math.min(x[0][0].length - 1, j + by)];
                }
            }
        }
        return y;
    }

    private static double[][][] constant(int c, int h, int w, double v) {
        double[][][] y = new double[c][h][w];
        for (double[][] plane : y) {
            for (double[] row : plane) {
                java.util.Arrays.fill(row, v);
            }
        }
        return y;
    }

    private static float[] flatten(List<double[][][]> batch) {
        int c = batch.get(0).length;
        int h = batch.get(0)[0].length;
        int w = batch.get(0)[0][0].length;
        float[] f = new float[batch.size() * c * h * w];
        int n = 0;
        for (double[][][] x : batch) {
            for (double[][] plane : x) {
                for (double[] row : plane) {
                    for (double v : row) {
                        f[n++] = (float) v;
                    }
                }
            }
        }
        return f;
    }

    /** Values rounded to float, as the graph sees them. */
    private static double[][][] asFloat(double[][][] x) {
        double[][][] y = new double[x.length][x[0].length][x[0][0].length];
        for (int k = 0; k < x.length; k++) {
            for (int i = 0; i < x[0].length; i++) {
                for (int j = 0; j < x[0][0].length; j++) {
                    y[k][i][j] = (float) x[k][i][j];
                }
            }
        }
        return y;
    }

    // ------------------------------------------------------------------ graph runs

    /** Runs the loss on batches of [C, H, W] images fed with {@code sampleShape} (weights optional). */
    private static float[] loss(MsSsimSettings s, long[] sampleShape, List<double[][][]> x, List<double[][][]> y,
                                float[] weights) {
        Graph g = Graph.create(1);
        Tensor in = g.input("x", Shape.batchOf(sampleShape));
        Tensor rec = g.input("r", Shape.batchOf(sampleShape));
        Tensor w = weights == null ? null : g.input("w", Shape.batchOf(sampleShape));
        Tensor loss = new MsSsimLoss(s).perSample(g, in, rec, w, null);
        long[] shape = new long[sampleShape.length + 1];
        shape[0] = x.size();
        System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
        Map<String, GraphRunner.Input> inputs = new HashMap<>(Map.of("x", new GraphRunner.Input(flatten(x), shape),
                "r", new GraphRunner.Input(flatten(y), shape)));
        var model = InferenceModel.builder(g).output("loss", loss).build();
        // The model keeps only the inputs its output needs: pure MS-SSIM does not read the weights at all.
        if (w != null && model.getGraph().getInputList().stream().anyMatch(i -> i.getName().equals("w"))) {
            inputs.put("w", new GraphRunner.Input(weights, shape));
        }
        return runner.run(model, inputs).get("loss");
    }

    private static MsSsimSettings settings(int window, int scales, double alpha, long... imageShape) {
        return new MsSsimSettings(window, 1.5, MsSsimSettings.weights(scales, new double[0]), 1.0, alpha, imageShape);
    }

    @Test
    void defaultsFit28x28AndRenormaliseTheClassicWeights() {
        MsSsimSettings d = MsSsimSettings.defaults();
        assertEquals(7, d.windowSize());
        assertEquals(1.5, d.sigma());
        assertEquals(3, d.scales());
        double sum = 0.0448 + 0.2856 + 0.3001;
        assertArrayEquals(new double[] {0.0448 / sum, 0.2856 / sum, 0.3001 / sum}, d.scaleWeights(), 1e-12);
        assertArrayEquals(MsSsimSettings.CLASSIC_WEIGHTS, MsSsimSettings.weights(5, new double[0]), 0.0002);
    }

    @Test
    void msSsimMatchesThePlainJavaReferenceOn28x28Pairs() {
        double[][][] a = image(1, 28, 28, 1);
        double[][][] b = image(1, 28, 28, 2);
        List<double[][][]> x = List.of(a, a, a, constant(1, 28, 28, 0.5), a, b);
        List<double[][][]> y = List.of(a, noisy(a, 0.1, 3), shifted(a, 2), constant(1, 28, 28, 0.3),
                constant(1, 28, 28, 0.5), noisy(a, 0.3, 4));
        MsSsimSettings s = MsSsimSettings.defaults();
        float[] got = loss(s, new long[] {28, 28}, x, y, null);
        for (int i = 0; i < x.size(); i++) {
            double want = 1 - reference(asFloat(x.get(i)), asFloat(y.get(i)), s);
            assertEquals(want, got[i], 2e-4, "pair " + i);
        }
        assertEquals(0, got[0], 1e-5, "identical images have MS-SSIM 1");
        assertTrue(got[1] > 0.01 && got[2] > got[1] * 0.1, java.util.Arrays.toString(got));
        // constant pair: cs = 1 at every scale, SSIM = luminance term at the coarsest
        double l = (2 * 0.5 * 0.3 + 1e-4) / (0.25 + 0.09 + 1e-4);
        assertEquals(1 - Math.pow(l, s.scaleWeights()[2]), got[3], 2e-4);
    }

    @Test
    void singleScaleIsSsim() {
        double[][][] a = image(1, 20, 24, 5);
        List<double[][][]> x = List.of(a, a);
        List<double[][][]> y = List.of(noisy(a, 0.05, 6), shifted(a, 1));
        MsSsimSettings s = new MsSsimSettings(11, 1.5, new double[] {1}, 1.0, 1.0, new long[0]);
        float[] got = loss(s, new long[] {1, 20, 24}, x, y, null);
        double[][] win = window2d(11, 1.5);
        for (int i = 0; i < 2; i++) {
            double ssim = ssimAndCs(asFloat(x.get(i))[0], asFloat(y.get(i))[0], win, 1.0)[1];
            assertEquals(1 - ssim, got[i], 2e-4, "pair " + i);
        }
    }

    @Test
    void classicSettingOnLargerColourImagesAveragesChannels() {
        double[][][] a = image(3, 180, 176, 7);
        MsSsimSettings s = new MsSsimSettings(11, 1.5, MsSsimSettings.weights(5, new double[0]), 1.0, 1.0, new long[0]);
        List<double[][][]> x = List.<double[][][]>of(a);
        List<double[][][]> y = List.<double[][][]>of(noisy(a, 0.2, 8));
        float[] got = loss(s, new long[] {3, 180, 176}, x, y, null);
        assertEquals(1 - reference(asFloat(a), asFloat(y.get(0)), s), got[0], 2e-4);
    }

    @Test
    void flatInputsUseTheConfiguredImageShape() {
        double[][][] a = image(1, 28, 28, 9);
        List<double[][][]> x = List.<double[][][]>of(a);
        List<double[][][]> y = List.<double[][][]>of(noisy(a, 0.1, 10));
        float[] asImage = loss(MsSsimSettings.defaults(), new long[] {28, 28}, x, y, null);
        float[] flat = loss(settings(7, 3, 1.0, 28, 28), new long[] {784}, x, y, null);
        assertArrayEquals(asImage, flat, 1e-6f);

        Graph g = Graph.create(1);
        Tensor in = g.input("x", Shape.batchOf(784));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MsSsimLoss(MsSsimSettings.defaults()).perSample(g, in, in, null, null));
        assertTrue(e.getMessage().contains("image.shape"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new MsSsimLoss(settings(7, 3, 1.0, 27, 28)).perSample(g, in, in, null, null));
        assertTrue(e.getMessage().contains("image.shape"), e.getMessage());
    }

    @Test
    void imagesTooSmallForTheScalesAreNamed() {
        Graph g = Graph.create(1);
        Tensor in = g.input("x", Shape.batchOf(28, 28));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MsSsimLoss(settings(11, 3, 1.0)).perSample(g, in, in, null, null));
        assertTrue(e.getMessage().contains("window.size=11") && e.getMessage().contains("7x7"), e.getMessage());
    }

    @Test
    void weightsApplyToTheL1PartOnly() {
        double[][][] a = image(1, 28, 28, 11);
        double[][][] b = noisy(a, 0.2, 12);
        List<double[][][]> x = List.<double[][][]>of(a);
        List<double[][][]> y = List.<double[][][]>of(b);
        float[] mask = new float[784];
        for (int i = 0; i < 784; i += 3) {
            mask[i] = 1;
        }
        long[] shape = {28, 28};
        // pure MS-SSIM: the mask changes nothing (the loss does not even read it)
        MsSsimSettings pure = MsSsimSettings.defaults();
        Graph g = Graph.create(1);
        Tensor in = g.input("x", Shape.batchOf(28, 28));
        Tensor w = g.input("w", Shape.batchOf(28, 28));
        Tensor pureLoss = new MsSsimLoss(pure).perSample(g, in, Ops.mul(in, 0.5), w, null);
        assertEquals(List.of("x"), InferenceModel.builder(g).output("loss", pureLoss).build().getGraph()
                .getInputList().stream().map(i -> i.getName()).toList());
        assertArrayEquals(loss(pure, shape, x, y, null), loss(pure, shape, x, y, mask), 1e-6f);
        // mixed: alpha (1 - MS-SSIM) over the whole image + (1 - alpha) L1 over the masked entries
        MsSsimSettings mixed = settings(7, 3, 0.3);
        double[][][] af = asFloat(a);
        double[][][] bf = asFloat(b);
        double l1 = 0;
        double count = 0;
        double l1All = 0;
        for (int i = 0; i < 784; i++) {
            double d = Math.abs(af[0][i / 28][i % 28] - bf[0][i / 28][i % 28]);
            l1 += mask[i] * d;
            count += mask[i];
            l1All += d / 784;
        }
        double similarity = reference(af, bf, mixed);
        assertEquals(0.3 * (1 - similarity) + 0.7 * l1 / count, loss(mixed, shape, x, y, mask)[0], 2e-4);
        assertEquals(0.3 * (1 - similarity) + 0.7 * l1All, loss(mixed, shape, x, y, null)[0], 2e-4);
    }

    @Test
    void gradientStepsRaiseTheSimilarity() {
        MsSsimSettings s = settings(7, 3, 0.8);
        Graph g = Graph.create(1);
        Tensor in = g.input("x", Shape.batchOf(28, 28));
        Tensor rec = g.input("r", Shape.batchOf(28, 28));
        Tensor loss = Ops.sum(new MsSsimLoss(s).perSample(g, in, rec, null, null));
        Tensor grad = Autodiff.gradients(loss, List.of(rec)).get(rec);
        var model = InferenceModel.builder(g).output("loss", loss).output("grad", grad).build();

        double[][][] a = image(1, 28, 28, 13);
        float[] x = flatten(List.of(a, image(1, 28, 28, 14)));
        float[] r = flatten(List.of(noisy(a, 0.25, 15), constant(1, 28, 28, 0.5)));
        double first = Double.NaN;
        double last = Double.NaN;
        for (int step = 0; step < 40; step++) {
            Map<String, float[]> out = runner.run(model, Map.of("x", new GraphRunner.Input(x, 2, 28, 28),
                    "r", new GraphRunner.Input(r, 2, 28, 28)));
            last = out.get("loss")[0];
            if (step == 0) {
                first = last;
            }
            float[] d = out.get("grad");
            double norm = 0;
            for (float v : d) {
                norm += v * v;
            }
            double scale = 2.0 / Math.sqrt(norm + 1e-20);   // normalised step: 2 in L2 over 1,568 pixels
            for (int i = 0; i < r.length; i++) {
                r[i] -= (float) (scale * d[i]);
            }
        }
        assertTrue(Double.isFinite(last) && last < 0.5 * first, "loss " + first + " -> " + last);
    }

    @Test
    void badAttributesAreNamed() {
        Object[][] cases = {
            {"window.size", (Runnable) () -> settings(4, 3, 1.0)},
            {"window.size", (Runnable) () -> settings(0, 3, 1.0)},
            {"sigma", (Runnable) () -> new MsSsimSettings(7, 0, new double[] {1}, 1, 1, new long[0])},
            {"scales", (Runnable) () -> MsSsimSettings.weights(0, new double[0])},
            {"scale.weights", (Runnable) () -> MsSsimSettings.weights(6, new double[0])},
            {"scale.weights", (Runnable) () -> MsSsimSettings.weights(3, new double[] {0.5, 0.5})},
            {"scale.weights", (Runnable) () -> new MsSsimSettings(7, 1.5, new double[] {-1, 2}, 1, 1, new long[0])},
            {"data.range", (Runnable) () -> new MsSsimSettings(7, 1.5, new double[] {1}, 0, 1, new long[0])},
            {"alpha", (Runnable) () -> new MsSsimSettings(7, 1.5, new double[] {1}, 1, 1.5, new long[0])},
            {"image.shape", (Runnable) () -> settings(7, 3, 1.0, 1, 2, 3, 4)},
            {"image.shape", (Runnable) () -> settings(7, 3, 1.0, 28, 0)},
        };
        for (Object[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, ((Runnable) c[1])::run);
            assertTrue(e.getMessage().contains((String) c[0]), c[0] + ": " + e.getMessage());
        }
    }
}
