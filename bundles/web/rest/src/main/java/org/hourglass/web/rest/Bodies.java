package org.hourglass.web.rest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/** Request bodies: reading them within the size limit, and samples from JSON or CSV. */
final class Bodies {

    /** Samples and, for evaluation, their labels (null when the body has none). */
    record Batch(float[][] instances, int[] labels) {
    }

    private static final JsonFactory JSON = JsonFactory.builder().build();

    /** Decimal numbers, plus NaN and infinities, which the pipeline refuses naming the sample and feature. */
    private static final Pattern NUMBER = Pattern.compile(
            "[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?|[+-]?(?i:nan|inf|infinity)");

    private static final Pattern SOURCE = Pattern.compile("\\[Source: [^\\]]*?; (line: \\d+(, column: \\d+)?)\\]");
    /** Jackson's note on where an unclosed array or object began: the location is already in the message. */
    private static final Pattern STARTING_AT = Pattern.compile(
            "\\s*\\(for (root|Array|Object) starting at \\[Source: [^\\]]*\\]\\)");

    private Bodies() {
    }

    /**
     * The whole body, refused with 413 when it declares or turns out to be larger than {@code max} bytes (the
     * declared length is checked before anything is read, so a client that sent {@code Expect: 100-continue}
     * never sends the body).
     */
    static byte[] read(Request request, long max) throws IOException {
        long declared = request.contentLength();
        if (declared > max) {
            throw tooLarge(declared + " bytes", max);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(declared > 0 ? (int) declared : 8192);
        byte[] buffer = new byte[65536];
        long total = 0;
        try (InputStream in = request.body()) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                total += n;
                if (total > max) {
                    throw tooLarge("more than " + max + " bytes", max);
                }
                out.write(buffer, 0, n);
            }
        }
        return out.toByteArray();
    }

    private static ApiException tooLarge(String size, long max) {
        return new ApiException(413, "request body of " + size + " is larger than the limit of " + max
                + " bytes (max.request.bytes)");
    }

    /** True for a CSV media type. */
    static boolean isCsv(String mediaType) {
        return mediaType.equals("text/csv") || mediaType.equals("application/csv");
    }

    /** Samples (and labels, when {@code withLabels}) from a CSV or a JSON body. */
    static Batch samples(byte[] body, String mediaType, boolean withLabels) {
        if (body.length == 0) {
            throw ApiException.badRequest("the body is empty; send {\"instances\": [[...], ...]} as JSON"
                    + " or numeric rows with Content-Type: text/csv");
        }
        if (isCsv(mediaType)) {
            if (withLabels) {
                throw new ApiException(415, "evaluate takes JSON: {\"instances\": [[...], ...], \"labels\": [...]}");
            }
            return new Batch(csv(body), null);
        }
        return json(body, withLabels);
    }

    // ------------------------------------------------------------------------------------------ JSON

    /** Parses {@code {"instances": [[...], ...], "labels": [...]}}; other fields are ignored. */
    static Batch json(byte[] body, boolean withLabels) {
        float[][] instances = null;
        int[] labels = null;
        try (JsonParser p = JSON.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw at(p, "the body must be a JSON object with \"instances\": an array of rows");
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (field.equals("instances")) {
                    instances = rows(p);
                } else if (withLabels && field.equals("labels")) {
                    labels = labels(p);
                } else {
                    p.skipChildren();
                }
            }
            if (t != JsonToken.END_OBJECT) {
                throw at(p, "malformed JSON");
            }
            if (p.nextToken() != null) {
                throw at(p, "malformed JSON: more content after the object");
            }
        } catch (JsonProcessingException e) {
            JsonLocation l = e.getLocation();
            throw ApiException.badRequest("malformed JSON" + (l == null ? "" : " at line " + l.getLineNr()
                    + ", column " + l.getColumnNr()) + ": " + clean(e.getOriginalMessage()));
        } catch (IOException e) {
            throw ApiException.badRequest("unreadable JSON: " + e.getMessage());
        }
        if (instances == null) {
            throw ApiException.badRequest("the body has no \"instances\": send {\"instances\": [[...], ...]}");
        }
        if (withLabels && labels == null) {
            throw ApiException.badRequest("the body has no \"labels\": send one label (0 normal, 1 anomalous) "
                    + "per instance, or an empty body to evaluate the configured evaluation data");
        }
        return new Batch(instances, labels);
    }

    /** Jackson's message without its source description ("[Source: REDACTED ...; line: 1, column: 14]"). */
    static String clean(String message) {
        return message == null ? "" : SOURCE.matcher(STARTING_AT.matcher(message).replaceAll("")).replaceAll("$1");
    }

    private static float[][] rows(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw at(p, "\"instances\" must be an array of rows (arrays of numbers)");
        }
        List<float[]> rows = new ArrayList<>();
        float[] row = new float[64];
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            int i = rows.size();
            if (t != JsonToken.START_ARRAY) {
                throw at(p, "instances[" + i + "] must be an array of numbers, not " + describe(p));
            }
            int n = 0;
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
                    throw at(p, "instances[" + i + "][" + n + "] must be a number, not " + describe(p));
                }
                if (n == row.length) {
                    row = Arrays.copyOf(row, n * 2);
                }
                row[n++] = (float) p.getDoubleValue();
            }
            rows.add(Arrays.copyOf(row, n));
        }
        return rows.toArray(new float[0][]);
    }

    private static int[] labels(JsonParser p) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw at(p, "\"labels\" must be an array of 0/1 or false/true");
        }
        int[] out = new int[64];
        int n = 0;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            int v;
            if (t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) {
                v = t == JsonToken.VALUE_TRUE ? 1 : 0;
            } else if (t == JsonToken.VALUE_NUMBER_INT && (p.getLongValue() == 0 || p.getLongValue() == 1)) {
                v = (int) p.getLongValue();
            } else {
                throw at(p, "labels[" + n + "] must be 0 (normal), 1 (anomalous), false or true, not "
                        + describe(p));
            }
            if (n == out.length) {
                out = Arrays.copyOf(out, n * 2);
            }
            out[n++] = v;
        }
        return Arrays.copyOf(out, n);
    }

    private static String describe(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == null) {
            return "the end of the body";
        }
        switch (t) {
            case VALUE_STRING:
                String s = p.getText();
                return "the string \"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
            case VALUE_NULL:
                return "null";
            case START_OBJECT:
                return "an object";
            case START_ARRAY:
                return "an array";
            case VALUE_TRUE:
            case VALUE_FALSE:
                return p.getText();
            default:
                return p.getText();
        }
    }

    private static ApiException at(JsonParser p, String message) {
        JsonLocation l = p.currentTokenLocation();
        return ApiException.badRequest(message + " (line " + l.getLineNr() + ", column " + l.getColumnNr() + ")");
    }

    // ------------------------------------------------------------------------------------------ CSV

    /**
     * Numeric rows separated by commas, one sample per line; the first line may be a header (it is skipped when
     * any of its cells is not a number). Blank lines are ignored; cells may be quoted. Every row has the width of
     * the first.
     */
    static float[][] csv(byte[] body) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw ApiException.badRequest("the CSV body is not UTF-8 text");
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        String[] lines = text.split("\n", -1);
        List<float[]> rows = new ArrayList<>();
        int width = -1;
        int widthLine = 0;
        boolean first = true;
        for (int l = 0; l < lines.length; l++) {
            String line = lines[l].endsWith("\r") ? lines[l].substring(0, lines[l].length() - 1) : lines[l];
            if (line.isBlank()) {
                continue;
            }
            int lineNr = l + 1;
            String[] cells = line.split(",", -1);
            for (int c = 0; c < cells.length; c++) {
                cells[c] = unquote(cells[c].trim());
            }
            if (first) {
                first = false;
                if (Arrays.stream(cells).anyMatch(c -> !NUMBER.matcher(c).matches())) {
                    continue; // a header line
                }
            }
            if (width < 0) {
                width = cells.length;
                widthLine = lineNr;
            } else if (cells.length != width) {
                throw ApiException.badRequest("CSV line " + lineNr + " has " + cells.length + " values; line "
                        + widthLine + " has " + width);
            }
            float[] row = new float[cells.length];
            for (int c = 0; c < cells.length; c++) {
                row[c] = number(cells[c], lineNr, c + 1);
            }
            rows.add(row);
        }
        if (rows.isEmpty()) {
            throw ApiException.badRequest("the CSV body has no data rows");
        }
        return rows.toArray(new float[0][]);
    }

    private static String unquote(String cell) {
        if (cell.length() >= 2 && cell.startsWith("\"") && cell.endsWith("\"")) {
            return cell.substring(1, cell.length() - 1).trim();
        }
        return cell;
    }

    private static float number(String cell, int line, int column) {
        if (cell.isEmpty()) {
            throw ApiException.badRequest("CSV line " + line + ", column " + column + " is empty");
        }
        if (!NUMBER.matcher(cell).matches()) {
            throw ApiException.badRequest("CSV line " + line + ", column " + column + ": '"
                    + (cell.length() > 40 ? cell.substring(0, 40) + "..." : cell) + "' is not a number");
        }
        String lower = cell.toLowerCase(java.util.Locale.ROOT);
        if (lower.endsWith("nan")) {
            return Float.NaN;
        }
        if (lower.endsWith("inf") || lower.endsWith("infinity")) {
            return lower.startsWith("-") ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
        }
        return (float) Double.parseDouble(cell);
    }
}
