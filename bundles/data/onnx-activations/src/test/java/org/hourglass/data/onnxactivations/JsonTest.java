package org.hourglass.data.onnxactivations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void valuesOfEveryKind() {
        Object v = Json.parse(" {\"a\": [1, -2.5e1, true, false, null], \"b\\u00e9\\n\": {\"c\": \"x\\\"y\"}, "
                + "\"e\": {}, \"f\": []} ");
        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals(Arrays.asList(1.0, -25.0, true, false, null), m.get("a"));
        assertEquals(Map.of("c", "x\"y"), m.get("bé\n"));
        assertEquals(Map.of(), m.get("e"));
        assertEquals(List.of(), m.get("f"));
    }

    @Test
    void brokenTextNamesThePlace() {
        for (String bad : List.of("{\"a\" 1}", "[1, 2", "{\"a\": tru}", "\"abc", "{} x", "{\"a\": \"\\q\"}")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse(bad), bad);
            assertTrue(e.getMessage().contains("at character"), e.getMessage());
        }
    }
}
