package org.hourglass.itest.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.hourglass.itest.Configurations;
import org.hourglass.spi.DataException;
import org.hourglass.spi.DataSource;
import org.hourglass.spi.Dataset;
import org.hourglass.spi.InputSpec;
import org.hourglass.spi.PluginProperties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

/** The three data sources inside a real framework, configured through ConfigurationAdmin as the console does. */
class DataSourcesTest {

    @InjectBundleContext
    BundleContext context;

    @InjectService(timeout = 10_000)
    ConfigurationAdmin configAdmin;

    @InjectService(timeout = 10_000)
    ServiceComponentRuntime scr;

    @TempDir
    Path dir;

    private Configurations configurations;

    @AfterEach
    void deleteConfigurations() throws Exception {
        if (configurations != null) {
            configurations.close();
        }
    }

    private void configure(String factoryPid, String name, Object... keyValues) throws Exception {
        if (configurations == null) {
            configurations = new Configurations(configAdmin);
        }
        configurations.factory(factoryPid, name, keyValues);
    }

    private DataSource await(String name) throws Exception {
        return Configurations.await(context, DataSource.class, name, TimeUnit.SECONDS.toMillis(10));
    }

    @Test
    void idxGzippedWithLabelsAndNormalClasses() throws Exception {
        Path images = Files.write(dir.resolve("images.idx"), gzip(idx(0x08, new int[] {3, 2, 2},
                0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255)));
        Path labels = Files.write(dir.resolve("labels.idx"), idx(0x08, new int[] {3}, 5, 1, 5));
        configure("org.hourglass.data.idx", "itest-idx", "images", images.toString(), "labels", labels.toString(),
                "normal.classes", new Integer[] {5});
        Dataset d = await("itest-idx").load();
        assertEquals(InputSpec.of(2, 2), d.spec());
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255}, d.samples().values());
        assertArrayEquals(new int[] {0, 1, 0}, d.labels());
    }

    @Test
    void csvWithLabelColumnColumnSelectionAndClassFilter() throws Exception {
        Path csv = Files.writeString(dir.resolve("table.csv"), "a,b,y,c\n1,2,0,3\n4,5,1,6\n7,8,0,9\n");
        configure("org.hourglass.data.csv", "itest-csv", "path", csv.toString(), "label.column", "y",
                "columns", new String[] {"c", "a"}, "classes", new Integer[] {0});
        Dataset d = await("itest-csv").load();
        assertEquals(InputSpec.of(2), d.spec());
        assertArrayEquals(new float[] {3, 1, 9, 7}, d.samples().values());
        assertArrayEquals(new int[] {0, 0}, d.labels());
    }

    @Test
    void npyWithLabelsAndSplit() throws Exception {
        Path data = Files.write(dir.resolve("x.npy"), npy("<f4", "(4, 2)", encodeF4(0, 1, 10, 11, 20, 21, 30, 31)));
        Path labels = Files.write(dir.resolve("y.npy"), npy("<i8", "(4,)", encodeI8(1, 2, 3, 4)));
        configure("org.hourglass.data.npy", "itest-npy", "path", data.toString(), "labels", labels.toString(),
                "split.part", "rest", "split.fraction", 0.5);
        Dataset d = await("itest-npy").load();
        assertEquals(InputSpec.of(2), d.spec());
        assertArrayEquals(new float[] {20, 21, 30, 31}, d.samples().values());
        assertArrayEquals(new int[] {3, 4}, d.labels());
    }

    @Test
    void badFileGivesDataExceptionNamingTheFile() throws Exception {
        Path notNpy = Files.writeString(dir.resolve("not-really.npy"), "just text");
        configure("org.hourglass.data.npy", "itest-bad-npy", "path", notNpy.toString());
        DataException e = assertThrows(DataException.class, () -> await("itest-bad-npy").load());
        assertTrue(e.getMessage().contains(notNpy.toString()) && e.getMessage().contains("wrong magic"),
                e.getMessage());

        Path badCsv = Files.writeString(dir.resolve("bad.csv"), "a,b\n1,2\n3,x\n");
        configure("org.hourglass.data.csv", "itest-bad-csv", "path", badCsv.toString());
        e = assertThrows(DataException.class, () -> await("itest-bad-csv").load());
        assertTrue(e.getMessage().contains(badCsv + ": line 3, column 'b'"), e.getMessage());
    }

    @Test
    void badOptionFailsActivationNamingTheAttribute() throws Exception {
        configure("org.hourglass.data.idx", "itest-bad-option", "images", "/nowhere.idx", "split.part", "middle");
        Bundle bundle = Arrays.stream(context.getBundles())
                .filter(b -> "org.hourglass.data.idx".equals(b.getSymbolicName())).findFirst().orElseThrow();
        ComponentDescriptionDTO description = scr.getComponentDescriptionDTO(bundle,
                "org.hourglass.data.idx.IdxDataSource");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            ComponentConfigurationDTO failed = scr.getComponentConfigurationDTOs(description).stream()
                    .filter(c -> "itest-bad-option".equals(c.properties.get(PluginProperties.NAME)))
                    .filter(c -> c.state == ComponentConfigurationDTO.FAILED_ACTIVATION).findFirst().orElse(null);
            if (failed != null) {
                assertTrue(failed.failure.contains("'split.part'"), failed.failure);
                break;
            }
            assertTrue(System.nanoTime() < end, "configuration with split.part=middle did not fail activation");
            Thread.sleep(20);
        }
        // SCR may keep the failed immediate component's service registered; it must not hand out an instance.
        for (ServiceReference<DataSource> ref : context.getServiceReferences(DataSource.class,
                "(hourglass.name=itest-bad-option)")) {
            assertNull(context.getService(ref), "a DataSource with split.part=middle was handed out");
            context.ungetService(ref);
        }
    }

    // Minimal writers for the three formats; the bundles' unit tests cover the formats in depth.

    private static byte[] idx(int type, int[] dims, int... values) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + values.length);
        b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
        for (int d : dims) {
            b.putInt(d);
        }
        for (int v : values) {
            b.put((byte) v);
        }
        return b.array();
    }

    private static byte[] gzip(byte[] data) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    private static byte[] npy(String descr, String shape, byte[] data) {
        StringBuilder h = new StringBuilder("{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape
                + ", }");
        while ((10 + h.length() + 1) % 64 != 0) {
            h.append(' ');
        }
        byte[] header = h.append('\n').toString().getBytes(StandardCharsets.ISO_8859_1);
        return ByteBuffer.allocate(10 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0)
                .putShort((short) header.length).put(header).put(data).array();
    }

    private static byte[] encodeF4(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    private static byte[] encodeI8(long... values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        return b.array();
    }
}
