package org.hourglass.shell;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;

/** Number formats for the command output: short, locale-independent. */
final class Fmt {

    private Fmt() {
    }

    /** Five significant digits, no exponent between 1e-4 and 1e9; {@code -} for NaN or null. */
    static String num(Double value) {
        if (value == null || value.isNaN()) {
            return "-";
        }
        double v = value;
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        if (v == 0) {
            return "0";
        }
        double abs = Math.abs(v);
        if (abs < 1e-4 || abs >= 1e9) {
            return String.format(Locale.ROOT, "%.4e", v);
        }
        return new BigDecimal(v).round(new MathContext(5)).stripTrailingZeros().toPlainString();
    }

    /** Whole seconds as {@code 42 s}, {@code 3 min 5 s}, {@code 1 h 2 min}. */
    static String duration(double seconds) {
        if (Double.isNaN(seconds) || seconds < 0) {
            return "-";
        }
        long s = Math.round(seconds);
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return s / 60 + " min " + s % 60 + " s";
        }
        return s / 3600 + " h " + s % 3600 / 60 + " min";
    }
}
