package org.hourglass.web.console;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hourglass.api.pipeline.ScoreHistogram;
import org.junit.jupiter.api.Test;

class ChartsTest {

    @Test
    void scaleMapsDomainOntoRange() {
        Charts.Scale y = new Charts.Scale(0, 10, 200, 0); // SVG y grows downwards
        assertEquals(200, y.map(0), 1e-9);
        assertEquals(0, y.map(10), 1e-9);
        assertEquals(150, y.map(2.5), 1e-9);
        assertEquals(50, new Charts.Scale(3, 3, 0, 100).map(3), 1e-9, "a one-value domain maps to the middle");
    }

    @Test
    void pointsAreScaledAndNonFiniteValuesSkipped() {
        Charts.Scale x = new Charts.Scale(1, 3, 0, 100);
        Charts.Scale y = new Charts.Scale(0, 1, 100, 0);
        assertEquals("0.0,0.0 100.0,50.0", Charts.points(Arrays.asList(1.0, Double.NaN, 0.5), x, y));
        assertEquals("", Charts.points(List.of(Double.POSITIVE_INFINITY), x, y));
        assertEquals("", Charts.points(Arrays.asList((Double) null), x, y));
    }

    @Test
    void lossCurveSpansThePlotArea() {
        String svg = Charts.lossCurve(List.of(1.0, 0.5, 0.25), List.of(0.9, 0.6, 0.3), 3).markup();
        List<double[]> training = polyline(svg, "hg-training");
        assertEquals(3, training.size());
        assertEquals(Charts.LEFT, training.get(0)[0], 0.05, "epoch 1 at the left edge");
        assertEquals(Charts.WIDTH - Charts.RIGHT, training.get(2)[0], 0.05, "the last planned epoch at the right");
        assertTrue(training.get(0)[1] < training.get(1)[1] && training.get(1)[1] < training.get(2)[1],
                "a falling loss is drawn downwards");
        for (double[] p : training) {
            assertTrue(p[1] >= Charts.TOP && p[1] <= Charts.HEIGHT - Charts.BOTTOM, "inside the plot area");
        }
        assertEquals(3, polyline(svg, "hg-validation").size());
        assertTrue(svg.startsWith("<svg") && svg.endsWith("</svg>"));
    }

    @Test
    void lossCurveLeavesRoomForPlannedEpochs() {
        String svg = Charts.lossCurve(List.of(1.0, 0.5), List.of(), 10).markup();
        List<double[]> training = polyline(svg, "hg-training");
        double plotWidth = Charts.WIDTH - Charts.RIGHT - Charts.LEFT;
        assertEquals(Charts.LEFT + plotWidth / 9, training.get(1)[0], 0.05, "epoch 2 of 10");
        assertFalse(svg.contains("hg-validation"), "no validation line without validation losses");
    }

    @Test
    void lossCurveWithoutFiniteDataSaysSo() {
        String empty = Charts.lossCurve(List.of(), List.of(), 5).markup();
        assertTrue(empty.contains("No finished epoch yet"), empty);
        String nan = Charts.lossCurve(List.of(Double.NaN), List.of(Double.NaN), 5).markup();
        assertTrue(nan.contains("No finished epoch yet"), nan);
        assertFalse(nan.contains("NaN"), nan);
    }

    @Test
    void constantLossStillDrawsInsideThePlot() {
        String svg = Charts.lossCurve(List.of(0.5, 0.5), List.of(), 2).markup();
        for (double[] p : polyline(svg, "hg-training")) {
            assertTrue(p[1] > Charts.TOP && p[1] < Charts.HEIGHT - Charts.BOTTOM);
        }
    }

    @Test
    void histogramBarsThresholdAndAuroc() {
        ScoreHistogram h = new ScoreHistogram(new double[] {0, 1, 2, 3, 4}, new int[] {10, 5, 0, 0},
                new int[] {0, 2, 8, 4}, 2.0, "test<data>");
        String svg = Charts.histogram(h, 0.875).markup();
        assertEquals(2, count(svg, "class=\"hg-normal\""), "zero counts draw no bar");
        assertEquals(3, count(svg, "class=\"hg-anomalous\""));
        Matcher line = Pattern.compile("class=\"hg-threshold\" x1=\"([0-9.]+)\"").matcher(svg);
        assertTrue(line.find(), svg);
        double middle = Charts.LEFT + (Charts.WIDTH - Charts.RIGHT - Charts.LEFT) / 2;
        assertEquals(middle, Double.parseDouble(line.group(1)), 0.05, "threshold 2 is in the middle of 0..4");
        assertTrue(svg.contains("AUROC 0.875"), svg);
        assertTrue(svg.contains("test&lt;data&gt;") && !svg.contains("test<data>"), "source name escaped");
        // the tallest bar (10) reaches the top of the plot
        Matcher tall = Pattern.compile("class=\"hg-normal\" x=\"[0-9.]+\" y=\"([0-9.]+)\"").matcher(svg);
        assertTrue(tall.find());
        assertEquals(Charts.TOP, Double.parseDouble(tall.group(1)), 0.05);
    }

    @Test
    void histogramWithoutLabelsOrFiniteScores() {
        ScoreHistogram unlabelled = new ScoreHistogram(new double[] {0, 1, 2}, new int[] {3, 1}, new int[] {0, 0},
                5.0, "train");
        String svg = Charts.histogram(unlabelled, Double.NaN).markup();
        assertEquals(2, count(svg, "class=\"hg-normal\""));
        assertFalse(svg.contains("hg-anomalous") || svg.contains("AUROC"), svg);
        Matcher line = Pattern.compile("class=\"hg-threshold\" x1=\"([0-9.]+)\"").matcher(svg);
        assertTrue(line.find());
        assertEquals(Charts.WIDTH - Charts.RIGHT, Double.parseDouble(line.group(1)), 0.05,
                "a threshold beyond the bins is drawn at the edge");

        ScoreHistogram nan = new ScoreHistogram(new double[] {Double.NaN, Double.NaN}, new int[] {1}, new int[] {0},
                Double.NaN, "x");
        assertTrue(Charts.histogram(nan, Double.NaN).markup().contains("No finite scores"));
        ScoreHistogram none = new ScoreHistogram(new double[] {0}, new int[0], new int[0], 0, "x");
        assertTrue(Charts.histogram(none, 0.5).markup().contains("No finite scores"));
    }

    /** 1,000 normal and 9,000 anomalous samples spread alike: as densities their bars are equally tall. */
    @Test
    void histogramClassesAreDensitiesOfAreaOne() {
        ScoreHistogram h = new ScoreHistogram(new double[] {0, 0.5, 1.0, 2.0}, new int[] {500, 250, 250},
                new int[] {4500, 2250, 2250}, 0.75, "eval");
        double[][] d = Charts.densities(h);
        // 500 of 1,000 in a bin 0.5 wide: 1.0; 250 in 0.5: 0.5; 250 in a bin 1.0 wide: 0.25
        assertArrayEquals(new double[] {1.0, 0.5, 0.25}, d[0], 1e-12);
        assertArrayEquals(d[0], d[1], 1e-12);
        double area = 0;
        for (int i = 0; i < 3; i++) {
            area += d[1][i] * (h.edges()[i + 1] - h.edges()[i]);
        }
        assertEquals(1.0, area, 1e-12);
        String svg = Charts.histogram(h, Double.NaN).markup();
        List<String> normalTops = attribute(svg, "hg-normal", "y");
        assertEquals(normalTops, attribute(svg, "hg-anomalous", "y"), "equal densities, equal heights");
        assertEquals(Charts.TOP, Double.parseDouble(normalTops.get(0)), 0.05, "the densest bin reaches the top");
        assertTrue(svg.contains("density") && svg.contains("500 normal") && svg.contains("4500 anomalous"),
                "densities on the axis, counts in the tooltips");
        assertArrayEquals(new double[] {0, 0}, Charts.densities(new ScoreHistogram(new double[] {0, 1, 2},
                new int[] {1, 1}, new int[] {0, 0}, 1, "t"))[1], 0.0, "a class without samples is all 0");
    }

    /**
     * Bins low to high: normal {3, 1, 0}, anomalous {0, 1, 3}. Cutting above each edge from the top gives (FPR, TPR)
     * (0,0), (0, 3/4), (1/4, 1), (1, 1); trapezoids: 0 + (1/4)(3/4 + 1)/2 + (3/4)(1) = 0.96875, which is the AUROC of
     * the binned scores (15 pairs won and 1 tie in the middle bin counted half, out of 16: 15.5/16).
     */
    @Test
    void rocFromHistogramBins() {
        ScoreHistogram h = new ScoreHistogram(new double[] {0, 1, 2, 3}, new int[] {3, 1, 0}, new int[] {0, 1, 3}, 1.5,
                "eval");
        Charts.Roc roc = Charts.roc(h);
        assertArrayEquals(new double[] {0, 0, 0.25, 1}, roc.fpr(), 1e-12);
        assertArrayEquals(new double[] {0, 0.75, 1, 1}, roc.tpr(), 1e-12);
        assertEquals(15.5 / 16, roc.area(), 1e-12);
        assertEquals(0.96875, roc.area(), 1e-12);

        String svg = Charts.rocCurve(h, 0.9).markup();
        assertTrue(svg.contains("class=\"hg-chart hg-roc\""), svg);
        List<double[]> pts = polyline(svg, "hg-roc-curve");
        assertEquals(4, pts.size());
        assertEquals(Charts.LEFT, pts.get(0)[0], 0.05);
        assertEquals(Charts.HEIGHT - Charts.BOTTOM, pts.get(0)[1], 0.05, "starts at (0, 0)");
        assertEquals(Charts.WIDTH - Charts.RIGHT, pts.get(3)[0], 0.05);
        assertEquals(Charts.TOP, pts.get(3)[1], 0.05, "ends at (1, 1)");
        assertTrue(svg.contains("hg-chance"), "the chance diagonal");
        assertTrue(svg.contains("read off the 3 histogram bins") && svg.contains("area of the binned curve 0.9688")
                && svg.contains("AUROC of the scores 0.9"), svg);

        ScoreHistogram unlabelled = new ScoreHistogram(new double[] {0, 1}, new int[] {4}, new int[] {0}, 1, "train");
        assertNull(Charts.roc(unlabelled));
        assertTrue(Charts.rocCurve(unlabelled, Double.NaN).markup().contains("Needs labelled evaluation data"));
    }

    private static List<String> attribute(String svg, String cls, String name) {
        Matcher m = Pattern.compile("class=\"" + cls + "\" x=\"[0-9.]+\" y=\"([0-9.]+)\"").matcher(svg);
        List<String> values = new ArrayList<>();
        while (m.find()) {
            values.add(m.group(1));
        }
        return values;
    }

    private static List<double[]> polyline(String svg, String cls) {
        Matcher m = Pattern.compile("<polyline class=\"" + cls + "\" points=\"([^\"]*)\"").matcher(svg);
        List<double[]> points = new ArrayList<>();
        if (m.find()) {
            for (String p : m.group(1).split(" ")) {
                String[] xy = p.split(",");
                points.add(new double[] {Double.parseDouble(xy[0]), Double.parseDouble(xy[1])});
            }
        }
        return points;
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}
