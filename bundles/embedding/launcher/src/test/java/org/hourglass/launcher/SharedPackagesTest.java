package org.hourglass.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.hourglass.api.pipeline.Pipeline;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.cm.ConfigurationAdmin;

class SharedPackagesTest {

    @Test
    void readsTheVersionOfOnePackageFromAnExportHeader() {
        String header = "org.hourglass.api.executor;version=\"1.0.0\";uses:=\"ai.onnx.proto,ai.onnxruntime\","
                + "org.hourglass.api.pipeline;version=\"1.2.0\",a.b;c.d;version=3";
        assertEquals("1.2.0", SharedPackages.versionIn(header, "org.hourglass.api.pipeline"));
        assertEquals("1.0.0", SharedPackages.versionIn(header, "org.hourglass.api.executor"));
        assertEquals("3", SharedPackages.versionIn(header, "c.d"));
        assertNull(SharedPackages.versionIn(header, "ai.onnxruntime"), "a package named only in uses:= is no export");
        assertEquals("0.0.0", SharedPackages.versionIn("x.y", "x.y"));
    }

    @Test
    void sharesTheApiAtTheVersionItsJarExports() {
        // The api jar's own export (its minor version moves as the API grows), then ConfigAdmin's.
        String clauses = SharedPackages.clauses(List.of(Pipeline.class, ConfigurationAdmin.class));
        assertTrue(clauses.matches("org\\.hourglass\\.api\\.pipeline;version=1\\.\\d+\\.\\d+,"
                + "org\\.osgi\\.service\\.cm;version=1\\.6\\.1"), clauses);
    }

    @Test
    void escapesFilterValues() {
        assertEquals("a\\(b\\)\\*\\\\", HourglassPlatform.escape("a(b)*\\"));
    }

    @Test
    void refusesMissingBundleFolders(@TempDir Path empty) {
        HourglassException e = assertThrows(HourglassException.class,
                () -> Hourglass.builder().bundles(empty.resolve("nothing")));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        e = assertThrows(HourglassException.class, () -> Hourglass.builder().bundles(empty));
        assertTrue(e.getMessage().contains("has no jars"), e.getMessage());
        e = assertThrows(HourglassException.class, () -> Hourglass.builder().start());
        assertTrue(e.getMessage().contains("no bundles"), e.getMessage());
    }
}
