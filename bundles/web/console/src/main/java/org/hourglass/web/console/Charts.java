package org.hourglass.web.console;

import java.util.ArrayList;
import java.util.List;
import org.hourglass.api.pipeline.ScoreHistogram;

/**
 * Inline SVG charts: the loss curve of a training job, the score histogram of a trained model and its ROC curve.
 * Every text is escaped; non-finite values are left out rather than drawn.
 */
final class Charts {

    static final int WIDTH = 560;
    static final int HEIGHT = 240;
    static final double LEFT = 64;
    static final double RIGHT = 16;
    static final double TOP = 30;
    static final double BOTTOM = 36;

    static final String TRAINING_COLOR = "#1f6fb2";
    static final String VALIDATION_COLOR = "#e07b00";
    static final String NORMAL_COLOR = "#4c8fd0";
    static final String ANOMALOUS_COLOR = "#d9534f";

    private static final int MAX_MARKERS = 60;

    private Charts() {
    }

    /** A linear map of a domain onto a range; a domain of one value maps to the middle of the range. */
    record Scale(double from, double to, double start, double end) {
        double map(double v) {
            return from == to ? (start + end) / 2 : start + (v - from) * (end - start) / (to - from);
        }
    }

    /** SVG polyline points of values at x = 1, 2, 3, ...; non-finite values are skipped. */
    static String points(List<Double> values, Scale x, Scale y) {
        List<String> pts = new ArrayList<>();
        for (int i = 0; i < values.size(); i++) {
            Double v = values.get(i);
            if (v != null && Double.isFinite(v)) {
                pts.add(Format.coordinate(x.map(i + 1)) + "," + Format.coordinate(y.map(v)));
            }
        }
        return String.join(" ", pts);
    }

    /** Training loss per finished epoch (solid) and validation loss (dashed) over {@code epochs} planned. */
    static Html lossCurve(List<Double> training, List<Double> validation, int epochs) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (List<Double> series : List.of(training, validation)) {
            for (Double v : series) {
                if (v != null && Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        if (lo > hi) {
            return empty("Loss curve", "No finished epoch yet");
        }
        double pad = lo == hi ? (lo == 0 ? 1 : Math.abs(lo) * 0.1) : (hi - lo) * 0.05;
        double yLo = lo >= 0 ? Math.max(0, lo - pad) : lo - pad;
        double yHi = hi + pad;
        int n = Math.max(training.size(), validation.size());
        int xMax = Math.max(2, Math.max(epochs, n));
        Scale x = new Scale(1, xMax, LEFT, WIDTH - RIGHT);
        Scale y = new Scale(yLo, yHi, HEIGHT - BOTTOM, TOP);

        StringBuilder svg = open("hg-loss-curve", "Loss per epoch");
        title(svg, "Loss per epoch");
        yAxis(svg, y, new double[] {yLo, (yLo + yHi) / 2, yHi}, "loss");
        int[] ticks = xMax > 2 ? new int[] {1, (xMax + 1) / 2, xMax} : new int[] {1, 2};
        double[] xs = new double[ticks.length];
        String[] labels = new String[ticks.length];
        for (int i = 0; i < ticks.length; i++) {
            xs[i] = x.map(ticks[i]);
            labels[i] = Integer.toString(ticks[i]);
        }
        xAxis(svg, xs, labels, "epoch");
        series(svg, "hg-training", training, x, y, TRAINING_COLOR, null);
        series(svg, "hg-validation", validation, x, y, VALIDATION_COLOR, "5,4");
        legend(svg, new String[] {"training", "validation"}, new String[] {TRAINING_COLOR, VALIDATION_COLOR},
                new boolean[] {true, validation.stream().anyMatch(v -> v != null && Double.isFinite(v))});
        return close(svg);
    }

    /**
     * Each class's bins as a density: count / (class total × bin width), so each class's bars have area 1 and a
     * class of 1,000 samples is as visible as one of 9,000. Index 0 normal, 1 anomalous; a class without samples
     * is all 0.
     */
    static double[][] densities(ScoreHistogram h) {
        int[][] counts = {h.normal(), h.anomalous()};
        double[][] out = new double[2][];
        for (int c = 0; c < 2; c++) {
            long total = 0;
            for (int n : counts[c]) {
                total += n;
            }
            out[c] = new double[counts[c].length];
            for (int i = 0; i < counts[c].length; i++) {
                double width = h.edges()[i + 1] - h.edges()[i];
                out[c][i] = total == 0 || !(width > 0) ? 0 : counts[c][i] / (total * width);
            }
        }
        return out;
    }

    /**
     * Normal and anomalous scores per bin as densities (see {@link #densities}), the threshold as a vertical line,
     * AUROC when finite; the tooltips give the counts.
     */
    static Html histogram(ScoreHistogram h, double auroc) {
        double[] edges = h.edges();
        int[] normal = h.normal();
        int[] anomalous = h.anomalous();
        int bins = normal.length;
        String heading = "Scores on '" + h.source() + "'"
                + (Double.isFinite(auroc) ? " \u00b7 AUROC " + Format.number(auroc) : "");
        if (bins == 0 || !Double.isFinite(edges[0]) || !Double.isFinite(edges[bins])) {
            return empty(heading, "No finite scores");
        }
        double lo = edges[0];
        double hi = edges[bins] > lo ? edges[bins] : lo + 1;
        double[][] density = densities(h);
        double max = 0;
        boolean anyAnomalous = false;
        for (int i = 0; i < bins; i++) {
            max = Math.max(max, Math.max(density[0][i], density[1][i]));
            anyAnomalous |= anomalous[i] > 0;
        }
        if (!(max > 0) || !Double.isFinite(max)) {
            max = 1;
        }
        Scale x = new Scale(lo, hi, LEFT, WIDTH - RIGHT);
        Scale y = new Scale(0, max, HEIGHT - BOTTOM, TOP);

        StringBuilder svg = open("hg-histogram", heading);
        title(svg, heading);
        yAxis(svg, y, new double[] {0, max / 2, max}, "density");
        xAxis(svg, new double[] {x.map(lo), x.map((lo + hi) / 2), x.map(hi)},
                new String[] {Format.number(lo), Format.number((lo + hi) / 2), Format.number(hi)},
                anyAnomalous ? "score (each class's bars have area 1)" : "score");
        for (int i = 0; i < bins; i++) {
            double x0 = x.map(Math.max(lo, Math.min(hi, edges[i])));
            double x1 = x.map(Math.max(lo, Math.min(hi, edges[i + 1])));
            if (!Double.isFinite(x0) || !Double.isFinite(x1) || x1 <= x0) {
                continue;
            }
            String range = Format.number(edges[i]) + " to " + Format.number(edges[i + 1]);
            if (anyAnomalous) {
                double half = (x1 - x0) / 2;
                bar(svg, "hg-normal", x0, half, normal[i], density[0][i], y, NORMAL_COLOR,
                        range + ": " + normal[i] + " normal");
                bar(svg, "hg-anomalous", x0 + half, half, anomalous[i], density[1][i], y, ANOMALOUS_COLOR,
                        range + ": " + anomalous[i] + " anomalous");
            } else {
                bar(svg, "hg-normal", x0, x1 - x0, normal[i], density[0][i], y, NORMAL_COLOR,
                        range + ": " + normal[i] + " samples");
            }
        }
        double t = h.threshold();
        if (Double.isFinite(t)) {
            double tx = x.map(Math.max(lo, Math.min(hi, t)));
            svg.append("<line class=\"hg-threshold\" x1=\"").append(Format.coordinate(tx)).append("\" y1=\"")
                    .append(Format.coordinate(TOP - 4)).append("\" x2=\"").append(Format.coordinate(tx))
                    .append("\" y2=\"").append(Format.coordinate(HEIGHT - BOTTOM))
                    .append("\" stroke=\"#222\" stroke-width=\"1.5\" stroke-dasharray=\"6,3\"/>");
            boolean left = tx > (LEFT + WIDTH - RIGHT) / 2;
            text(svg, tx + (left ? -4 : 4), TOP + 10, left ? "end" : "start", "threshold " + Format.number(t), "hg-threshold-label");
        }
        legend(svg, new String[] {anyAnomalous ? "normal" : "samples", "anomalous"},
                new String[] {NORMAL_COLOR, ANOMALOUS_COLOR}, new boolean[] {true, anyAnomalous});
        return close(svg);
    }

    /**
     * A ROC curve read off a histogram: one point per bin edge, taking every bin above it as anomalous, from (0, 0)
     * to (1, 1). Scores within one bin cannot be told apart, so it is the ROC of the binned scores and {@code area}
     * (trapezoids) is their AUROC: ties within a bin count half, which the exact AUROC of the scores does not need.
     *
     * @param fpr false positive rate (normal samples above the edge / all normal), ascending
     * @param tpr true positive rate (anomalies above the edge / all anomalies)
     */
    record Roc(double[] fpr, double[] tpr, double area) {
    }

    /** The ROC of a histogram's bins, or null when it lacks normal or anomalous samples. */
    static Roc roc(ScoreHistogram h) {
        int bins = h.normal().length;
        long normals = 0;
        long anomalies = 0;
        for (int i = 0; i < bins; i++) {
            normals += h.normal()[i];
            anomalies += h.anomalous()[i];
        }
        if (normals == 0 || anomalies == 0) {
            return null;
        }
        double[] fpr = new double[bins + 1];
        double[] tpr = new double[bins + 1];
        long fp = 0;
        long tp = 0;
        double area = 0;
        for (int i = bins - 1, p = 1; i >= 0; i--, p++) { // lower the cut one bin at a time
            fp += h.normal()[i];
            tp += h.anomalous()[i];
            fpr[p] = fp / (double) normals;
            tpr[p] = tp / (double) anomalies;
            area += (fpr[p] - fpr[p - 1]) * (tpr[p] + tpr[p - 1]) / 2;
        }
        return new Roc(fpr, tpr, area);
    }

    /**
     * The ROC curve of the histogram's labelled scores ({@link #roc}) with the chance diagonal; the heading names
     * its source and area, and the exact AUROC of the scores when known.
     */
    static Html rocCurve(ScoreHistogram h, double auroc) {
        String heading = "ROC on '" + h.source() + "'";
        Roc roc = roc(h);
        if (roc == null) {
            return empty(heading, "Needs labelled evaluation data with normal and anomalous samples");
        }
        heading += " \u00b7 read off the " + h.normal().length + " histogram bins";
        Scale x = new Scale(0, 1, LEFT, WIDTH - RIGHT);
        Scale y = new Scale(0, 1, HEIGHT - BOTTOM, TOP);
        StringBuilder svg = open("hg-roc", heading);
        title(svg, heading);
        yAxis(svg, y, new double[] {0, 0.5, 1}, "true positive rate");
        xAxis(svg, new double[] {x.map(0), x.map(0.5), x.map(1)}, new String[] {"0", "0.5", "1"},
                "false positive rate");
        svg.append("<line class=\"hg-chance\" x1=\"").append(Format.coordinate(x.map(0))).append("\" y1=\"")
                .append(Format.coordinate(y.map(0))).append("\" x2=\"").append(Format.coordinate(x.map(1)))
                .append("\" y2=\"").append(Format.coordinate(y.map(1)))
                .append("\" stroke=\"#aaa\" stroke-dasharray=\"4,4\"/>");
        StringBuilder pts = new StringBuilder();
        for (int i = 0; i < roc.fpr().length; i++) {
            if (i > 0) {
                pts.append(' ');
            }
            pts.append(Format.coordinate(x.map(roc.fpr()[i]))).append(',').append(Format.coordinate(y.map(roc.tpr()[i])));
        }
        svg.append("<polyline class=\"hg-roc-curve\" points=\"").append(pts).append("\" fill=\"none\" stroke=\"")
                .append(ANOMALOUS_COLOR).append("\" stroke-width=\"2\"/>");
        text(svg, WIDTH - RIGHT - 6, HEIGHT - BOTTOM - 22, "end", "area of the binned curve "
                + Format.number(roc.area()), "hg-roc-area");
        if (Double.isFinite(auroc)) {
            text(svg, WIDTH - RIGHT - 6, HEIGHT - BOTTOM - 8, "end", "AUROC of the scores " + Format.number(auroc),
                    "hg-roc-auroc");
        }
        return close(svg);
    }

    /** A chart frame that says why there is nothing to draw. */
    static Html empty(String heading, String why) {
        StringBuilder svg = open("hg-empty", heading);
        title(svg, heading);
        text(svg, WIDTH / 2.0, HEIGHT / 2.0, "middle", why, "hg-empty-text");
        return close(svg);
    }

    // ------------------------------------------------------------------------------ pieces

    private static StringBuilder open(String cls, String label) {
        StringBuilder svg = new StringBuilder(4096);
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"hg-chart ").append(cls)
                .append("\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(HEIGHT).append("\" width=\"")
                .append(WIDTH).append("\" height=\"").append(HEIGHT).append("\" role=\"img\" aria-label=\"")
                .append(Html.escape(label)).append("\" font-family=\"sans-serif\" font-size=\"11\">");
        svg.append("<rect x=\"0\" y=\"0\" width=\"").append(WIDTH).append("\" height=\"").append(HEIGHT)
                .append("\" fill=\"#fff\"/>");
        return svg;
    }

    private static Html close(StringBuilder svg) {
        return new Html(svg.append("</svg>").toString());
    }

    private static void title(StringBuilder svg, String heading) {
        text(svg, LEFT, 16, "start", heading, "hg-chart-title");
    }

    private static void text(StringBuilder svg, double x, double y, String anchor, String text, String cls) {
        svg.append("<text class=\"").append(cls).append("\" x=\"").append(Format.coordinate(x)).append("\" y=\"")
                .append(Format.coordinate(y)).append("\" text-anchor=\"").append(anchor).append("\" fill=\"#333\">")
                .append(Html.escape(text)).append("</text>");
    }

    private static void yAxis(StringBuilder svg, Scale y, double[] ticks, String name) {
        for (double t : ticks) {
            double py = y.map(t);
            svg.append("<line x1=\"").append(Format.coordinate(LEFT)).append("\" x2=\"")
                    .append(Format.coordinate(WIDTH - RIGHT)).append("\" y1=\"").append(Format.coordinate(py))
                    .append("\" y2=\"").append(Format.coordinate(py)).append("\" stroke=\"#e3e3e3\"/>");
            text(svg, LEFT - 6, py + 4, "end", Format.number(t), "hg-tick");
        }
        svg.append("<line x1=\"").append(Format.coordinate(LEFT)).append("\" x2=\"").append(Format.coordinate(LEFT))
                .append("\" y1=\"").append(Format.coordinate(TOP)).append("\" y2=\"")
                .append(Format.coordinate(HEIGHT - BOTTOM)).append("\" stroke=\"#888\"/>");
        svg.append("<text class=\"hg-axis\" transform=\"translate(12,").append(Format.coordinate((TOP + HEIGHT - BOTTOM) / 2))
                .append(") rotate(-90)\" text-anchor=\"middle\" fill=\"#555\">").append(Html.escape(name)).append("</text>");
    }

    private static void xAxis(StringBuilder svg, double[] xs, String[] labels, String name) {
        double base = HEIGHT - BOTTOM;
        svg.append("<line x1=\"").append(Format.coordinate(LEFT)).append("\" x2=\"")
                .append(Format.coordinate(WIDTH - RIGHT)).append("\" y1=\"").append(Format.coordinate(base))
                .append("\" y2=\"").append(Format.coordinate(base)).append("\" stroke=\"#888\"/>");
        for (int i = 0; i < xs.length; i++) {
            svg.append("<line x1=\"").append(Format.coordinate(xs[i])).append("\" x2=\"")
                    .append(Format.coordinate(xs[i])).append("\" y1=\"").append(Format.coordinate(base))
                    .append("\" y2=\"").append(Format.coordinate(base + 4)).append("\" stroke=\"#888\"/>");
            text(svg, xs[i], base + 16, "middle", labels[i], "hg-tick");
        }
        text(svg, (LEFT + WIDTH - RIGHT) / 2, HEIGHT - 4, "middle", name, "hg-axis");
    }

    private static void series(StringBuilder svg, String cls, List<Double> values, Scale x, Scale y, String color,
                               String dash) {
        String pts = points(values, x, y);
        if (pts.isEmpty()) {
            return;
        }
        svg.append("<polyline class=\"").append(cls).append("\" points=\"").append(pts)
                .append("\" fill=\"none\" stroke=\"").append(color).append("\" stroke-width=\"2\"");
        if (dash != null) {
            svg.append(" stroke-dasharray=\"").append(dash).append('"');
        }
        svg.append("/>");
        if (values.size() <= MAX_MARKERS) {
            for (String p : pts.split(" ")) {
                String[] xy = p.split(",");
                svg.append("<circle cx=\"").append(xy[0]).append("\" cy=\"").append(xy[1])
                        .append("\" r=\"2.5\" fill=\"").append(color).append("\"/>");
            }
        }
    }

    /** A bar up to {@code value} in the y scale's units; none for a bin without samples. */
    private static void bar(StringBuilder svg, String cls, double x, double width, int count, double value, Scale y,
                            String color, String tip) {
        if (count <= 0) {
            return;
        }
        double top = y.map(value);
        double height = y.map(0) - top;
        svg.append("<rect class=\"").append(cls).append("\" x=\"").append(Format.coordinate(x)).append("\" y=\"")
                .append(Format.coordinate(top)).append("\" width=\"").append(Format.coordinate(Math.max(0.5, width - 0.5)))
                .append("\" height=\"").append(Format.coordinate(height)).append("\" fill=\"").append(color)
                .append("\"><title>").append(Html.escape(tip)).append("</title></rect>");
    }

    private static void legend(StringBuilder svg, String[] names, String[] colors, boolean[] shown) {
        double x = WIDTH - RIGHT;
        for (int i = names.length - 1; i >= 0; i--) {
            if (!shown[i]) {
                continue;
            }
            double w = 18 + 7 * names[i].length();
            x -= w;
            svg.append("<rect x=\"").append(Format.coordinate(x)).append("\" y=\"8\" width=\"10\" height=\"10\" fill=\"")
                    .append(colors[i]).append("\"/>");
            text(svg, x + 14, 17, "start", names[i], "hg-legend");
            x -= 8;
        }
    }
}
