package org.hourglass.web.rest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.ws.rs.WebApplicationException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class BodiesTest {

    private static final String JSON = "application/json";
    private static final String CSV = "text/csv";
    private static final long MAX_BYTES = 64L * 1024 * 1024;
    private static final Bodies.Limits LIMITS = new Bodies.Limits(RestApi.Settings.DEFAULT_MAX_ROWS,
            RestApi.Settings.DEFAULT_MAX_VALUES);
    private static final Bodies.Shape UNKNOWN = Bodies.Shape.UNKNOWN;
    private static final Bodies.Shape IMAGE = new Bodies.Shape(784, "[28, 28]");
    /** What a message must not show: the parser's source notes, feature, constraint, token or class names. */
    private static final Pattern INTERNALS = Pattern.compile(
            "Source|REDACTED|`|Feature|Constraints|\\(code|CTRL-CHAR|[A-Z]+_[A-Z]+|Exception|jackson|fasterxml");

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Bodies.Upload request(String contentType, byte[] body, long declared, String encoding) {
        return new Bodies.Upload(contentType, encoding, declared, new ByteArrayInputStream(body));
    }

    private static Bodies.Batch parse(String contentType, byte[] body, boolean withLabels, Bodies.Shape shape,
                                      Bodies.Limits limits) throws IOException {
        Bodies.Upload r = request(contentType, body, body.length, null);
        return Bodies.samples(Bodies.open(r, MAX_BYTES), r, withLabels, shape, limits);
    }

    private static Bodies.Batch json(String body, boolean withLabels) throws IOException {
        return parse(JSON, utf8(body), withLabels, UNKNOWN, LIMITS);
    }

    private static float[][] csv(String contentType, String body) throws IOException {
        return parse(contentType, utf8(body), false, UNKNOWN, LIMITS).instances();
    }

    private static WebApplicationException refused(Executable call) {
        return assertThrows(WebApplicationException.class, call);
    }

    private static long allocatedBytes(Executable call) throws Throwable {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(id);
        call.execute();
        return threads.getThreadAllocatedBytes(id) - before;
    }

    // ------------------------------------------------------------------ JSON

    @Test
    void jsonInstancesAreRead() throws IOException {
        Bodies.Batch b = json("{\"instances\": [[1, 2.5, -3e2], [0, 0, 0]], \"extra\": {\"a\": [1]}}", false);
        assertEquals(2, b.instances().length);
        assertArrayEquals(new float[] {1f, 2.5f, -300f}, b.instances()[0]);
        assertNull(b.labels());
    }

    @Test
    void labelsAreReadAsNumbersOrBooleans() throws IOException {
        Bodies.Batch b = json("{\"labels\": [0, 1, true, false], \"instances\": [[1],[2],[3],[4]]}", true);
        assertArrayEquals(new int[] {0, 1, 1, 0}, b.labels());
        WebApplicationException e = refused(() -> json("{\"instances\": [[1]], \"labels\": [2]}", true));
        assertEquals(400, e.getResponse().getStatus());
        assertTrue(e.getMessage().contains("labels[0]"), e.getMessage());
        WebApplicationException missing = refused(() -> json("{\"instances\": [[1]]}", true));
        assertTrue(missing.getMessage().contains("\"labels\""), missing.getMessage());
        WebApplicationException twice = refused(() -> json("{\"instances\": [[1]], \"instances\": [[2]]}", false));
        assertTrue(twice.getMessage().startsWith("\"instances\" appears twice"), twice.getMessage());
    }

    @Test
    void malformedJsonIs400NamingLineAndColumn() {
        WebApplicationException e = refused(() -> json("{\"instances\": [[1, 2]\n  [3]]}", false));
        assertEquals(400, e.getResponse().getStatus());
        assertTrue(e.getMessage().startsWith("malformed JSON at line 2, column 3"), e.getMessage());
        WebApplicationException truncated = refused(() -> json("{\"instances\": [[1, 2]", false));
        assertTrue(truncated.getMessage().startsWith("malformed JSON"), truncated.getMessage());
        WebApplicationException trailing = refused(() -> json("{\"instances\": [[1]]} {}", false));
        assertTrue(trailing.getMessage().contains("more content"), trailing.getMessage());
        WebApplicationException nan = refused(() -> json("{\"instances\": [[NaN]]}", false));
        assertEquals("malformed JSON at line 1, column 20: 'NaN' is not a JSON value; JSON has no NaN or infinity",
                nan.getMessage());
        WebApplicationException close = refused(() -> json("{\"instances\": [[1]]}}", false));
        assertEquals("malformed JSON at line 1, column 21: Unexpected close marker '}': expected ']'",
                close.getMessage());
    }

    /** Every parser failure is a plain sentence: none of Jackson's notes, feature names, token names or codes. */
    @Test
    void malformedJsonMessagesShowNoParserInternals() {
        String[] bodies = {"{\"instances\": [[1, 2]}", "{\"instances\": [[1, 2", "{\"a\": }", "{\"instances\": [[1]]}}",
            "{\"instances\": [[1, 2]] \"x\"}", "instances=1,2,3", "{\"instances\": [[NaN]]}",
            "{\"instances\": [[-Infinity]]}", "{\"instances\": [[1.2.3]]}", "{\"instances\": [[-]]}",
            "{\"instances\": [[01]]}", "{\"instances\": [[1" + "1".repeat(2000) + "]]}", "{\"instances\": [[\"abc",
            "{'a': 1}", "{\"a\" 1}", "{\"a\":1,}", "{\"a\": tru}", "{\"a\": \"\u0001\"}",
            "{\"a\": " + "[".repeat(2000) + "]".repeat(2000) + "}", "{\"a\": \"\\q\"}", "{\"a\": .5}",
            "{\"instances\": [[+1]]}", "{\"a\": 0x10}", "{\"a\": 1e}", "{\"instances\": [[1]], \"a\": [}"};
        for (String body : bodies) {
            String message = refused(() -> json(body, false)).getMessage();
            assertFalse(INTERNALS.matcher(message).find(), body + " -> " + message);
            assertTrue(message.startsWith("malformed JSON") || message.contains("must be"), body + " -> " + message);
        }
        String deep = refused(() -> json("{\"a\": " + "[".repeat(2000) + "]".repeat(2000) + "}", false)).getMessage();
        assertTrue(deep.endsWith("arrays and objects are nested more than 1000 levels deep"), deep);
        String eof = refused(() -> json("{\"instances\": [[\"abc", false)).getMessage();
        assertTrue(eof.endsWith("the body ends before the JSON is complete (an array, object or string is not "
                + "closed)"), eof);
        String control = refused(() -> json("{\"a\": \"\u0001\"}", false)).getMessage();
        assertTrue(control.contains("control character 1"), control);
        String binary = refused(() -> parse(JSON, new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xff, '"', '}'},
                false, UNKNOWN, LIMITS)).getMessage();
        assertFalse(INTERNALS.matcher(binary).find(), binary);
    }

    @Test
    void wrongJsonShapesNameTheRowAndValue() {
        WebApplicationException notArray = refused(() -> json("{\"instances\": [[1], 2]}", false));
        assertTrue(notArray.getMessage().startsWith("instances[1] must be an array of numbers"),
                notArray.getMessage());
        WebApplicationException string = refused(() -> json("{\"instances\": [[1, \"x\"]]}", false));
        assertTrue(string.getMessage().startsWith("instances[0][1] must be a number, not the string \"x\""),
                string.getMessage());
        assertTrue(string.getMessage().contains("line 1"), string.getMessage());
        WebApplicationException nul = refused(() -> json("{\"instances\": [[null]]}", false));
        assertTrue(nul.getMessage().contains("not null"), nul.getMessage());
        WebApplicationException root = refused(() -> json("[[1, 2]]", false));
        assertTrue(root.getMessage().contains("JSON object"), root.getMessage());
        WebApplicationException none = refused(() -> json("{\"rows\": [[1]]}", false));
        assertTrue(none.getMessage().contains("no \"instances\""), none.getMessage());
        WebApplicationException scalar = refused(() -> json("{\"instances\": 3}", false));
        assertTrue(scalar.getMessage().contains("must be an array of rows"), scalar.getMessage());
    }

    @Test
    void emptyBodyIs400() {
        WebApplicationException e = refused(() -> json("", false));
        assertEquals(400, e.getResponse().getStatus());
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
    }

    // ------------------------------------------------------------------ widths and limits

    /** 4 MB of one-value rows used to become a million rows and then 3.1 GB of floats in the pipeline. */
    @Test
    void rowsOfTheWrongWidthAreRefusedAtTheFirstWithoutHoldingTheBody() throws Throwable {
        byte[] hostile = utf8("{\"instances\": [" + "[0],".repeat(1_000_000) + "[0]]}");
        long bytes = allocatedBytes(() -> {
            WebApplicationException e = refused(() -> parse(JSON, hostile, false, IMAGE, LIMITS));
            assertEquals(400, e.getResponse().getStatus());
            assertEquals("sample 0 has 1 values; the model expects 784 (shape [28, 28])", e.getMessage());
        });
        assertTrue(bytes < 1 << 20, "allocated " + bytes + " bytes to refuse the body");
        String csvRows = "0\n".repeat(100);
        WebApplicationException csv = refused(() -> parse(CSV, utf8(csvRows), false, IMAGE, LIMITS));
        assertEquals("CSV line 1 has 1 values; the model expects 784 (shape [28, 28])", csv.getMessage());
    }

    @Test
    void aRowWiderThanTheModelIsCountedNotKept() throws Throwable {
        byte[] wide = utf8("{\"instances\": [[" + "1,".repeat(2_000_000) + "1]]}");
        long bytes = allocatedBytes(() -> {
            WebApplicationException e = refused(() -> parse(JSON, wide, false, IMAGE, LIMITS));
            assertEquals("sample 0 has 2000001 values; the model expects 784 (shape [28, 28])", e.getMessage());
        });
        assertTrue(bytes < 1 << 20, "allocated " + bytes + " bytes to refuse the row");
        float[][] ok = parse(JSON, utf8("{\"instances\": [[1, 2, 3]]}"), false, new Bodies.Shape(3, "[3]"), LIMITS)
                .instances();
        assertArrayEquals(new float[] {1, 2, 3}, ok[0]);
    }

    @Test
    void tooManyRowsOrValuesAre413NamingTheSetting() throws Throwable {
        Bodies.Limits small = new Bodies.Limits(10, 25);
        WebApplicationException rows = refused(() -> parse(JSON, utf8("{\"instances\": [" + "[1],".repeat(10) + "[1]]}"),
                false, UNKNOWN, small));
        assertEquals(413, rows.getResponse().getStatus());
        assertTrue(rows.getMessage().contains("more than 10 samples") && rows.getMessage().contains(
                "max.request.rows"), rows.getMessage());
        WebApplicationException values = refused(() -> parse(CSV, utf8("1,2,3\n".repeat(9)), false, UNKNOWN, small));
        assertEquals(413, values.getResponse().getStatus());
        assertTrue(values.getMessage().contains("more than 25 values") && values.getMessage().contains(
                "max.request.values"), values.getMessage());
        WebApplicationException oneRow = refused(() -> parse(JSON, utf8("{\"instances\": [[" + "1,".repeat(30) + "1]]}"),
                false, UNKNOWN, small));
        assertTrue(oneRow.getMessage().contains("max.request.values"), oneRow.getMessage());
        WebApplicationException labels = refused(() -> parse(JSON, utf8("{\"labels\": [" + "0,".repeat(10) + "0]}"),
                true, UNKNOWN, small));
        assertTrue(labels.getMessage().contains("more than 10 labels") && labels.getMessage().contains(
                "max.request.rows"), labels.getMessage());
        assertEquals(10, parse(JSON, utf8("{\"instances\": [" + "[1],".repeat(9) + "[1]]}"), false, UNKNOWN,
                small).instances().length, "at the limit is fine");
        // A million short rows without a known width stop at the row limit, holding about that many rows.
        byte[] hostile = utf8("{\"instances\": [" + "[0],".repeat(1_000_000) + "[0]]}");
        long bytes = allocatedBytes(() -> assertEquals(413, refused(() -> parse(JSON, hostile, false, UNKNOWN,
                LIMITS)).getResponse().getStatus()));
        assertTrue(bytes < 16 << 20, "allocated " + bytes + " bytes for " + LIMITS.maxRows() + " rows");
    }

    // ------------------------------------------------------------------ CSV

    @Test
    void csvHeaderOnlyWhenSaid() throws IOException {
        float[][] withHeader = csv("text/csv; header=present", "a,b,c\r\n1,2,3\r\n\r\n4.5,-6,7e-1\r\n");
        assertEquals(2, withHeader.length);
        assertArrayEquals(new float[] {4.5f, -6f, 0.7f}, withHeader[1]);
        float[][] numericHeader = csv("text/csv;header=\"present\"", "1,2,3\n4,5,6\n");
        assertEquals(1, numericHeader.length, "a header is skipped whatever it holds");
        float[][] plain = csv(CSV, "\uFEFF1,2,3\n\"4\", 5 ,6");
        assertArrayEquals(new float[] {1, 2, 3}, plain[0]);
        assertArrayEquals(new float[] {4, 5, 6}, plain[1]);
        assertEquals(2, csv("text/csv; header=absent", "1,2\n3,4\n").length);
        assertEquals(2, csv(CSV, "1,2\n \t \n\t\n3,4\n").length, "lines of white space are blank");
        assertEquals("CSV line 2, column 1 is empty", refused(() -> csv(CSV, "1,2\n,3\n")).getMessage());

        WebApplicationException unsaid = refused(() -> csv(CSV, "a,b,c\n1,2,3\n"));
        assertEquals("CSV line 1, column 1: 'a' is not a number; if the first line is a header, send "
                + "Content-Type: text/csv; header=present", unsaid.getMessage());
        WebApplicationException absent = refused(() -> csv("text/csv; header=absent", "a,b\n1,2\n"));
        assertEquals("CSV line 1, column 1: 'a' is not a number", absent.getMessage());
        WebApplicationException bad = refused(() -> csv("text/csv; header=yes", "1,2\n"));
        assertTrue(bad.getMessage().contains("'present' or 'absent'"), bad.getMessage());
        WebApplicationException widths = refused(() -> csv("text/csv; header=present", "a,b\n1,2,3\n"));
        assertEquals("the CSV header (line 1) has 2 names; line 2 has 3 values", widths.getMessage());
        WebApplicationException headerOnly = refused(() -> csv("text/csv; header=present", "a,b\n"));
        assertTrue(headerOnly.getMessage().contains("no data rows"), headerOnly.getMessage());
    }

    /** A first line with a bad value used to be taken for a header: two rows, one score. */
    @Test
    void aBadFirstLineIsNotSilentlyDropped() {
        WebApplicationException e = refused(() -> csv(CSV, "1,x\n3,4\n"));
        assertTrue(e.getMessage().startsWith("CSV line 1, column 2: 'x' is not a number"), e.getMessage());
    }

    /** Quotes are removed by the CSV parser before numbers are read: "1,5" is one cell, not two. */
    @Test
    void quotedCellsAreOneCell() throws IOException {
        WebApplicationException e = refused(() -> csv(CSV, "\"1,5\",2\n3,4\n"));
        assertEquals("CSV line 1, column 1: '1,5' is not a number; if the first line is a header, send "
                + "Content-Type: text/csv; header=present", e.getMessage());
        float[][] rows = csv(CSV, "\"1.5\",\"2\"\n\"3\",4\n");
        assertEquals(2, rows.length);
        assertArrayEquals(new float[] {1.5f, 2}, rows[0]);
        float[][] quotedHeader = csv("text/csv; header=present", "\"a,b\",c\n1,2\n");
        assertEquals(1, quotedHeader.length);
        assertArrayEquals(new float[] {1, 2}, quotedHeader[0]);
        WebApplicationException open = refused(() -> csv(CSV, "1,\"2\n3,4\n"));
        assertTrue(open.getMessage().startsWith("malformed CSV"), open.getMessage());
        assertFalse(INTERNALS.matcher(open.getMessage()).find(), open.getMessage());
        WebApplicationException stray = refused(() -> csv(CSV, "1,\"2\"x,3\n"));
        assertFalse(INTERNALS.matcher(stray.getMessage()).find(), stray.getMessage());
    }

    @Test
    void csvNonFiniteValuesPassToThePipelineWhichNamesThem() throws IOException {
        float[][] rows = csv(CSV, "1,NaN,-Infinity");
        assertTrue(Float.isNaN(rows[0][1]));
        assertEquals(Float.NEGATIVE_INFINITY, rows[0][2]);
    }

    @Test
    void badCsvIs400NamingLineAndColumn() {
        WebApplicationException word = refused(() -> csv(CSV, "1,2\n3,x\n"));
        assertEquals(400, word.getResponse().getStatus());
        assertEquals("CSV line 2, column 2: 'x' is not a number", word.getMessage());
        WebApplicationException empty = refused(() -> csv(CSV, "1,2\n3,\n"));
        assertEquals("CSV line 2, column 2 is empty", empty.getMessage());
        WebApplicationException ragged = refused(() -> csv("text/csv; header=present", "h1,h2\n1,2\n\n3,4,5\n"));
        assertEquals("CSV line 4 has 3 values; line 2 has 2", ragged.getMessage());
        WebApplicationException binary = refused(() -> csv(CSV, "1,\uFFFD"));
        assertTrue(binary.getMessage().contains("not a number"), binary.getMessage());
        WebApplicationException notUtf8 = refused(() -> parse(CSV, new byte[] {'1', ',', (byte) 0xff, '\n'}, false, UNKNOWN,
                LIMITS));
        assertEquals("the CSV body is not UTF-8 text", notUtf8.getMessage());
        WebApplicationException hex = refused(() -> csv(CSV, "1,2\n1,0x10"));
        assertTrue(hex.getMessage().contains("column 2"), hex.getMessage());
    }

    @Test
    void csvMediaTypesPickTheCsvParser() throws IOException {
        assertEquals(1, csv("text/csv", "1,2").length);
        assertEquals(1, csv("application/csv", "1,2").length);
        WebApplicationException json = refused(() -> parse(JSON, utf8("1,2"), false, UNKNOWN, LIMITS));
        assertTrue(json.getMessage().startsWith("malformed JSON") || json.getMessage().contains("JSON object"),
                json.getMessage());
        WebApplicationException evaluateCsv = refused(() -> parse(CSV, utf8("1,2"), true, UNKNOWN, LIMITS));
        assertEquals(415, evaluateCsv.getResponse().getStatus());
    }

    // ------------------------------------------------------------------ reading

    @Test
    void bodiesWithinTheLimitAreReadAndBlankOnesSeen() throws IOException {
        assertArrayEquals(utf8("12345"), Bodies.open(request(JSON, utf8("12345"), 5, null), 5).stream()
                .readAllBytes());
        assertArrayEquals(utf8("12345"), Bodies.open(request(JSON, utf8("12345"), -1, null), 5).stream()
                .readAllBytes());
        assertTrue(Bodies.open(request(JSON, utf8(" \r\n\t"), 4, null), 5).blank());
        Bodies.Body body = Bodies.open(request(JSON, utf8(" {}"), 3, null), 5);
        assertFalse(body.blank());
        assertArrayEquals(utf8("{}"), body.stream().readAllBytes(), "the first byte after the blanks is kept");
    }

    @Test
    void aDeclaredLengthOverTheLimitIs413BeforeReading() {
        InputStream never = new ByteArrayInputStream(new byte[0]) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                throw new AssertionError("the body must not be read");
            }
        };
        WebApplicationException e = refused(() -> Bodies.open(new Bodies.Upload(null, null, 11, never), 10));
        assertEquals(413, e.getResponse().getStatus());
        assertTrue(e.getMessage().contains("11 bytes") && e.getMessage().contains("10 bytes"), e.getMessage());
    }

    @Test
    void anUndeclaredBodyOverTheLimitIs413() {
        WebApplicationException e = refused(() -> Bodies.open(request(JSON, new byte[100_000], -1, null), 70_000).stream()
                .readAllBytes());
        assertEquals(413, e.getResponse().getStatus());
        assertTrue(e.getMessage().contains("max.request.bytes"), e.getMessage());
    }

    @Test
    void compressedBodiesAre415NamingTheEncoding() throws IOException {
        WebApplicationException e = refused(() -> Bodies.open(request(JSON, new byte[] {0x1f, (byte) 0x8b}, 2, "gzip"), 10));
        assertEquals(415, e.getResponse().getStatus());
        assertEquals("Content-Encoding 'gzip' is not accepted: send the body uncompressed (no Content-Encoding "
                + "header)", e.getMessage());
        assertEquals(2, Bodies.open(request(JSON, new byte[2], 2, "identity"), 10).stream().readAllBytes().length);
    }

    @Test
    void drainReadsARefusedBodyToItsEndWithinTheLimit() throws IOException {
        Bodies.Upload r = request(JSON, new byte[200_000], -1, null);
        Bodies.Body body = Bodies.open(r, 1_000_000);
        body.drain();
        assertEquals(-1, r.stream().read(), "the body was read to its end");
        Bodies.open(request(JSON, new byte[200_000], -1, null), 1000).drain(); // past the limit: stops quietly
    }
}
