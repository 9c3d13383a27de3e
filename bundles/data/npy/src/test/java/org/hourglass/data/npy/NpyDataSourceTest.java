package org.hourglass.data.npy;

import org.hourglass.testing.Configs;
import static org.hourglass.data.npy.NpyFiles.npy;
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
class NpyDataSourceTest {

    @TempDir
    Path dir;

    Path data;
    Path labels;

    @BeforeEach
    void files() throws Exception {
        data = Files.write(dir.resolve("x.npy"), npy("<f4", "(4, 2)", 0, 1, 10, 11, 20, 21, 30, 31));
        labels = Files.write(dir.resolve("y.npy"), npy("<i8", "(4,)", 3, 5, 3, 7));
    }

    private NpyDataSource source(Map<String, Object> extra) {
        Map<String, Object> c = new HashMap<>(Map.of("hourglass_name", "arrays", "path", data.toString(),
                "labels", labels.toString()));
        c.putAll(extra);
        return new NpyDataSource(Configs.of(NpyDataSource.Config.class, c), DataPaths.unrestricted());
    }

    @Test
    void classFilterAndNormalClasses() {
        Dataset d = source(Map.of("classes", new int[] {3})).load();
        assertArrayEquals(new float[] {0, 1, 20, 21}, d.samples().values());
        assertArrayEquals(new int[] {3, 3}, d.labels());
        assertArrayEquals(new int[] {0, 1, 0, 1}, source(Map.of("normal_classes", new int[] {3})).load().labels());
    }

    @Test
    void shuffleIsSeededAndSplitPartsAreDisjoint() {
        Dataset first = source(Map.of("shuffle", true, "seed", 42L, "split_part", "first", "split_fraction", 0.5))
                .load();
        Dataset rest = source(Map.of("shuffle", true, "seed", 42L, "split_part", "rest", "split_fraction", 0.5))
                .load();
        assertEquals(2, first.count());
        assertEquals(2, rest.count());
        float[] all = new float[4];
        for (int i = 0; i < 2; i++) {
            all[i] = first.samples().row(i)[0];
            all[2 + i] = rest.samples().row(i)[0];
        }
        java.util.Arrays.sort(all);
        assertArrayEquals(new float[] {0, 10, 20, 30}, all);
    }

    @Test
    void withoutLabelsAndWithLimit() {
        Dataset d = source(Map.of("labels", "", "limit", 1)).load();
        assertArrayEquals(new float[] {0, 1}, d.samples().values());
        assertEquals(null, d.labels());
        DataException e = assertThrows(DataException.class,
                () -> source(Map.of("labels", "", "normal_classes", new int[] {1})).load());
        assertTrue(e.getMessage().contains("'normal.classes' needs labels"), e.getMessage());
    }

    @Test
    void badConfigurationFailsActivationNamingTheAttribute() {
        assertMessage("'hourglass.name' is required", Map.of("hourglass_name", "\t"));
        assertMessage("'path' is required", Map.of("path", ""));
        assertMessage("'split.fraction' must be > 0 and < 1", Map.of("split_part", "rest", "split_fraction", 0.0));
        assertMessage("'split.part' must be all, first or rest", Map.of("split_part", ""));
    }

    private void assertMessage(String expected, Map<String, Object> config) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> source(config));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void aFileOutsideTheDataDirectoriesIsRefusedNamingTheAttribute() throws Exception {
        Path inside = Files.createDirectories(dir.resolve("inside"));
        DataPaths policy = DataPaths.of(Map.of(DataPaths.DIRS, inside.toString())::get);
        Map<String, Object> c = new HashMap<>(Map.of("hourglass_name", "arrays", "path", data.toString()));
        DataException e = assertThrows(DataException.class,
                () -> new NpyDataSource(Configs.of(NpyDataSource.Config.class, c), policy).load());
        assertTrue(e.getMessage().startsWith("attribute 'path': " + data + " is outside"), e.getMessage());
        c.put("path", Files.copy(data, inside.resolve("x.npy")).toString());
        assertEquals(4, new NpyDataSource(Configs.of(NpyDataSource.Config.class, c), policy).load().count());
    }
}
