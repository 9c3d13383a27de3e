package org.hourglass.shell;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.hourglass.csv.CsvFormatException;
import org.hourglass.csv.CsvRecords;

/**
 * {@code key=value} arguments of {@code hourglass:config set}. A value is kept as text (Declarative Services converts
 * it to the attribute's type); {@code key=[a,b]} gives a list (array) of texts, read as one CSV record so that a
 * quoted item may hold a comma ({@code key=[a,"b,c"]}); {@code key=} an empty text and {@code key!} removes the key.
 */
final class ConfigArgs {

    /** Marks a key to remove. */
    static final Object REMOVE = new Object() {
        @Override
        public String toString() {
            return "(removed)";
        }
    };

    private ConfigArgs() {
    }

    static Map<String, Object> parse(String[] args) throws UsageException {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String arg : args) {
            if (arg.endsWith("!") && !arg.contains("=") && arg.length() > 1) {
                out.put(arg.substring(0, arg.length() - 1), REMOVE);
                continue;
            }
            int eq = arg.indexOf('=');
            if (eq <= 0) {
                throw new UsageException("'" + arg + "' is not key=value (or key! to remove a key)");
            }
            String key = arg.substring(0, eq).strip();
            String value = arg.substring(eq + 1);
            if (key.equals("hourglass.name") || key.startsWith("service.")) {
                throw new UsageException("'" + key + "' is set by the command, not by an argument");
            }
            if (value.startsWith("[") && value.endsWith("]")) {
                try {
                    out.put(key, CsvRecords.cells(value.substring(1, value.length() - 1), ',').stream()
                            .map(String::strip).toArray(String[]::new));
                } catch (CsvFormatException e) {
                    throw new UsageException("'" + key + "': the list " + value + " is not comma-separated items "
                            + "(quote an item that holds a comma: [a,\"b,c\"]): " + e.problem());
                }
            } else {
                out.put(key, value);
            }
        }
        return out;
    }

    /** A property value as the command prints it. */
    static String show(Object value) {
        if (value instanceof Object[] array) {
            return Arrays.toString(array);
        }
        if (value != null && value.getClass().isArray()) {
            int n = java.lang.reflect.Array.getLength(value);
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < n; i++) {
                sb.append(i == 0 ? "" : ", ").append(java.lang.reflect.Array.get(value, i));
            }
            return sb.append(']').toString();
        }
        return String.valueOf(value);
    }

    /** Secrets stay out of listings. */
    static boolean secret(String key) {
        String k = key.toLowerCase(java.util.Locale.ROOT);
        return k.contains("password") || k.contains("token") || k.contains("secret");
    }
}
