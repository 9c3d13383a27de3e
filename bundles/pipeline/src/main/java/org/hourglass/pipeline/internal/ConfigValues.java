package org.hourglass.pipeline.internal;

import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A pipeline configuration's raw properties, read one attribute at a time with {@link PipelineConfig}'s defaults.
 * Declarative Services would convert them itself, but a value such as {@code epochs=abc} then fails inside the
 * conversion, before the pipeline exists: no FAILED state, no message. Here a bad value fails naming its attribute.
 */
final class ConfigValues {

    private final Map<String, Object> raw;
    /** What each attribute read as, in the order read; the raw value where it could not be read. */
    private final Map<String, Object> seen = new LinkedHashMap<>();

    ConfigValues(Map<String, ?> raw) {
        this.raw = Map.copyOf(withoutNulls(raw));
    }

    private static Map<String, Object> withoutNulls(Map<String, ?> raw) {
        Map<String, Object> m = new LinkedHashMap<>();
        raw.forEach((k, v) -> {
            if (k != null && v != null) {
                m.put(k, v);
            }
        });
        return m;
    }

    /** Text of the attribute, trimmed; empty when unset and without default. */
    String text(String attribute) {
        Object v = value(attribute);
        String s = v == null ? "" : v.toString().trim();
        seen.put(attribute, s);
        return s;
    }

    int integer(String attribute) {
        long v = whole(attribute, Integer.MIN_VALUE, Integer.MAX_VALUE);
        seen.put(attribute, (int) v);
        return (int) v;
    }

    /** A whole number, or {@code auto} (also an empty value) as {@code auto}. */
    int integerOrAuto(String attribute, int auto) {
        return isAuto(attribute) ? auto : integer(attribute);
    }

    /** A number, or {@code auto} (also an empty value) as {@code auto}. */
    double numberOrAuto(String attribute, double auto) {
        return isAuto(attribute) ? auto : number(attribute);
    }

    /** Whether the value is {@code auto} or empty; then it is recorded as {@code auto}. */
    private boolean isAuto(String attribute) {
        Object v = value(attribute);
        if (v == null || v.toString().isBlank() || v.toString().trim().equalsIgnoreCase(Settings.AUTO_TEXT)) {
            seen.put(attribute, Settings.AUTO_TEXT);
            return true;
        }
        return false;
    }

    long longValue(String attribute) {
        long v = whole(attribute, Long.MIN_VALUE, Long.MAX_VALUE);
        seen.put(attribute, v);
        return v;
    }

    double number(String attribute) {
        Object v = value(attribute);
        double d;
        if (v instanceof Number n) {
            d = n.doubleValue();
        } else {
            try {
                d = Double.parseDouble(string(v));
            } catch (NumberFormatException e) {
                throw bad(attribute, "must be a number", v);
            }
        }
        if (!Double.isFinite(d)) {
            throw bad(attribute, "must be a finite number", v);
        }
        seen.put(attribute, d);
        return d;
    }

    boolean flag(String attribute) {
        Object v = value(attribute);
        boolean b;
        if (v instanceof Boolean x) {
            b = x;
        } else {
            String s = string(v).toLowerCase(Locale.ROOT);
            if (!s.equals("true") && !s.equals("false")) {
                throw bad(attribute, "must be true or false", v);
            }
            b = s.equals("true");
        }
        seen.put(attribute, b);
        return b;
    }

    /**
     * These attributes with the values they were read as; where reading failed or never happened, the raw value
     * (or the default), so a configuration that could not be read still shows what it holds.
     */
    Map<String, Object> snapshot(Iterable<String> attributes) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (String a : attributes) {
            Object v = seen.get(a);
            if (v == null) {
                v = raw.containsKey(a) ? raw.get(a) : defaultOf(a);
            }
            m.put(a, v);
        }
        return m;
    }

    private long whole(String attribute, long min, long max) {
        Object v = value(attribute);
        String rule = "must be a whole number from " + min + " to " + max
                + (Settings.AUTOMATIC.contains(attribute) ? " or auto" : "");
        long x;
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            x = ((Number) v).longValue();
        } else {
            try {
                x = Long.parseLong(string(v));
            } catch (NumberFormatException e) {
                throw bad(attribute, rule, v);
            }
        }
        if (x < min || x > max) {
            throw bad(attribute, rule, v);
        }
        return x;
    }

    /** The configured value, or the annotation's default; a one-element array or list counts as its element. */
    private Object value(String attribute) {
        Object v = raw.get(attribute);
        if (v != null && v.getClass().isArray()) {
            v = Array.getLength(v) == 1 ? Array.get(v, 0) : single(attribute, v, Array.getLength(v));
        } else if (v instanceof Collection<?> c) {
            v = c.size() == 1 ? c.iterator().next() : single(attribute, v, c.size());
        }
        return v != null ? v : defaultOf(attribute);
    }

    private Object single(String attribute, Object v, int size) {
        seen.put(attribute, v);
        throw new IllegalArgumentException("pipeline configuration: " + attribute + " takes one value; it has " + size);
    }

    private static String string(Object v) {
        return v == null ? "" : v.toString().trim();
    }

    private IllegalArgumentException bad(String attribute, String rule, Object value) {
        seen.put(attribute, value);
        return new IllegalArgumentException("pipeline configuration: " + attribute + " " + rule + ", was '"
                + shortened(string(value)) + "'");
    }

    private static String shortened(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    /** {@link PipelineConfig}'s default for the attribute (the method name with '.' as '_'), or null. */
    static Object defaultOf(String attribute) {
        try {
            Method m = PipelineConfig.class.getMethod(attribute.replace('.', '_'));
            return m.getDefaultValue();
        } catch (NoSuchMethodException e) {
            return null;
        }
    }
}
