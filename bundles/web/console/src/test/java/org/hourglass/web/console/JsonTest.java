package org.hourglass.web.console;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void writesValuesAndEscapes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "a\"b\\c\n</script>");
        m.put("n", 3);
        m.put("d", 0.5);
        m.put("nan", Double.NaN);
        m.put("list", Arrays.asList(1.0, Double.POSITIVE_INFINITY, null));
        m.put("b", true);
        m.put("html", new Html("<svg/>"));
        assertEquals("{\"s\":\"a\\\"b\\\\c\\n\\u003C/script\\u003E\",\"n\":3,\"d\":0.5,\"nan\":null,"
                + "\"list\":[1.0,null,null],\"b\":true,\"html\":\"\\u003Csvg/\\u003E\"}", Json.write(m));
        assertEquals("[]", Json.write(List.of()));
        assertEquals("\"\\u0001 \\u0026 \\u2028\"", Json.write("\u0001 & \u2028"));
        assertEquals("{\"x\":1.5,\"y\":null,\"f\":null,\"d\":[0.25,null],\"g\":[null,2.0]}",
                Json.write(new Point(1.5, Double.NaN, Float.NEGATIVE_INFINITY, new double[] {0.25, Double.NaN},
                        new float[] {Float.POSITIVE_INFINITY, 2})));
    }

    /** Records are written as they are, non-finite numbers (primitive, boxed, in arrays) as null. */
    record Point(double x, Double y, float f, double[] d, float[] g) {
    }
}
