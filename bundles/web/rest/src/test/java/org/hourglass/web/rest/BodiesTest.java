package org.hourglass.web.rest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BodiesTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static ApiException refused(Runnable r) {
        return assertThrows(ApiException.class, r::run);
    }

    private static Request request(byte[] body, long declared) {
        return new Request("POST", "/x", h -> null, declared, new ByteArrayInputStream(body));
    }

    // ------------------------------------------------------------------ JSON

    @Test
    void malformedJsonMessagesSayWhereWithoutJacksonsSourceNotes() {
        for (String body : new String[] {"{\"instances\": [[1, 2]}", "{\"instances\": [[1, 2", "{\"a\": }",
                "{\"instances\": [[1]]}}", "{\"instances\": [[1, 2]] \"x\"}"}) {
            String message = refused(() -> Bodies.json(utf8(body), false)).getMessage();
            assertTrue(message.startsWith("malformed JSON at line 1, column "), body + " -> " + message);
            assertTrue(!message.contains("Source") && !message.contains("REDACTED")
                    && !message.contains("starting at"), body + " -> " + message);
        }
    }

    @Test
    void jsonInstancesAreRead() {
        Bodies.Batch b = Bodies.json(utf8("{\"instances\": [[1, 2.5, -3e2], [0, 0, 0]], \"extra\": {\"a\": [1]}}"),
                false);
        assertEquals(2, b.instances().length);
        assertArrayEquals(new float[] {1f, 2.5f, -300f}, b.instances()[0]);
        assertNull(b.labels());
    }

    @Test
    void labelsAreReadAsNumbersOrBooleans() {
        Bodies.Batch b = Bodies.json(utf8("{\"labels\": [0, 1, true, false], \"instances\": [[1],[2],[3],[4]]}"),
                true);
        assertArrayEquals(new int[] {0, 1, 1, 0}, b.labels());
        ApiException e = refused(() -> Bodies.json(utf8("{\"instances\": [[1]], \"labels\": [2]}"), true));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains("labels[0]"), e.getMessage());
        ApiException missing = refused(() -> Bodies.json(utf8("{\"instances\": [[1]]}"), true));
        assertTrue(missing.getMessage().contains("\"labels\""), missing.getMessage());
    }

    @Test
    void malformedJsonIs400NamingLineAndColumn() {
        ApiException e = refused(() -> Bodies.json(utf8("{\"instances\": [[1, 2]\n  [3]]}"), false));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().startsWith("malformed JSON at line 2, column 3"), e.getMessage());
        assertTrue(!e.getMessage().contains("Source"), e.getMessage());
        ApiException truncated = refused(() -> Bodies.json(utf8("{\"instances\": [[1, 2]"), false));
        assertTrue(truncated.getMessage().startsWith("malformed JSON"), truncated.getMessage());
        ApiException trailing = refused(() -> Bodies.json(utf8("{\"instances\": [[1]]} {}"), false));
        assertTrue(trailing.getMessage().contains("more content"), trailing.getMessage());
        ApiException nan = refused(() -> Bodies.json(utf8("{\"instances\": [[NaN]]}"), false));
        assertTrue(nan.getMessage().startsWith("malformed JSON"), nan.getMessage());
    }

    @Test
    void wrongJsonShapesNameTheRowAndValue() {
        ApiException notArray = refused(() -> Bodies.json(utf8("{\"instances\": [[1], 2]}"), false));
        assertTrue(notArray.getMessage().startsWith("instances[1] must be an array of numbers"),
                notArray.getMessage());
        ApiException string = refused(() -> Bodies.json(utf8("{\"instances\": [[1, \"x\"]]}"), false));
        assertTrue(string.getMessage().startsWith("instances[0][1] must be a number, not the string \"x\""),
                string.getMessage());
        assertTrue(string.getMessage().contains("line 1"), string.getMessage());
        ApiException nul = refused(() -> Bodies.json(utf8("{\"instances\": [[null]]}"), false));
        assertTrue(nul.getMessage().contains("not null"), nul.getMessage());
        ApiException root = refused(() -> Bodies.json(utf8("[[1, 2]]"), false));
        assertTrue(root.getMessage().contains("JSON object"), root.getMessage());
        ApiException none = refused(() -> Bodies.json(utf8("{\"rows\": [[1]]}"), false));
        assertTrue(none.getMessage().contains("no \"instances\""), none.getMessage());
        ApiException scalar = refused(() -> Bodies.json(utf8("{\"instances\": 3}"), false));
        assertTrue(scalar.getMessage().contains("must be an array of rows"), scalar.getMessage());
    }

    @Test
    void emptyBodyIs400() {
        ApiException e = refused(() -> Bodies.samples(new byte[0], "application/json", false));
        assertEquals(400, e.status());
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
    }

    // ------------------------------------------------------------------ CSV

    @Test
    void csvWithAndWithoutHeader() {
        float[][] withHeader = Bodies.csv(utf8("a,b,c\r\n1,2,3\r\n\r\n4.5,-6,7e-1\r\n"));
        assertEquals(2, withHeader.length);
        assertArrayEquals(new float[] {4.5f, -6f, 0.7f}, withHeader[1]);
        float[][] plain = Bodies.csv(utf8("\uFEFF1,2,3\n\"4\", 5 ,6"));
        assertArrayEquals(new float[] {1, 2, 3}, plain[0]);
        assertArrayEquals(new float[] {4, 5, 6}, plain[1]);
    }

    @Test
    void csvNonFiniteValuesPassToThePipelineWhichNamesThem() {
        float[][] rows = Bodies.csv(utf8("1,NaN,-Infinity"));
        assertTrue(Float.isNaN(rows[0][1]));
        assertEquals(Float.NEGATIVE_INFINITY, rows[0][2]);
    }

    @Test
    void badCsvIs400NamingLineAndColumn() {
        ApiException word = refused(() -> Bodies.csv(utf8("a,b\n1,2\n3,x\n")));
        assertEquals(400, word.status());
        assertEquals("CSV line 3, column 2: 'x' is not a number", word.getMessage());
        ApiException empty = refused(() -> Bodies.csv(utf8("1,2\n3,\n")));
        assertEquals("CSV line 2, column 2 is empty", empty.getMessage());
        ApiException ragged = refused(() -> Bodies.csv(utf8("h1,h2\n1,2\n3,4,5\n")));
        assertEquals("CSV line 3 has 3 values; line 2 has 2", ragged.getMessage());
        ApiException headerOnly = refused(() -> Bodies.csv(utf8("a,b\n")));
        assertTrue(headerOnly.getMessage().contains("no data rows"), headerOnly.getMessage());
        ApiException binary = refused(() -> Bodies.csv(new byte[] {(byte) 0xff, (byte) 0xfe, 0x31}));
        assertTrue(binary.getMessage().contains("UTF-8"), binary.getMessage());
        ApiException hex = refused(() -> Bodies.csv(utf8("1,2\n1,0x10")));
        assertTrue(hex.getMessage().contains("column 2"), hex.getMessage());
    }

    @Test
    void csvMediaTypesPickTheCsvParser() {
        assertEquals(1, Bodies.samples(utf8("1,2"), "text/csv", false).instances().length);
        assertEquals(1, Bodies.samples(utf8("1,2"), "application/csv", false).instances().length);
        ApiException json = refused(() -> Bodies.samples(utf8("1,2"), "application/json", false));
        assertTrue(json.getMessage().startsWith("malformed JSON") || json.getMessage().contains("JSON object"),
                json.getMessage());
        ApiException evaluateCsv = refused(() -> Bodies.samples(utf8("1,2"), "text/csv", true));
        assertEquals(415, evaluateCsv.status());
    }

    // ------------------------------------------------------------------ size limit

    @Test
    void bodiesWithinTheLimitAreRead() throws IOException {
        assertArrayEquals(utf8("12345"), Bodies.read(request(utf8("12345"), 5), 5));
        assertArrayEquals(utf8("12345"), Bodies.read(request(utf8("12345"), -1), 5));
    }

    @Test
    void aDeclaredLengthOverTheLimitIs413BeforeReading() {
        ByteArrayInputStream never = new ByteArrayInputStream(new byte[0]) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                throw new AssertionError("the body must not be read");
            }
        };
        ApiException e = assertThrows(ApiException.class,
                () -> Bodies.read(new Request("POST", "/x", h -> null, 11, never), 10));
        assertEquals(413, e.status());
        assertTrue(e.getMessage().contains("11 bytes") && e.getMessage().contains("10 bytes"), e.getMessage());
    }

    @Test
    void anUndeclaredBodyOverTheLimitIs413() {
        ApiException e = assertThrows(ApiException.class, () -> Bodies.read(request(new byte[100_000], -1), 70_000));
        assertEquals(413, e.status());
        assertTrue(e.getMessage().contains("max.request.bytes"), e.getMessage());
    }
}
