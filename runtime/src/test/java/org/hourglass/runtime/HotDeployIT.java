package org.hourglass.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Enumeration;
import java.util.List;
import java.util.UUID;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hot deployment of a plug-in as a user does it, against the exported server: a pipeline naming family
 * {@code shallow} waits for it; the sample plug-in's jar dropped into deploy/ makes it train; removing the jar
 * makes it wait again without touching the stored model; putting it back serves that model without retraining; a
 * new version of the same bundle keeps the model and notes the change in pipeline.json; a restart still serves it.
 */
class HotDeployIT {

    private static final Path SCRIPT = Path.of(System.getProperty("hourglass.script", "bin/hourglass"));
    private static final Path PLUGIN = Path.of(System.getProperty("hourglass.sample.plugin.jar"));
    private static final String PIPELINE = "hotdeploy";
    /** The whole line: while the server starts, longer lines list other plug-ins it still waits for. */
    private static final String WAITING = "Pipeline '" + PIPELINE + "' is waiting for family 'shallow'\n";
    private static final String TRAINED = "Pipeline '" + PIPELINE + "' trained in";
    private static final String TRAINING = "Pipeline '" + PIPELINE + "': training";
    private static final String SERVES = "Pipeline '" + PIPELINE + "' serves its stored model";
    private static final String KEPT = "(same configuration: the model was kept)";
    private static final Duration SOON = Duration.ofSeconds(20);

    @TempDir
    Path home;

    @Test
    void pluginComesGoesReturnsAndIsUpdatedWhileTheModelStays() throws Exception {
        assertTrue(Files.isRegularFile(DeployFiles.FASHION_MNIST.resolve("train-images-idx3-ubyte.gz")),
                "Fashion-MNIST is missing: apt-get install dataset-fashion-mnist");
        Path deploy = Files.createDirectories(home.resolve("deploy"));
        DeployFiles.fashionTraining(home, "hotdeploy-train", 7, 600);
        DeployFiles.config(home, "org.hourglass.pipeline-" + PIPELINE, "hourglass.name=" + PIPELINE,
                "family=shallow", "training.data=hotdeploy-train", "latent.size=16", "epochs=3", "batch.size=64",
                "auto.train=true");
        Path models = home.resolve("data/models/" + PIPELINE);
        Path record = models.resolve("pipeline.json");
        Path installed = deploy.resolve("shallow.jar");
        String password = UUID.randomUUID().toString();

        try (RunningServer server = RunningServer.start(SCRIPT, home, password, DeployFiles.withoutDemoData(home))) {
            server.await("the pipeline to wait for family 'shallow'", Duration.ofSeconds(60),
                    () -> server.occurrences(WAITING) == 1);

            place(PLUGIN, installed);
            server.await("the pipeline to train with the deployed family", Duration.ofSeconds(45),
                    () -> server.log().contains(TRAINED));
            assertTrue(Files.isRegularFile(record), "pipeline.json written");
            Path model = onlyModel(models);
            String recorded = Files.readString(record);
            assertTrue(recorded.contains("org.example.hourglass.family.shallow"), "the record names the bundle");

            Files.delete(installed);
            server.await("the pipeline to wait again once the jar is gone", SOON,
                    () -> server.occurrences(WAITING) == 2);
            assertEquals(recorded, Files.readString(record), "pipeline.json untouched while waiting");
            assertTrue(Files.isRegularFile(model), "the model file stays while waiting");

            place(PLUGIN, installed);
            server.await("the pipeline to serve its stored model again", SOON,
                    () -> server.occurrences(SERVES) == 1);
            assertEquals(1, server.occurrences(TRAINING), "no retraining when the plug-in comes back");

            Path newer = home.resolve("shallow-1.0.1.jar");
            withBundleVersion(PLUGIN, newer, "1.0.1");
            place(newer, installed);
            // The update restarts the plug-in's bundle; with the HTTP server on start level 2, FileInstall's refresh
            // may start it once more. Each start serves the same stored model: what counts is no retraining and the
            // same file (below).
            server.await("the updated plug-in to serve the same model", SOON,
                    () -> server.occurrences(SERVES) >= 2 && server.log().contains(KEPT));
            assertEquals(1, server.occurrences(TRAINING), "no retraining after a version change");
            assertEquals(model, onlyModel(models), "the same model file serves");
            String noted = Files.readString(record);
            assertTrue(noted.contains("\"notes\"") && noted.contains("1.0.0 -> org.example.hourglass.family.shallow 1.0.1")
                    && noted.contains(KEPT), "pipeline.json notes the version change:\n" + noted);
        }

        try (RunningServer again = RunningServer.start(SCRIPT, home, password, DeployFiles.withoutDemoData(home))) {
            again.await("the restarted server to serve the stored model", Duration.ofSeconds(60),
                    () -> again.occurrences(SERVES) == 1);
            assertEquals(0, again.occurrences(TRAINING), "no retraining after a restart\n" + again.logTail());
        }
    }

    /**
     * A jar FileInstall cannot install (empty, or not a zip at all) and a bundle whose component Declarative Services
     * cannot create used to leave no trace in the server log: FileInstall skips such jars silently, and SCR reports
     * through the OSGi log service only. Each now gets a line naming the file or bundle and the problem, once; a
     * broken jar replaced by a valid bundle under the same name is installed, and FileInstall says so.
     */
    @Test
    void brokenJarsAndFailingComponentsAreNamedInTheServerLog() throws Exception {
        Path deploy = Files.createDirectories(home.resolve("deploy"));
        Path empty = deploy.resolve("empty.jar");
        Path corrupt = deploy.resolve("corrupt.jar");
        try (RunningServer server = RunningServer.start(SCRIPT, home, UUID.randomUUID().toString(),
                DeployFiles.withoutDemoData(home))) {
            server.await("the server to start", Duration.ofSeconds(60), () -> server.status("/", false) > 0);

            Path part = deploy.resolve("empty.part");
            Files.createFile(part);
            Files.move(part, empty, StandardCopyOption.ATOMIC_MOVE);
            byte[] noise = new byte[3000];
            new java.util.Random(17).nextBytes(noise);
            Files.write(deploy.resolve("corrupt.part"), noise);
            Files.move(deploy.resolve("corrupt.part"), corrupt, StandardCopyOption.ATOMIC_MOVE);
            String emptyLine = "Cannot install " + empty + ": the file is empty (0 bytes)";
            String corruptLine = "Cannot install " + corrupt + ": it is not a readable JAR (zip) file";
            server.await("the broken jars to be named in the log", SOON,
                    () -> server.log().contains(emptyLine) && server.log().contains(corruptLine));
            assertTrue(server.log().contains(corruptLine + " (ZipException: zip END header not found); 3000 bytes"),
                    server.logTail());

            Path failing = home.resolve("failing.jar");
            componentWithoutItsClass(failing);
            place(failing, deploy.resolve("failing.jar"));
            server.await("SCR's error about the failing component in the log", SOON,
                    () -> server.log().contains("org.example.hourglass.failing")
                            && server.log().contains("org.example.hourglass.failing.Missing"));
            String scr = server.log().lines().filter(l -> l.contains("org.example.hourglass.failing.Missing"))
                    .findFirst().orElseThrow();
            assertTrue(scr.contains("ERROR"), "logged as an error: " + scr);

            place(PLUGIN, corrupt);
            server.await("the fixed jar to be installed, and FileInstall to say so", SOON,
                    () -> server.log().contains("Installing bundle org.example.hourglass.family.shallow")
                            && server.log().contains("Started bundle: file:" + corrupt));
            Thread.sleep(3000); // three more polls of deploy/
            assertEquals(1, server.occurrences(emptyLine), "said once, not on every poll\n" + server.logTail());
            assertEquals(1, server.occurrences(corruptLine), server.logTail());
        }
    }

    /**
     * A bundle with a Declarative Services component whose implementation class is not in it: SCR fails to create
     * the component and logs an error naming the bundle and the class.
     */
    private static void componentWithoutItsClass(Path jar) throws IOException {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Bundle-ManifestVersion", "2");
        main.putValue("Bundle-SymbolicName", "org.example.hourglass.failing");
        main.putValue("Bundle-Version", "1.0.0");
        main.putValue("Service-Component", "OSGI-INF/missing.xml");
        try (JarOutputStream jos = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
            jos.putNextEntry(new JarEntry("OSGI-INF/missing.xml"));
            jos.write(("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    + "<scr:component xmlns:scr=\"http://www.osgi.org/xmlns/scr/v1.4.0\" name=\"missing\""
                    + " immediate=\"true\">\n"
                    + "  <implementation class=\"org.example.hourglass.failing.Missing\"/>\n"
                    + "</scr:component>\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            jos.closeEntry();
        }
    }

    /** Copies next to the target and renames, so FileInstall never sees a half-written jar. */
    private static void place(Path jar, Path target) throws IOException {
        Path part = target.resolveSibling(target.getFileName() + ".part");
        Files.copy(jar, part, StandardCopyOption.REPLACE_EXISTING);
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The same bundle as {@code jar} with another Bundle-Version: what a rebuilt plug-in release looks like. */
    private static void withBundleVersion(Path jar, Path out, String version) throws IOException {
        try (JarFile in = new JarFile(jar.toFile())) {
            Manifest manifest = new Manifest(in.getManifest());
            manifest.getMainAttributes().put(new Attributes.Name("Bundle-Version"), version);
            try (JarOutputStream jos = new JarOutputStream(Files.newOutputStream(out), manifest)) {
                for (Enumeration<JarEntry> e = in.entries(); e.hasMoreElements(); ) {
                    JarEntry entry = e.nextElement();
                    if (entry.getName().equals(JarFile.MANIFEST_NAME) || entry.getName().equals("META-INF/")) {
                        continue;
                    }
                    jos.putNextEntry(new JarEntry(entry.getName()));
                    try (InputStream is = in.getInputStream(entry)) {
                        is.transferTo(jos);
                    }
                    jos.closeEntry();
                }
            }
        }
    }

    private static Path onlyModel(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> models = files.filter(p -> p.getFileName().toString().matches("model-.*\\.onnx")).toList();
            assertEquals(1, models.size(), "one model file in " + dir + ": " + models);
            return models.get(0);
        }
    }
}
