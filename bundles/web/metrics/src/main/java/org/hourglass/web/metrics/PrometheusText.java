package org.hourglass.web.metrics;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A writer of the Prometheus text exposition format 0.0.4: families announced once with {@code # HELP} and
 * {@code # TYPE}, then their samples; label values and help texts escaped as the format says.
 */
final class PrometheusText {

    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StringBuilder out = new StringBuilder();
    private final Map<String, String> declared = new LinkedHashMap<>();

    /** Declares a family (once; later calls for the same name are ignored). Type: counter, gauge, histogram. */
    PrometheusText family(String name, String type, String help) {
        if (!name.matches("[a-zA-Z_:][a-zA-Z0-9_:]*")) {
            throw new IllegalArgumentException("not a metric name: " + name);
        }
        if (declared.putIfAbsent(name, type) == null) {
            out.append("# HELP ").append(name).append(' ').append(escapeHelp(help)).append('\n');
            out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        }
        return this;
    }

    /** One sample line; labels are name/value pairs. */
    PrometheusText sample(String name, double value, String... labels) {
        if (labels.length % 2 != 0) {
            throw new IllegalArgumentException("labels come in name/value pairs");
        }
        out.append(name);
        if (labels.length > 0) {
            out.append('{');
            for (int i = 0; i < labels.length; i += 2) {
                out.append(i == 0 ? "" : ",").append(labels[i]).append("=\"").append(escapeLabel(labels[i + 1]))
                        .append('"');
            }
            out.append('}');
        }
        out.append(' ').append(number(value)).append('\n');
        return this;
    }

    /**
     * A histogram's samples: {@code _bucket} per bound (cumulative counts; the last bound must be +Inf),
     * {@code _sum} and {@code _count} (= the +Inf bucket).
     */
    PrometheusText histogram(String name, double[] bounds, long[] cumulativeCounts, double sum, String... labels) {
        if (bounds.length == 0 || bounds.length != cumulativeCounts.length
                || bounds[bounds.length - 1] != Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("a histogram needs one count per bound and +Inf as the last bound");
        }
        String[] withLe = java.util.Arrays.copyOf(labels, labels.length + 2);
        withLe[labels.length] = "le";
        for (int i = 0; i < bounds.length; i++) {
            withLe[labels.length + 1] = number(bounds[i]);
            sample(name + "_bucket", cumulativeCounts[i], withLe);
        }
        sample(name + "_sum", sum, labels);
        sample(name + "_count", cumulativeCounts[cumulativeCounts.length - 1], labels);
        return this;
    }

    @Override
    public String toString() {
        return out.toString();
    }

    /** Integers without a fraction, other values as Java writes them (Prometheus parses both), +Inf/-Inf/NaN. */
    static String number(double v) {
        if (Double.isNaN(v)) {
            return "NaN";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "+Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    /** Label values: backslash, double quote and line feed are escaped. */
    static String escapeLabel(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    /** Help texts: backslash and line feed are escaped. */
    static String escapeHelp(String s) {
        return s.replace("\\", "\\\\").replace("\n", "\\n");
    }

    /** A metric name part from free text: anything outside [a-zA-Z0-9_] becomes '_'. */
    static String sanitize(String s) {
        String n = s.replaceAll("[^a-zA-Z0-9_]", "_");
        return n.isEmpty() || Character.isDigit(n.charAt(0)) ? "_" + n : n;
    }
}
