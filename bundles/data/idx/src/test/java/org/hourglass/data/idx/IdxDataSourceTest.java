package org.hourglass.data.idx;

import org.hourglass.testing.Configs;
import static org.hourglass.data.idx.IdxFiles.idx;
import static org.hourglass.data.idx.IdxFiles.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
class IdxDataSourceTest {

    @TempDir
    Path dir;

    Path images;
    Path labels;

    @BeforeEach
    void files() throws Exception {
        // Sample i has the single value i*10; labels cycle 0, 1, 2.
        images = write(dir.resolve("images"), idx(0x08, new int[] {6, 1}, 0, 10, 20, 30, 40, 50));
        labels = write(dir.resolve("labels"), idx(0x08, new int[] {6}, 0, 1, 2, 0, 1, 2));
    }

    private IdxDataSource source(Map<String, Object> extra) {
        Map<String, Object> c = new HashMap<>(Map.of("hourglass_name", "mnist", "images", images.toString(),
                "labels", labels.toString()));
        c.putAll(extra);
        return new IdxDataSource(Configs.of(IdxDataSource.Config.class, c), DataPaths.unrestricted());
    }

    @Test
    void defaultsYieldEverythingInFileOrder() {
        Dataset d = source(Map.of()).load();
        assertArrayEquals(new float[] {0, 10, 20, 30, 40, 50}, d.samples().values());
        assertArrayEquals(new int[] {0, 1, 2, 0, 1, 2}, d.labels());
    }

    @Test
    void classFilterKeepsOnlyThoseClasses() {
        Dataset d = source(Map.of("classes", new int[] {2, 0})).load();
        assertArrayEquals(new float[] {0, 20, 30, 50}, d.samples().values());
        assertArrayEquals(new int[] {0, 2, 0, 2}, d.labels());
    }

    @Test
    void normalClassesBecomeZeroAndOthersOne() {
        Dataset d = source(Map.of("normal_classes", new int[] {1})).load();
        assertArrayEquals(new int[] {1, 0, 1, 1, 0, 1}, d.labels());
    }

    @Test
    void splitAndLimitAndShuffleApply() {
        assertArrayEquals(new float[] {0, 10, 20},
                source(Map.of("split_part", "first", "split_fraction", 0.5)).load().samples().values());
        assertArrayEquals(new float[] {30, 40, 50},
                source(Map.of("split_part", "rest", "split_fraction", 0.5)).load().samples().values());
        assertEquals(2, source(Map.of("limit", 2)).load().count());
        Dataset a = source(Map.of("shuffle", true, "seed", 7L)).load();
        Dataset b = source(Map.of("shuffle", true, "seed", 7L)).load();
        assertEquals(a, b);
        assertEquals(6, a.count());
    }

    @Test
    void readsTheFileAgainOnEachLoad() throws Exception {
        IdxDataSource s = source(Map.of("labels", ""));
        assertEquals(6, s.load().count());
        write(images, idx(0x08, new int[] {2, 1}, 5, 6));
        assertArrayEquals(new float[] {5, 6}, s.load().samples().values());
    }

    @Test
    void classesWithoutLabelsFailOnLoad() {
        DataException e = assertThrows(DataException.class,
                () -> source(Map.of("labels", "", "classes", new int[] {1})).load());
        assertTrue(e.getMessage().contains("'classes' needs labels"), e.getMessage());
    }

    @Test
    void badConfigurationFailsActivationNamingTheAttribute() {
        assertMessage("'hourglass.name' is required", Map.of("hourglass_name", " "));
        Map<String, Object> noName = new HashMap<>();
        noName.put("hourglass_name", null);
        assertMessage("'hourglass.name' is required", noName);
        assertMessage("'images' is required", Map.of("images", ""));
        assertMessage("'split.part' must be all, first or rest, was 'middle'", Map.of("split_part", "middle"));
        assertMessage("'split.fraction' must be > 0 and < 1", Map.of("split_part", "first", "split_fraction", 1.5));
        assertMessage("'limit' must be >= 0", Map.of("limit", -1));
    }

    private void assertMessage(String expected, Map<String, Object> config) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> source(config));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void filesOutsideTheDataDirectoriesAreRefusedNamingTheAttribute() throws Exception {
        java.nio.file.Path data = java.nio.file.Files.createDirectories(dir.resolve("data"));
        java.nio.file.Path inside = write(data.resolve("images"), idx(0x08, new int[] {2, 1}, 1, 2));
        DataPaths policy = DataPaths.of(Map.of(DataPaths.DIRS, data.toString())::get);
        Map<String, Object> c = new HashMap<>(Map.of("hourglass_name", "mnist", "images", inside.toString(),
                "labels", labels.toString()));
        IdxDataSource outsideLabels = new IdxDataSource(Configs.of(IdxDataSource.Config.class, c), policy);
        DataException e = assertThrows(DataException.class, outsideLabels::load);
        assertTrue(e.getMessage().startsWith("attribute 'labels': " + labels + " is outside"), e.getMessage());
        c.remove("labels");
        assertEquals(2, new IdxDataSource(Configs.of(IdxDataSource.Config.class, c), policy).load().count());
    }
}
