package org.hourglass.web.console;

import java.util.Locale;

/** Numbers and durations as the page shows them (locale-independent). */
final class Format {

    static final String NONE = "\u2013";

    private Format() {
    }

    /** A metric or loss: integers as such, otherwise about four significant digits; NaN/∞ as a dash. */
    static String number(double v) {
        if (!Double.isFinite(v)) {
            return NONE;
        }
        double a = Math.abs(v);
        if (v == Math.rint(v) && a < 1e12) {
            return String.format(Locale.ROOT, "%d", (long) v);
        }
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 1e-4) {
            return stripZeros(String.format(Locale.ROOT, "%.4g", v));
        }
        return String.format(Locale.ROOT, "%.3e", v);
    }

    /** A count per second, rounded. */
    static String rate(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.0f", v) : NONE;
    }

    /** Seconds as "42 s", "3 min 05 s" or "1 h 02 min". */
    static String duration(double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0) {
            return NONE;
        }
        long s = Math.round(seconds);
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600) / 60);
    }

    /** A coordinate in SVG user units. */
    static String coordinate(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String stripZeros(String s) {
        if (s.indexOf('.') < 0 || s.indexOf('e') >= 0) {
            return s;
        }
        int end = s.length();
        while (s.charAt(end - 1) == '0') {
            end--;
        }
        if (s.charAt(end - 1) == '.') {
            end--;
        }
        return s.substring(0, end);
    }
}
