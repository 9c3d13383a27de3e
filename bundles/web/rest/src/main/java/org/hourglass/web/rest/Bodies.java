package org.hourglass.web.rest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.dataformat.csv.CsvFactory;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import jakarta.ws.rs.WebApplicationException;
import java.io.BufferedReader;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PushbackInputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Request bodies: streamed within the size limit and parsed into samples from JSON or CSV. Rows are checked
 * against the model's width and the row and value limits while they are parsed, so what a request can make the
 * server hold is bounded by the limits, not by what the body claims.
 */
final class Bodies {

    /** Samples and, for evaluation, their labels (null when the body has none). */
    record Batch(float[][] instances, int[] labels) {
    }

    /**
     * Caps on one request's samples.
     *
     * @param maxRows   most samples (and labels) per request: {@code max.request.rows}
     * @param maxValues most values in all samples together: {@code max.request.values}
     */
    record Limits(int maxRows, long maxValues) {
    }

    /**
     * What every sample must hold: {@code width} values, described as {@code shape} (e.g. {@code [28, 28]});
     * width -1 when not known here (no model serves, or its record could not be read): the pipeline checks then.
     */
    record Shape(int width, String shape) {
        static final Shape UNKNOWN = new Shape(-1, "");

        boolean known() {
            return width >= 0;
        }
    }

    /**
     * A request body as it arrives, with the headers that say how to read it.
     *
     * @param contentType     the Content-Type header; null when absent
     * @param contentEncoding the Content-Encoding header; null when absent
     * @param contentLength   the declared length, -1 when unknown (chunked)
     * @param stream          the body
     */
    record Upload(String contentType, String contentEncoding, long contentLength, InputStream stream) {

        /** The media type without parameters, lower case; "" when absent. */
        String mediaType() {
            if (contentType == null) {
                return "";
            }
            int semi = contentType.indexOf(';');
            return (semi < 0 ? contentType : contentType.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
        }
    }

    // Parsers leave the body open: a refused body is drained afterwards, and the container owns the stream.
    private static final JsonFactory JSON = JsonFactory.builder().disable(StreamReadFeature.AUTO_CLOSE_SOURCE).build();

    /**
     * Jackson's CSV module, as the CSV data source reads files (same features): quotes and separators per
     * RFC 4180, spaces around unquoted cells trimmed, empty lines skipped.
     */
    private static final CsvFactory CSV = CsvFactory.builder()
            .enable(CsvParser.Feature.TRIM_SPACES)
            .enable(CsvParser.Feature.SKIP_EMPTY_LINES)
            .disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
            .build();

    /** Decimal numbers, plus NaN and infinities, which the pipeline refuses naming the sample and feature. */
    private static final Pattern NUMBER = Pattern.compile(
            "[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?|[+-]?(?i:nan|inf|infinity)");

    // Parts of Jackson's messages that describe the parser, not the body: removed or replaced.
    private static final Pattern SOURCE_NOTE = Pattern.compile(
            "\\s*\\((for \\w+ starting|start marker) at \\[Source: [^\\]]*\\]\\)");
    private static final Pattern ENABLE_FEATURE = Pattern.compile(":?\\s*enable `[^`]*` to allow");
    private static final Pattern CONTROL = Pattern.compile("\\(\\(CTRL-CHAR, code (\\d+)\\)\\)");
    private static final Pattern CODE = Pattern.compile("\\s*\\(code \\d+\\)");
    private static final Pattern NON_STANDARD = Pattern.compile("Non-standard token '([^']*)'.*");
    private static final Pattern INTERNAL = Pattern.compile("`|Source:|REDACTED|\\b[A-Z]+_[A-Z_]+\\b|[a-z]\\.[a-z]+\\.");

    private Bodies() {
    }

    // ------------------------------------------------------------------------------------------ reading

    /**
     * The body as a stream that refuses, with 413, to go past {@code max} bytes. A declared length over the
     * limit is refused before anything is read (a client that sent {@code Expect: 100-continue} never sends
     * the body); a compressed body is refused with 415 (bodies are parsed as they arrive, and inflating them
     * would let a small body stand for a large one).
     */
    static Body open(Upload request, long max) {
        String encoding = request.contentEncoding();
        if (encoding != null && !encoding.isBlank() && !encoding.strip().equalsIgnoreCase("identity")) {
            throw Errors.status(415, "Content-Encoding '" + encoding.strip() + "' is not accepted: send the body "
                    + "uncompressed (no Content-Encoding header)");
        }
        long declared = request.contentLength();
        if (declared > max) {
            throw tooLarge(declared + " bytes", max);
        }
        return new Body(new Limited(request.stream(), max));
    }

    private static WebApplicationException tooLarge(String size, long max) {
        return Errors.status(413, "request body of " + size + " is larger than the limit of " + max
                + " bytes (max.request.bytes)");
    }

    /** A request body read as it arrives; one byte can be looked at before parsing starts. */
    static final class Body {
        private final PushbackInputStream in;

        Body(InputStream in) {
            this.in = new PushbackInputStream(in, 1);
        }

        /** Whether the body has no bytes at all. */
        boolean empty() throws IOException {
            int b = in.read();
            if (b < 0) {
                return true;
            }
            in.unread(b);
            return false;
        }

        /** Whether the body has nothing but white space (which is consumed). */
        boolean blank() throws IOException {
            int b;
            do {
                b = in.read();
            } while (b == ' ' || b == '\n' || b == '\r' || b == '\t');
            if (b < 0) {
                return true;
            }
            in.unread(b);
            return false;
        }

        InputStream stream() {
            return in;
        }

        /**
         * Reads and drops the rest of a refused body (within the size limit), so that the client, still sending,
         * gets the answer on a connection that stays usable.
         */
        void drain() {
            byte[] skip = new byte[65536];
            try {
                while (in.read(skip) >= 0) {
                    // dropped
                }
            } catch (IOException | WebApplicationException e) {
                // past the limit or the connection failed: the container closes the connection after the answer
            }
        }
    }

    /** Counts what is read and refuses to go past the limit. */
    private static final class Limited extends FilterInputStream {
        private final long max;
        private long total;

        Limited(InputStream in, long max) {
            super(in);
            this.max = max;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) {
            total += n;
            if (total > max) {
                throw tooLarge("more than " + max + " bytes", max);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ samples

    /** True for a CSV media type. */
    static boolean isCsv(String mediaType) {
        return mediaType.equals("text/csv") || mediaType.equals("application/csv");
    }

    /** A parameter of a Content-Type value (quotes removed), or null. */
    static String parameter(String contentType, String name) {
        if (contentType == null) {
            return null;
        }
        String[] parts = contentType.split(";");
        for (int i = 1; i < parts.length; i++) {
            int eq = parts[i].indexOf('=');
            if (eq > 0 && parts[i].substring(0, eq).strip().equalsIgnoreCase(name)) {
                String value = parts[i].substring(eq + 1).strip();
                return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
                        ? value.substring(1, value.length() - 1) : value;
            }
        }
        return null;
    }

    /**
     * Samples (and labels, when {@code withLabels}) from a CSV or a JSON body, each row checked against
     * {@code shape} and the whole against {@code limits} as it is parsed.
     */
    static Batch samples(Body body, Upload request, boolean withLabels, Shape shape, Limits limits)
            throws IOException {
        if (body.empty()) {
            throw Errors.badRequest("the body is empty; send {\"instances\": [[...], ...]} as JSON"
                    + " or numeric rows with Content-Type: text/csv");
        }
        if (isCsv(request.mediaType())) {
            if (withLabels) {
                throw Errors.status(415, "evaluate takes JSON: {\"instances\": [[...], ...], \"labels\": [...]}");
            }
            return new Batch(csv(body.stream(), csvHeader(request.contentType()), shape, limits), null);
        }
        return json(body.stream(), withLabels, shape, limits);
    }

    /**
     * Rows as they are parsed, in one exact-width array each: a row is checked against the model's width as its
     * values arrive (values past the width are counted, not kept), and the count of rows and values against the
     * limits, so a body of many short rows or one huge row is refused before it costs memory.
     */
    private static final class Rows {
        private final Shape shape;
        private final Limits limits;
        private final List<float[]> done = new ArrayList<>();
        private long values;
        private float[] row;
        private int n;

        Rows(Shape shape, Limits limits) {
            this.shape = shape;
            this.limits = limits;
            this.row = new float[shape.known() ? shape.width() : 64];
        }

        int count() {
            return done.size();
        }

        void start() {
            if (done.size() >= limits.maxRows()) {
                throw Errors.status(413, "the request has more than " + limits.maxRows() + " samples, the "
                        + "limit (max.request.rows); split them into several requests");
            }
            n = 0;
        }

        void add(float v) {
            if (shape.known() && n >= shape.width()) {
                n++; // too wide: counted for the message at the row's end, not kept
                return;
            }
            if (values + n >= limits.maxValues()) {
                throw Errors.status(413, "the request has more than " + limits.maxValues() + " values, the "
                        + "limit (max.request.values); split the samples into several requests");
            }
            if (n == row.length) {
                row = Arrays.copyOf(row, n * 2);
            }
            row[n++] = v;
        }

        /** Ends the row; {@code what} names it in a message (e.g. "sample 3" or "CSV line 4"). */
        void end(String what) {
            if (shape.known() && n != shape.width()) {
                throw Errors.badRequest(what + " has " + n + " values; the model expects " + shape.width()
                        + " (shape " + shape.shape() + ")");
            }
            done.add(Arrays.copyOf(row, n));
            values += n;
        }

        /** The width of the last finished row. */
        int lastWidth() {
            return done.get(done.size() - 1).length;
        }

        float[][] toArray() {
            return done.toArray(new float[0][]);
        }
    }

    // ------------------------------------------------------------------------------------------ JSON

    /** Parses {@code {"instances": [[...], ...], "labels": [...]}}; other fields are ignored. */
    static Batch json(InputStream body, boolean withLabels, Shape shape, Limits limits) throws IOException {
        Rows instances = null;
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
                    if (instances != null) {
                        throw at(p, "\"instances\" appears twice");
                    }
                    instances = rows(p, new Rows(shape, limits));
                } else if (withLabels && field.equals("labels")) {
                    if (labels != null) {
                        throw at(p, "\"labels\" appears twice");
                    }
                    labels = labels(p, limits.maxRows());
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
            throw Errors.badRequest("malformed JSON" + (l == null ? "" : " at line " + l.getLineNr()
                    + ", column " + l.getColumnNr()) + ": " + plain(e));
        }
        if (instances == null) {
            throw Errors.badRequest("the body has no \"instances\": send {\"instances\": [[...], ...]}");
        }
        if (withLabels && labels == null) {
            throw Errors.badRequest("the body has no \"labels\": send one label (0 normal, 1 anomalous) "
                    + "per instance, or an empty body to evaluate the configured evaluation data");
        }
        return new Batch(instances.toArray(), labels);
    }

    /**
     * A plain sentence for a parser failure, without the parser's internals (its source notes, feature and
     * constraint names, token type names, character codes).
     */
    static String plain(JsonProcessingException e) {
        String m = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        if (e instanceof StreamConstraintsException) {
            StreamReadConstraints c = JSON.streamReadConstraints();
            if (m.contains("nesting depth")) {
                return "arrays and objects are nested more than " + c.getMaxNestingDepth() + " levels deep";
            }
            if (m.startsWith("Number value length")) {
                return "a number is longer than " + c.getMaxNumberLength() + " characters";
            }
            if (m.startsWith("String value length")) {
                return "a string is longer than " + c.getMaxStringLength() + " characters";
            }
            return "the document is larger than the parser accepts";
        }
        if (e instanceof JsonEOFException) {
            return "the body ends before the JSON is complete (an array, object or string is not closed)";
        }
        Matcher nonStandard = NON_STANDARD.matcher(m);
        if (nonStandard.matches()) {
            return "'" + nonStandard.group(1) + "' is not a JSON value; JSON has no NaN or infinity";
        }
        String s = SOURCE_NOTE.matcher(m).replaceAll("");
        s = ENABLE_FEATURE.matcher(s).replaceAll("");
        s = CONTROL.matcher(s).replaceAll("(control character $1)");
        s = CODE.matcher(s).replaceAll("");
        return INTERNAL.matcher(s).find() ? "the text is not valid here" : s;
    }

    private static Rows rows(JsonParser p, Rows rows) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw at(p, "\"instances\" must be an array of rows (arrays of numbers)");
        }
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            int i = rows.count();
            if (t != JsonToken.START_ARRAY) {
                throw at(p, "instances[" + i + "] must be an array of numbers, not " + describe(p));
            }
            rows.start();
            int n = 0;
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
                    throw at(p, "instances[" + i + "][" + n + "] must be a number, not " + describe(p));
                }
                rows.add((float) p.getDoubleValue());
                n++;
            }
            rows.end("sample " + i);
        }
        return rows;
    }

    private static int[] labels(JsonParser p, int max) throws IOException {
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
            if (n == max) {
                throw Errors.status(413, "the request has more than " + max + " labels, the limit "
                        + "(max.request.rows); split the samples into several requests");
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
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return "the number " + p.getText();
            default:
                return p.getText();
        }
    }

    private static WebApplicationException at(JsonParser p, String message) {
        JsonLocation l = p.currentTokenLocation();
        return Errors.badRequest(message + " (line " + l.getLineNr() + ", column " + l.getColumnNr() + ")");
    }

    // ------------------------------------------------------------------------------------------ CSV

    /**
     * Whether the CSV's first line is a header, from the media type's {@code header} parameter (RFC 4180:
     * {@code text/csv; header=present} or {@code header=absent}); null when not said.
     */
    static Boolean csvHeader(String contentType) {
        String header = parameter(contentType, "header");
        if (header == null) {
            return null;
        }
        if (header.equalsIgnoreCase("present")) {
            return true;
        }
        if (header.equalsIgnoreCase("absent")) {
            return false;
        }
        throw Errors.badRequest("the Content-Type parameter header must be 'present' or 'absent' (RFC 4180), "
                + "was '" + header + "'");
    }

    /**
     * Numeric rows, one sample per record; quoted cells are unquoted before they are read as numbers (so
     * {@code "1,5"} is one cell, and not a number). The first line is a header, and skipped, only when
     * {@code header} is true; when it is null (not said), a first line that is not all numbers is refused
     * rather than guessed to be a header. Blank lines are skipped; every row has the same width.
     */
    static float[][] csv(InputStream body, Boolean header, Shape shape, Limits limits) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)));
        Rows rows = new Rows(shape, limits);
        try (CsvParser p = CSV.createParser(skipBom(in))) {
            p.setSchema(CsvSchema.emptySchema());
            long headerLine = -1;
            int headerWidth = -1;
            long widthLine = -1;
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t != JsonToken.START_ARRAY) {
                    throw Errors.badRequest("malformed CSV at line " + p.currentLocation().getLineNr());
                }
                if (Boolean.TRUE.equals(header) && headerLine < 0) {
                    headerLine = p.currentLocation().getLineNr();
                    headerWidth = skipRecord(p);
                    continue;
                }
                long line = -1;
                int column = 0;
                boolean blank = false;
                rows.start();
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (t == null) {
                        throw Errors.badRequest("malformed CSV: the body ends inside a record");
                    }
                    if (line < 0) {
                        line = p.currentTokenLocation().getLineNr();
                    }
                    column++;
                    String cell = p.getText().strip();
                    if (column == 1 && cell.isEmpty()) {
                        if (p.nextToken() == JsonToken.END_ARRAY) {
                            blank = true; // a line of white space (tabs): skipped as empty lines are
                            break;
                        }
                        throw Errors.badRequest("CSV line " + line + ", column 1 is empty");
                    }
                    rows.add(number(cell, line, column, header == null && rows.count() == 0));
                }
                if (blank || column == 0) {
                    continue;
                }
                String what = "CSV line " + line;
                if (!shape.known() && widthLine >= 0 && column != rows.lastWidth()) {
                    throw Errors.badRequest(what + " has " + column + " values; line " + widthLine + " has "
                            + rows.lastWidth());
                }
                rows.end(what);
                if (widthLine < 0) {
                    widthLine = line;
                    if (headerWidth >= 0 && headerWidth != column) {
                        throw Errors.badRequest("the CSV header (line " + headerLine + ") has " + headerWidth
                                + " names; line " + line + " has " + column + " values");
                    }
                }
            }
        } catch (JsonProcessingException e) {
            JsonLocation l = e.getLocation();
            throw Errors.badRequest("malformed CSV" + (l == null ? "" : " at line " + l.getLineNr()) + ": "
                    + plain(e));
        } catch (CharacterCodingException e) {
            throw Errors.badRequest("the CSV body is not UTF-8 text");
        }
        if (rows.count() == 0) {
            throw Errors.badRequest("the CSV body has no data rows");
        }
        return rows.toArray();
    }

    /** Skips the cells of the current record; returns how many it had. */
    private static int skipRecord(CsvParser p) throws IOException {
        int cells = 0;
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == null) {
                throw Errors.badRequest("malformed CSV: the body ends inside the header");
            }
            cells++;
        }
        return cells;
    }

    /** Drops a UTF-8 byte order mark, which would otherwise stick to the first cell. */
    private static BufferedReader skipBom(BufferedReader in) throws IOException {
        in.mark(1);
        if (in.read() != '\uFEFF') {
            in.reset();
        }
        return in;
    }

    private static float number(String cell, long line, int column, boolean mayBeHeader) {
        if (cell.isEmpty()) {
            throw Errors.badRequest("CSV line " + line + ", column " + column + " is empty");
        }
        if (!NUMBER.matcher(cell).matches()) {
            throw Errors.badRequest("CSV line " + line + ", column " + column + ": '"
                    + (cell.length() > 40 ? cell.substring(0, 40) + "..." : cell) + "' is not a number"
                    + (mayBeHeader ? "; if the first line is a header, send Content-Type: text/csv; header=present"
                    : ""));
        }
        String lower = cell.toLowerCase(Locale.ROOT);
        if (lower.endsWith("nan")) {
            return Float.NaN;
        }
        if (lower.endsWith("inf") || lower.endsWith("infinity")) {
            return lower.startsWith("-") ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
        }
        return (float) Double.parseDouble(cell);
    }
}
