package org.hourglass.embedding.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host started with a long class path ({@code java -cp <many jars>}): ONNX Runtime 1.29.0 used to kill such a JVM
 * with SIGSEGV the moment the embedded executor created its environment (its telemetry reads the command line; see
 * {@code OrtEnvironments} in the executor bundle). Runs {@link LongClassPathHost} (trains and scores a small
 * pipeline) in a child JVM whose class path, the launcher's own ({@code target/classpath.txt}) plus entries that do
 * not exist, makes a 64 KB command line.
 */
class LongClassPathTest {

    static final int COMMAND_LINE = 64 * 1024;

    @TempDir
    Path work;

    @Test
    void aHostTrainsAndScoresWhenStartedWithALongClassPath() throws Exception {
        Path target = FashionMnistExampleTest.BUNDLES.toAbsolutePath().getParent();
        StringBuilder classPath = new StringBuilder(target.resolve("test-classes").toString())
                .append(File.pathSeparator)
                .append(Files.readString(target.resolve("classpath.txt")).strip());
        for (int i = 0; classPath.length() < COMMAND_LINE; i++) {
            classPath.append(File.pathSeparator).append(work.resolve("lib/dependency-" + i + ".jar"));
        }
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classPath.toString(), LongClassPathHost.class.getName(),
                FashionMnistExampleTest.BUNDLES.toAbsolutePath().toString(), work.resolve("host").toString());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(work.resolve("output.txt").toFile());
        // Take ONNX Runtime's telemetry path as a host without special settings would.
        builder.environment().remove("ORT_DISABLE_TELEMETRY");
        Process host = builder.start();
        if (!host.waitFor(300, TimeUnit.SECONDS)) {
            host.destroyForcibly();
            throw new AssertionError("the host did not finish within 300 s");
        }
        String output = Files.readString(work.resolve("output.txt"), StandardCharsets.UTF_8);
        assertTrue(String.join(" ", command).length() >= COMMAND_LINE);
        assertEquals(0, host.exitValue(), "the host JVM died (exit " + host.exitValue() + ", 139 = SIGSEGV):\n"
                + output);
        assertTrue(output.contains("ONNX Runtime executor: CPU") && output.contains("scores ["), output);
    }
}
