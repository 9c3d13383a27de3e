package org.hourglass.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BrokenJarReporterTest {

    @TempDir
    Path dir;

    private final BrokenJarReporter reporter = new BrokenJarReporter();

    @Test
    void namesWhatIsWrongWithEachKindOfBrokenJar() throws IOException {
        Path empty = Files.createFile(dir.resolve("empty.jar"));
        Path noise = dir.resolve("noise.jar");
        byte[] bytes = new byte[3000];
        new Random(1).nextBytes(bytes);
        Files.write(noise, bytes);
        Path truncated = dir.resolve("truncated.jar");
        byte[] bundle = Files.readAllBytes(jar(dir.resolve("whole.jar"), "org.example.whole"));
        Files.write(truncated, java.util.Arrays.copyOf(bundle, bundle.length / 2));
        Path library = jar(dir.resolve("library.jar"), null);
        Path bare = dir.resolve("bare.jar");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(bare))) {
            zip.putNextEntry(new ZipEntry("a.txt"));
            zip.write('a');
        }

        assertEquals("the file is empty (0 bytes)", BrokenJarReporter.problem(empty.toFile()));
        assertTrue(BrokenJarReporter.problem(noise.toFile())
                        .startsWith("it is not a readable JAR (zip) file (ZipException"),
                BrokenJarReporter.problem(noise.toFile()));
        assertTrue(BrokenJarReporter.problem(noise.toFile()).contains("3000 bytes"));
        assertTrue(BrokenJarReporter.problem(truncated.toFile()).startsWith("it is not a readable JAR"),
                BrokenJarReporter.problem(truncated.toFile()));
        assertEquals("its manifest has no Bundle-SymbolicName, so it is not an OSGi bundle (a plain library?)",
                BrokenJarReporter.problem(library.toFile()));
        assertEquals("it has no META-INF/MANIFEST.MF, so it is not an OSGi bundle",
                BrokenJarReporter.problem(bare.toFile()));
        for (Path broken : new Path[] {empty, noise, truncated, library, bare}) {
            assertFalse(reporter.canHandle(broken.toFile()), "never taken from FileInstall: " + broken);
        }
    }

    @Test
    void reportsABrokenJarOncePerStateAndForgetsItWhenFixed() throws IOException {
        Path jar = Files.createFile(dir.resolve("plugin.jar"));
        assertEquals("the file is empty (0 bytes)", reporter.newProblem(jar.toFile()));
        assertNull(reporter.newProblem(jar.toFile()), "FileInstall asks again on every poll: said once");
        Files.write(jar, new byte[] {1, 2, 3});
        assertTrue(reporter.newProblem(jar.toFile()).startsWith("it is not a readable JAR"), "changed: said again");
        assertNull(reporter.newProblem(jar.toFile()));
        jar(jar, "org.example.plugin");
        assertNull(reporter.newProblem(jar.toFile()), "fixed: nothing to say");
        Files.write(jar, new byte[0]);
        assertEquals("the file is empty (0 bytes)", reporter.newProblem(jar.toFile()), "broken again: said again");
        assertNull(reporter.newProblem(Files.writeString(dir.resolve("a.cfg"), "x=1").toFile()), "not a jar");
    }

    @Test
    void leavesBundlesAndOtherFilesToFileInstall() throws IOException {
        Path bundle = jar(dir.resolve("good.jar"), "org.example.good");
        assertNull(BrokenJarReporter.problem(bundle.toFile()));
        assertFalse(reporter.canHandle(bundle.toFile()), "a valid bundle is FileInstall's");
        Path config = Files.writeString(dir.resolve("org.example.cfg"), "a=1\n");
        assertFalse(reporter.canHandle(config.toFile()), "configurations are not jars");
    }

    /** A jar with a manifest; with a Bundle-SymbolicName when {@code symbolicName} is not null. */
    private static Path jar(Path file, String symbolicName) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (symbolicName != null) {
            manifest.getMainAttributes().putValue("Bundle-ManifestVersion", "2");
            manifest.getMainAttributes().putValue("Bundle-SymbolicName", symbolicName);
        }
        try (OutputStream out = Files.newOutputStream(file); JarOutputStream jar = new JarOutputStream(out, manifest)) {
            jar.putNextEntry(new ZipEntry("org/example/A.txt"));
            jar.write(new byte[2048]);
        }
        return file;
    }
}
