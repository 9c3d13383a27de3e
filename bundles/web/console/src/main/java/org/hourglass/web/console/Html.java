package org.hourglass.web.console;

import java.util.List;

/**
 * Markup that is safe to insert as is: made by a {@link Template}, by {@link Charts}, or escaped here. Templates
 * insert every other value escaped, so text from pipelines, plug-ins or requests cannot become markup.
 */
record Html(String markup) {

    static final Html EMPTY = new Html("");

    Html {
        if (markup == null) {
            throw new IllegalArgumentException("markup must not be null");
        }
    }

    /** Escaped text: safe in element content and in quoted attribute values. */
    static Html text(String text) {
        return new Html(escape(text));
    }

    static Html join(List<Html> parts) {
        StringBuilder sb = new StringBuilder();
        for (Html part : parts) {
            sb.append(part.markup);
        }
        return new Html(sb.toString());
    }

    static String escape(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                // The Web Console resolves ${...} in its pages (localisation); keep values from being resolved.
                case '$' -> sb.append("&#36;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return markup;
    }
}
