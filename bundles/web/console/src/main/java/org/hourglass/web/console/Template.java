package org.hourglass.web.console;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An HTML template with {@code {{name}}} slots. Rendering escapes every value except {@link Html}, which is
 * markup made by another template or by {@link Charts}. A slot without a value is an error, not an empty string.
 */
final class Template {

    private static final Pattern SLOT = Pattern.compile("\\{\\{([A-Za-z][A-Za-z0-9_.]*)}}");

    private final String name;
    private final String text;

    private Template(String name, String text) {
        this.name = name;
        this.text = text;
    }

    static Template of(String name, String text) {
        return new Template(name, text);
    }

    /** Reads {@code templates/<name>} next to this class. */
    static Template load(String name) {
        String path = "templates/" + name;
        try (InputStream in = Template.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("template " + path + " is missing from the bundle");
            }
            return new Template(name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read template " + path, e);
        }
    }

    Html render(Map<String, ?> values) {
        Matcher m = SLOT.matcher(text);
        StringBuilder sb = new StringBuilder(text.length() * 2);
        int last = 0;
        while (m.find()) {
            String key = m.group(1);
            if (!values.containsKey(key)) {
                throw new IllegalArgumentException("template " + name + ": no value for {{" + key + "}}");
            }
            Object value = values.get(key);
            sb.append(text, last, m.start());
            sb.append(value instanceof Html html ? html.markup() : Html.escape(value == null ? "" : value.toString()));
            last = m.end();
        }
        sb.append(text, last, text.length());
        return new Html(sb.toString());
    }
}
