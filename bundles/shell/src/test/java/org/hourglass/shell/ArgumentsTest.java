package org.hourglass.shell;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ArgumentsTest {

    private static float[][] csv(String text) throws Exception {
        return CsvRows.parse(new StringReader(text), "in.csv");
    }

    @Test
    void csvWithAndWithoutHeader() throws Exception {
        assertArrayEquals(new float[][] {{1, 2}, {3, 4.5f}}, csv("a,b\r\n1,2\r\n\r\n3, 4.5\r\n"));
        assertArrayEquals(new float[][] {{1, 2}, {3, 4}}, csv("1,2\n3,4\n"));
        assertArrayEquals(new float[][] {{1}, {-2e-3f}}, csv("\"1\"\n-2e-3"));
    }

    @Test
    void quotedCommasAndLineBreaksStayInTheirCell() throws Exception {
        // A header whose names hold commas and a line break is one record of two names, not five cells on two lines.
        assertArrayEquals(new float[][] {{1, 2}, {3, 4}}, csv("\"weight, kg\",\"size\n(cm, rounded)\"\n1,2\n\"3\",4\n"));
        // A quoted comma in a row is one cell (refused as one value), so the row is not read as three values.
        assertEquals("in.csv line 2, column 1: '1,5' is not a number",
                assertThrows(UsageException.class, () -> csv("1,2\n\"1,5\",2\n")).getMessage());
        assertEquals("in.csv line 3 has 3 values, line 2 has 2",
                assertThrows(UsageException.class, () -> csv("\"a,b\",c\n1,2\n1,2,3\n")).getMessage());
        String malformed = assertThrows(UsageException.class, () -> csv("1,2\n1,\"2\"x\n")).getMessage();
        assertTrue(malformed.startsWith("in.csv: malformed CSV at line 2, column "), malformed);
    }

    @Test
    void csvErrorsNameLineAndColumn() {
        assertEquals("in.csv line 3, column 2: 'x' is not a number",
                assertThrows(UsageException.class, () -> csv("a,b\n1,2\n3,x\n")).getMessage());
        assertEquals("in.csv line 2 has 3 values, line 1 has 2",
                assertThrows(UsageException.class, () -> csv("1,2\n1,2,3\n")).getMessage());
        assertEquals("in.csv has no rows of numbers",
                assertThrows(UsageException.class, () -> csv("a,b\n")).getMessage());
        assertEquals("no such file: /nonexistent/rows.csv",
                assertThrows(UsageException.class, () -> CsvRows.read(Path.of("/nonexistent/rows.csv")))
                        .getMessage());
    }

    @Test
    void configArgumentsAreTextListsOrRemovals() throws Exception {
        Map<String, Object> m = ConfigArgs.parse(new String[] {"family=dense", "input.shape=1,28,28",
            "classes=[0, 1]", "empty=", "none=[]", "old!"});
        assertEquals("dense", m.get("family"));
        assertEquals("1,28,28", m.get("input.shape"));
        assertArrayEquals(new String[] {"0", "1"}, (String[]) m.get("classes"));
        assertEquals("", m.get("empty"));
        assertArrayEquals(new String[0], (String[]) m.get("none"));
        assertArrayEquals(new String[] {"a", "b,c", "d"},
                (String[]) ConfigArgs.parse(new String[] {"names=[a, \"b,c\" ,d]"}).get("names"));
        String open = assertThrows(UsageException.class, () -> ConfigArgs.parse(new String[] {"names=[a,\"b]"}))
                .getMessage();
        assertTrue(open.startsWith("'names': the list [a,\"b] is not comma-separated items (quote an item that holds "
                + "a comma: [a,\"b,c\"]): "), open);
        assertSame(ConfigArgs.REMOVE, m.get("old"));
        assertEquals("'latent' is not key=value (or key! to remove a key)",
                assertThrows(UsageException.class, () -> ConfigArgs.parse(new String[] {"latent"})).getMessage());
        assertThrows(UsageException.class, () -> ConfigArgs.parse(new String[] {"=1"}));
        assertThrows(UsageException.class, () -> ConfigArgs.parse(new String[] {"hourglass.name=x"}));
        assertEquals("[0, 1]", ConfigArgs.show(new int[] {0, 1}));
        assertEquals("[a, b]", ConfigArgs.show(new String[] {"a", "b"}));
        assertEquals(true, ConfigArgs.secret("api.Token"));
    }
}
