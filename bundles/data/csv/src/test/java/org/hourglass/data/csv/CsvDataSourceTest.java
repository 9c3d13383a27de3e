package org.hourglass.data.csv;

import org.hourglass.testing.Configs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.hourglass.data.paths.DataPaths;
import org.hourglass.spi.DataException;
import org.hourglass.spi.Dataset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The component without a framework: configuration in, options applied on load. */
class CsvDataSourceTest {

    @TempDir
    Path dir;

    Path file;

    @BeforeEach
    void file() throws Exception {
        file = Files.writeString(dir.resolve("d.csv"), "f1;cls;f2\n0;0;1\n10;1;11\n20;2;21\n30;0;31\n40;1;41\n");
    }

    private CsvDataSource source(Map<String, Object> extra) {
        Map<String, Object> c = new HashMap<>(Map.of("hourglass_name", "table", "path", file.toString(),
                "label_column", "cls", "separator", ";"));
        c.putAll(extra);
        return new CsvDataSource(Configs.of(CsvDataSource.Config.class, c), DataPaths.unrestricted());
    }

    @Test
    void readsWithLabelColumnAndSelection() {
        Dataset d = source(Map.of()).load();
        assertArrayEquals(new float[] {0, 1, 10, 11, 20, 21, 30, 31, 40, 41}, d.samples().values());
        assertArrayEquals(new int[] {0, 1, 2, 0, 1}, d.labels());
        Dataset only = source(Map.of("columns", new String[] {"f2"}, "label_column", "")).load();
        assertArrayEquals(new float[] {1, 11, 21, 31, 41}, only.samples().values());
        assertEquals(null, only.labels());
    }

    @Test
    void classFilterAndNormalClasses() {
        Dataset d = source(Map.of("classes", new int[] {1, 2})).load();
        assertArrayEquals(new float[] {10, 11, 20, 21, 40, 41}, d.samples().values());
        Dataset binary = source(Map.of("normal_classes", new int[] {0})).load();
        assertArrayEquals(new int[] {0, 1, 1, 0, 1}, binary.labels());
        Dataset both = source(Map.of("classes", new int[] {0, 2}, "normal_classes", new int[] {0})).load();
        assertArrayEquals(new int[] {0, 1, 0}, both.labels());
    }

    @Test
    void splitAndLimit() {
        assertEquals(4, source(Map.of("split_part", "first")).load().count());
        assertArrayEquals(new float[] {40, 41}, source(Map.of("split_part", "rest")).load().samples().values());
        assertEquals(3, source(Map.of("limit", 3)).load().count());
    }

    @Test
    void readsTheFileAgainOnEachLoad() throws Exception {
        CsvDataSource s = source(Map.of());
        assertEquals(5, s.load().count());
        Files.writeString(file, "f1;cls;f2\n7;1;8\n");
        assertArrayEquals(new float[] {7, 8}, s.load().samples().values());
        Files.writeString(file, "f1;cls;f2\n7;x;8\n");
        DataException e = assertThrows(DataException.class, s::load);
        assertTrue(e.getMessage().contains(file + ": line 2, label column 'cls'"), e.getMessage());
    }

    @Test
    void badConfigurationFailsActivationNamingTheAttribute() {
        assertMessage("'hourglass.name' is required", Map.of("hourglass_name", ""));
        assertMessage("'path' is required", Map.of("path", "  "));
        assertMessage("'separator' must be one character", Map.of("separator", "::"));
        assertMessage("'columns' contains a blank column name", Map.of("columns", new String[] {"f1", ""}));
        assertMessage("'split.part' must be all, first or rest", Map.of("split_part", "half"));
        assertMessage("'limit' must be >= 0", Map.of("limit", -5));
    }

    private void assertMessage(String expected, Map<String, Object> config) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> source(config));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void aFileOutsideTheDataDirectoriesIsRefusedNamingTheAttribute() throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        Map<String, Object> c = new HashMap<>(Map.of("hourglass_name", "table", "path", file.toString(),
                "label_column", "cls", "separator", ";"));
        DataPaths policy = DataPaths.of(Map.of(DataPaths.DIRS, data.toString())::get);
        DataException e = assertThrows(DataException.class,
                () -> new CsvDataSource(Configs.of(CsvDataSource.Config.class, c), policy).load());
        assertTrue(e.getMessage().startsWith("attribute 'path': " + file + " is outside"), e.getMessage());
        c.put("path", Files.copy(file, data.resolve("inside.csv")).toString());
        assertEquals(5, new CsvDataSource(Configs.of(CsvDataSource.Config.class, c), policy).load().count());
    }
}
