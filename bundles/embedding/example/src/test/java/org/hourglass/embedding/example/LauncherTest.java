package org.hourglass.embedding.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hourglass.api.pipeline.Pipeline;
import org.hourglass.launcher.Hourglass;
import org.hourglass.launcher.HourglassException;
import org.hourglass.launcher.HourglassPlatform;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;

/** The launcher's answers when something is missing, and a second platform in the same JVM. */
class LauncherTest {

    @TempDir
    Path work;

    @Test
    void explainsMissingAndWaitingPipelinesAndStopsWithItsTemporaryStorage() throws Exception {
        Set<Thread> before = Threads.nonDaemon();
        HourglassPlatform hourglass = Hourglass.builder().bundles(FashionMnistExampleTest.BUNDLES)
                .modelDir(work.resolve("models")).start();
        Path storage = Path.of(hourglass.bundleContext().getProperty("org.osgi.framework.storage"));
        try {
            Bundle api = List.of(hourglass.bundleContext().getBundles()).stream()
                    .filter(b -> "org.hourglass.api".equals(b.getSymbolicName())).findFirst().orElseThrow();
            assertEquals(Bundle.ACTIVE, api.getState());
            assertTrue(hourglass.pipelines().isEmpty());

            HourglassException e = assertThrows(HourglassException.class,
                    () -> hourglass.pipeline("nope", Duration.ofMillis(300)));
            assertTrue(e.getMessage().contains("no configuration of org.hourglass.pipeline names it"), e.getMessage());

            hourglass.configure(Pipeline.FACTORY_PID, "lonely", Map.of("family", "absent", "training.data", "none"));
            e = assertThrows(HourglassException.class, () -> hourglass.pipeline("lonely", Duration.ofSeconds(2)));
            assertTrue(e.getMessage().contains("still WAITING") && e.getMessage().contains("family 'absent'"),
                    e.getMessage());
            assertEquals(List.of("lonely"), hourglass.pipelines());
            assertTrue(hourglass.findPipeline("lonely").isPresent());

            assertTrue(hourglass.removeConfiguration(Pipeline.FACTORY_PID, "lonely"));
            assertFalse(hourglass.removeConfiguration(Pipeline.FACTORY_PID, "lonely"));
        } finally {
            hourglass.close();
        }
        hourglass.close(); // idempotent
        assertFalse(Files.exists(storage), "the temporary framework storage is removed");
        assertTrue(Threads.awaitGone(before, Duration.ofSeconds(5)).isEmpty());
    }

    /** Configurations may hold secrets: the storage folder is its owner's only, even one that existed open. */
    @Test
    void frameworkStorageIsReadableByItsOwnerOnly() throws Exception {
        Path given = Files.createDirectories(work.resolve("framework"));
        Files.setPosixFilePermissions(given, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        try (HourglassPlatform hourglass = Hourglass.builder().bundles(FashionMnistExampleTest.BUNDLES)
                .storage(given).modelDir(work.resolve("models")).start()) {
            assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(given)));
        }
        try (HourglassPlatform hourglass = Hourglass.builder().bundles(FashionMnistExampleTest.BUNDLES)
                .modelDir(work.resolve("models")).start()) {
            Path temporary = Path.of(hourglass.bundleContext().getProperty("org.osgi.framework.storage"));
            assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(temporary)));
        }
    }
}
