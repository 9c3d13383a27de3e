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
        assertEquals("{\"s\":\"a\\\"b\\\\c\\n\\u003c/script\\u003e\",\"n\":3,\"d\":0.5,\"nan\":null,"
                + "\"list\":[1.0,null,null],\"b\":true,\"html\":\"\\u003csvg/\\u003e\"}", Json.write(m));
        assertEquals("[]", Json.write(List.of()));
        assertEquals("\"\\u0001\"", Json.write("\u0001"));
    }
}
