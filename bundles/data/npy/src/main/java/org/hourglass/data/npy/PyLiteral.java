package org.hourglass.data.npy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses the small Python literal that is a .npy header: a dict of strings, booleans, integers and tuples.
 * Strings become {@link String}, {@code True}/{@code False} {@link Boolean}, {@code None} null, integers
 * {@link Long}, tuples and lists {@link List}, dicts {@link Map}.
 */
final class PyLiteral {

    /** The header does not parse; {@link #position} is the character offset in the header. */
    static final class SyntaxException extends Exception {
        private static final long serialVersionUID = 1L;
        final int position;

        SyntaxException(String message, int position) {
            super(message + " at header character " + position);
            this.position = position;
        }
    }

    private final String text;
    private int pos;

    private PyLiteral(String text) {
        this.text = text;
    }

    /** Parses {@code text} (surrounding whitespace allowed) as one literal. */
    static Object parse(String text) throws SyntaxException {
        PyLiteral p = new PyLiteral(text);
        Object value = p.value();
        p.skipSpace();
        if (p.pos != text.length()) {
            throw new SyntaxException("unexpected '" + text.charAt(p.pos) + "' after the literal", p.pos);
        }
        return value;
    }

    private Object value() throws SyntaxException {
        skipSpace();
        if (pos >= text.length()) {
            throw new SyntaxException("unexpected end of header", pos);
        }
        char c = text.charAt(pos);
        switch (c) {
            case '{':
                return dict();
            case '(':
                return sequence(')');
            case '[':
                return sequence(']');
            case '\'':
            case '"':
                return string(c);
            default:
                if (c == '-' || c == '+' || Character.isDigit(c)) {
                    return integer();
                }
                if (Character.isLetter(c)) {
                    return word();
                }
                throw new SyntaxException("unexpected '" + c + "'", pos);
        }
    }

    private Map<Object, Object> dict() throws SyntaxException {
        pos++;
        Map<Object, Object> map = new LinkedHashMap<>();
        while (true) {
            skipSpace();
            if (peek() == '}') {
                pos++;
                return map;
            }
            Object key = value();
            skipSpace();
            expect(':');
            map.put(key, value());
            skipSpace();
            if (peek() == ',') {
                pos++;
            } else if (peek() != '}') {
                throw new SyntaxException("expected ',' or '}' in the dict", pos);
            }
        }
    }

    private List<Object> sequence(char close) throws SyntaxException {
        pos++;
        List<Object> items = new ArrayList<>();
        while (true) {
            skipSpace();
            if (peek() == close) {
                pos++;
                return items;
            }
            items.add(value());
            skipSpace();
            if (peek() == ',') {
                pos++;
            } else if (peek() != close) {
                throw new SyntaxException("expected ',' or '" + close + "'", pos);
            }
        }
    }

    private String string(char quote) throws SyntaxException {
        int start = pos++;
        StringBuilder sb = new StringBuilder();
        while (pos < text.length()) {
            char c = text.charAt(pos++);
            if (c == quote) {
                return sb.toString();
            }
            if (c == '\\' && pos < text.length()) {
                c = text.charAt(pos++);
            }
            sb.append(c);
        }
        throw new SyntaxException("unterminated string", start);
    }

    private Long integer() throws SyntaxException {
        int start = pos;
        if (peek() == '-' || peek() == '+') {
            pos++;
        }
        while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
            pos++;
        }
        String digits = text.substring(start, pos);
        if (peek() == 'L' || peek() == 'l') {
            pos++; // Python 2 long suffix, written by old NumPy versions
        }
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new SyntaxException("bad integer '" + digits + "'", start);
        }
    }

    private Object word() throws SyntaxException {
        int start = pos;
        while (pos < text.length() && Character.isLetterOrDigit(text.charAt(pos))) {
            pos++;
        }
        String w = text.substring(start, pos);
        return switch (w) {
            case "True" -> Boolean.TRUE;
            case "False" -> Boolean.FALSE;
            case "None" -> null;
            default -> throw new SyntaxException("unknown name '" + w + "'", start);
        };
    }

    private void expect(char c) throws SyntaxException {
        if (peek() != c) {
            throw new SyntaxException("expected '" + c + "'", pos);
        }
        pos++;
    }

    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private void skipSpace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }
}
