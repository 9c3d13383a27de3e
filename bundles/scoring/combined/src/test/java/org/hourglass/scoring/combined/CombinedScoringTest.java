package org.hourglass.scoring.combined;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.hourglass.spi.ModelOutputs;
import org.hourglass.spi.Samples;
import org.hourglass.testing.GraphRunner;
import org.hourglass.testing.Neighbours;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class CombinedScoringTest {

    private static final int W = 6;      // input width
    private static final int L = 3;      // code width
    private static GraphRunner runner;

    @BeforeAll
    static void executor() {
        runner = new GraphRunner();
    }

    @AfterAll
    static void close() {
        runner.close();
    }

    private static CombinedScoring scoring(String components, String combination, int latentK, int latentMax,
                                           int inputK, int inputMax, int rankPoints) {
        return new CombinedScoring(CombinedScoring.Settings.of(components, combination, latentK, "euclidean", latentMax,
                inputK, inputMax, rankPoints, 9, 1), runner.executor());
    }

    private static float[] random(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    private record Data(float[] x, float[] r, float[] z, int n) {
        ModelOutputs outputs() {
            return new ModelOutputs(new Samples(x, n, W), Map.of(ModelOutputs.RECONSTRUCTION, new Samples(r, n, W),
                    ModelOutputs.LATENT, new Samples(z, n, L)));
        }
    }

    private static Data data(Random rnd, int n) {
        return new Data(random(rnd, n * W), random(rnd, n * W), random(rnd, n * L), n);
    }

    // ------------------------------------------------------------------- plain-Java reference, by hand

    private static double mse(Data d, int i) {
        double s = 0;
        for (int j = 0; j < W; j++) {
            double e = (double) d.r()[i * W + j] - d.x()[i * W + j];
            s += e * e;
        }
        return s / W;
    }

    /** Rows of the training inputs kept in the stored input set, found by their values. */
    private static int[] keptRows(Data train, double[] stored) {
        int m = stored.length / W;
        int[] rows = new int[m];
        for (int p = 0; p < m; p++) {
            rows[p] = -1;
            for (int i = 0; i < train.n() && rows[p] < 0; i++) {
                boolean same = true;
                for (int j = 0; j < W; j++) {
                    same &= train.x()[i * W + j] == (float) stored[p * W + j];
                }
                rows[p] = same ? i : -1;
            }
            assertTrue(rows[p] >= 0, "stored input row " + p + " is a training sample");
        }
        return rows;
    }

    /** Raw component scores [component][sample]; {@code loo}: the samples are the training samples. */
    private static double[][] components(Data d, Data train, int latentK, int inputK, int[] inputRows, boolean loo) {
        double[][] s = new double[3][d.n()];
        for (int i = 0; i < d.n(); i++) {
            s[0][i] = mse(d, i);
            s[1][i] = Neighbours.kth(d.z(), i, train.z(), Neighbours.all(train.n()), L, latentK, loo ? i : -1, false);
            s[2][i] = Neighbours.kth(d.x(), i, train.x(), inputRows, W, inputK, loo ? i : -1, false);
        }
        return s;
    }

    private static double mean(double[] v) {
        return Arrays.stream(v).sum() / v.length;
    }

    private static double std(double[] v) {
        double m = mean(v);
        return Math.sqrt(Arrays.stream(v).map(a -> (a - m) * (a - m)).sum() / v.length);
    }

    // ---------------------------------------------------------------------------------------------- tests

    @Test
    void zAveragesEachComponentStandardisedByItsLeaveOneOutTrainingScores() {
        Random rnd = new Random(1);
        Data train = data(rnd, 40);
        Data test = data(rnd, 15);
        // input.reference.max 15 < 40: the input component keeps a subset; latent keeps all 40 codes.
        CombinedScoring combined = scoring("reconstruction, latent,input", "z", 3, 1000, 2, 15, 1000);
        assertEquals(Set.of(ModelOutputs.RECONSTRUCTION, ModelOutputs.LATENT), combined.requiredOutputs());
        Map<String, Object> state = combined.fit(train.outputs());
        assertEquals(List.of("reconstruction", "latent", "input"), state.get("components"));
        @SuppressWarnings("unchecked")
        Map<String, Object> input = (Map<String, Object>) state.get("input");
        assertEquals(15, input.get("codes_count"));
        int[] inputRows = keptRows(train, (double[]) input.get("codes"));

        double[][] t = components(train, train, 3, 2, inputRows, true);
        double[][] s = components(test, train, 3, 2, inputRows, false);
        String[] names = {"reconstruction", "latent", "input"};
        double[] expectedTrain = new double[train.n()];
        double[] expectedTest = new double[test.n()];
        for (int c = 0; c < 3; c++) {
            @SuppressWarnings("unchecked")
            Map<String, Object> part = (Map<String, Object>) state.get(names[c]);
            assertEquals(mean(t[c]), (double) part.get("mean"), 1e-9, names[c]);
            assertEquals(std(t[c]), (double) part.get("std"), 1e-9, names[c]);
            for (int i = 0; i < train.n(); i++) {
                expectedTrain[i] += (t[c][i] - mean(t[c])) / std(t[c]) / 3;
            }
            for (int i = 0; i < test.n(); i++) {
                expectedTest[i] += (s[c][i] - mean(t[c])) / std(t[c]) / 3;
            }
        }
        assertArrayEquals(expectedTest, combined.score(test.outputs(), state), 1e-9);
        // The training samples scored again (as the pipeline does for the threshold) leave themselves out.
        assertArrayEquals(expectedTrain, combined.score(train.outputs(), state), 1e-9);
        assertEquals(mean(expectedTrain), (double) state.get("reference_mean"), 1e-9);
        assertEquals(0, (double) state.get("reference_mean"), 1e-9, "z-scores average 0 on the training samples");

        // The state read back from JSON (lists, nested maps) scores identically with an instance set otherwise.
        Map<String, Object> json = jsonCopy(state);
        CombinedScoring other = scoring("reconstruction", "rank", 1, 2, 1, 2, 2);
        assertArrayEquals(combined.score(test.outputs(), state), other.score(test.outputs(), json), 0);
        assertArrayEquals(combined.score(train.outputs(), state), other.score(train.outputs(), json), 0);
    }

    @Test
    void rankAveragesTheEmpiricalCdfOfEachComponent() {
        Random rnd = new Random(2);
        Data train = data(rnd, 30);
        Data test = data(rnd, 12);
        for (int points : new int[] {1000, 7}) {
            CombinedScoring combined = scoring("latent,reconstruction", "rank", 4, 1000, 5, 1000, points);
            Map<String, Object> state = combined.fit(train.outputs());
            double[][] t = components(train, train, 4, 5, Neighbours.all(30), true);
            double[][] s = components(test, train, 4, 5, Neighbours.all(30), false);
            double[] expectedTest = new double[test.n()];
            double[] expectedTrain = new double[train.n()];
            for (int c : new int[] {0, 1}) {
                double[] sorted = t[c].clone();
                Arrays.sort(sorted);
                // All training scores, or the quantiles sorted[floor((j + 0.5) n / points)].
                double[] support = points >= 30 ? sorted : new double[points];
                for (int j = 0; j < points && points < 30; j++) {
                    support[j] = sorted[(int) Math.floor((j + 0.5) * 30 / points)];
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> part = (Map<String, Object>) state.get(c == 0 ? "reconstruction" : "latent");
                assertArrayEquals(support, (double[]) part.get("ranks"), 0);
                for (int i = 0; i < test.n(); i++) {
                    expectedTest[i] += cdf(support, s[c][i]) / 2;
                }
                for (int i = 0; i < train.n(); i++) {
                    expectedTrain[i] += cdf(support, t[c][i]) / 2;
                }
            }
            assertArrayEquals(expectedTest, combined.score(test.outputs(), state), 1e-12, "points " + points);
            assertArrayEquals(expectedTrain, combined.score(train.outputs(), state), 1e-12, "points " + points);
        }
        // A sample beyond every training score ranks 1 in that component; one below all ranks 0.
        assertEquals(1.0, CombinedScoring.rank(new double[] {1, 2, 3}, 9));
        assertEquals(0.0, CombinedScoring.rank(new double[] {1, 2, 3}, 0));
        assertEquals(0.5, CombinedScoring.rank(new double[] {1, 2, 3}, 2));
        assertEquals(0.5, CombinedScoring.rank(new double[] {2, 2, 2, 2}, 2));
    }

    /** Mid-rank empirical CDF by counting. */
    private static double cdf(double[] support, double s) {
        long below = Arrays.stream(support).filter(v -> v < s).count();
        long atOrBelow = Arrays.stream(support).filter(v -> v <= s).count();
        return (below + atOrBelow) / (2.0 * support.length);
    }

    @Test
    void oneComponentAloneIsItsZScore() {
        Random rnd = new Random(3);
        Data train = data(rnd, 20);
        Data test = data(rnd, 5);
        CombinedScoring rec = scoring("reconstruction", "z", 5, 100, 5, 100, 10);
        assertEquals(Set.of(ModelOutputs.RECONSTRUCTION), rec.requiredOutputs());
        Map<String, Object> state = rec.fit(train.outputs());
        double[] t = new double[20];
        for (int i = 0; i < 20; i++) {
            t[i] = mse(train, i);
        }
        double[] scores = rec.score(test.outputs(), state);
        for (int i = 0; i < 5; i++) {
            assertEquals((mse(test, i) - mean(t)) / std(t), scores[i], 1e-9);
        }
        // The input component reads only the inputs (the model is still asked for its code).
        CombinedScoring in = scoring("input", "z", 5, 100, 3, 100, 10);
        assertEquals(Set.of(ModelOutputs.LATENT), in.requiredOutputs());
        Map<String, Object> inState = in.fit(train.outputs());
        ModelOutputs onlyInput = new ModelOutputs(new Samples(test.x(), 5, W), Map.of());
        double[] tk = new double[20];
        for (int i = 0; i < 20; i++) {
            tk[i] = Neighbours.kth(train.x(), i, train.x(), Neighbours.all(20), W, 3, i, false);
        }
        double[] got = in.score(onlyInput, inState);
        for (int i = 0; i < 5; i++) {
            double kth = Neighbours.kth(test.x(), i, train.x(), Neighbours.all(20), W, 3, -1, false);
            assertEquals((kth - mean(tk)) / std(tk), got[i], 1e-9);
        }
    }

    @Test
    void badSettingsAndBadStatesAreNamed() {
        assertMessage("components: unknown component 'latnet' (known: reconstruction, latent, input)",
                () -> scoring("reconstruction,latnet", "z", 5, 100, 5, 100, 10));
        assertMessage("components must name at least one of reconstruction, latent, input",
                () -> scoring(" , ", "z", 5, 100, 5, 100, 10));
        assertMessage("components names a component twice", () -> scoring("latent,latent", "z", 5, 100, 5, 100, 10));
        assertMessage("combination must be z or rank, was 'mean'", () -> scoring("latent", "mean", 5, 100, 5, 100, 10));
        assertMessage("latent.k must be >= 1, was 0", () -> scoring("latent", "z", 0, 100, 5, 100, 10));
        assertMessage("input.k must be >= 1, was 0", () -> scoring("input", "z", 5, 100, 0, 100, 10));
        assertMessage("latent.reference.max must be > latent.k=5", () -> scoring("latent", "z", 5, 5, 5, 100, 10));
        assertMessage("input.reference.max must be > input.k=5", () -> scoring("input", "z", 5, 100, 5, 3, 10));
        assertMessage("rank.points must be >= 2, was 1", () -> scoring("latent", "rank", 5, 100, 5, 100, 1));
        assertMessage("latent.metric must be euclidean or cosine, was 'l1'", () -> new CombinedScoring(
                CombinedScoring.Settings.of("latent", "z", 5, "l1", 100, 5, 100, 10, 9, 1), runner.executor()));

        Random rnd = new Random(4);
        // latent.k >= the number of training codes (5): a training sample would have fewer than k others.
        assertMessage("latent.k=5 needs more than 5 reference samples",
                () -> scoring("latent", "z", 5, 100, 5, 100, 10).fit(data(rnd, 5).outputs()));
        assertMessage("input.k=3 needs more than 3 reference samples (a fitted sample's neighbours leave itself "
                + "out); got 3",
                () -> scoring("input", "z", 5, 100, 3, 4, 10).fit(data(rnd, 3).outputs()));
        CombinedScoring c = scoring("latent", "z", 2, 100, 5, 100, 10);
        assertMessage("has no 'combination' and 'components'", () -> c.score(data(rnd, 3).outputs(), Map.of()));
        Map<String, Object> state = new HashMap<>(c.fit(data(rnd, 10).outputs()));
        state.put("components", List.of("latent", "input"));
        assertMessage("has no fitted component 'input'", () -> c.score(data(rnd, 3).outputs(), state));
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }

    /** What JSON gives back: arrays become lists of numbers, maps stay maps. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> jsonCopy(Map<String, Object> state) {
        Map<String, Object> out = new HashMap<>();
        for (var e : state.entrySet()) {
            Object v = e.getValue();
            if (v instanceof double[] a) {
                List<Double> l = new ArrayList<>();
                for (double d : a) {
                    l.add(d);
                }
                v = l;
            } else if (v instanceof Map<?, ?> m) {
                v = jsonCopy((Map<String, Object>) m);
            } else if (v instanceof Long l) {
                v = l.intValue();
            }
            out.put(e.getKey(), v);
        }
        return out;
    }
}
