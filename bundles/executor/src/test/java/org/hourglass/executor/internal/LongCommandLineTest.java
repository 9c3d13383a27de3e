package org.hourglass.executor.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.io.File;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.hourglass.api.executor.ModelSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ONNX Runtime 1.29.0 kills the JVM (SIGSEGV) when it creates its environment in a process whose command line is
 * longer than about 4 KB (see {@link OrtEnvironments}). A command line cannot be changed from inside a JVM, so each
 * case runs in a child JVM started with this test's class path padded to {@link #COMMAND_LINE} bytes.
 */
class LongCommandLineTest {

    /** Bytes of the child's command line: a host with a few hundred jars on its class path. */
    static final int COMMAND_LINE = 64 * 1024;

    @TempDir
    Path dir;

    @Test
    void theExecutorStartsAndRunsAModelUnderALongCommandLine() throws Exception {
        Child child = run("executor");
        assertTrue(child.commandLine() >= COMMAND_LINE, "command line " + child.commandLine());
        assertEquals(0, child.exit(), "the child JVM died creating the executor (exit " + child.exit()
                + ", 139 = SIGSEGV):\n" + child.output());
        assertTrue(child.output().contains("ran [1.0, 2.0, 3.0]"), child.output());
    }

    /** Shows the test above can fail: ONNX Runtime's own entry point crashes in the same child. */
    @Test
    void onnxRuntimesOwnEntryPointCrashesUnderTheSameCommandLine() throws Exception {
        Child child = run("plain");
        assumeTrue(child.exit() != 0, "ONNX Runtime on this class path no longer crashes with a "
                + child.commandLine() + "-byte command line; OrtEnvironments' workaround could be dropped:\n"
                + child.output());
        assertEquals(139, child.exit(), "expected SIGSEGV (exit 139):\n" + child.output());
        assertTrue(!child.output().contains("environment created"), child.output());
    }

    private record Child(int exit, String output, long commandLine) {
    }

    private Child run(String mode) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        StringBuilder classPath = new StringBuilder(System.getProperty("java.class.path"));
        // Entries that do not exist are skipped by the JVM but still make the command line long.
        for (int i = 0; classPath.length() < COMMAND_LINE; i++) {
            classPath.append(File.pathSeparator).append(dir.resolve("padding-" + i + ".jar"));
        }
        List<String> command = new ArrayList<>(List.of(java, "-cp", classPath.toString(), Main.class.getName(), mode));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve(mode + ".out").toFile());
        // The child must take ONNX Runtime's telemetry path: drop what switches it off.
        for (String name : List.of("ORT_DISABLE_TELEMETRY", "ORT_RUNNING_UNIT_TESTS")) {
            builder.environment().remove(name);
        }
        Process process = builder.start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("child JVM did not finish within 120 s");
        }
        long length = String.join(" ", command).length();
        return new Child(process.exitValue(),
                Files.readString(dir.resolve(mode + ".out"), StandardCharsets.UTF_8), length);
    }

    /** The child JVM's program. */
    static final class Main {
        public static void main(String[] args) throws Exception {
            System.out.println("command line bytes: " + OrtEnvironments.commandLineLength());
            if (args[0].equals("plain")) {
                OrtEnvironment.getEnvironment();
                System.out.println("environment created");
                return;
            }
            try (OrtExecutor executor = new OrtExecutor(ExecutorSettings.defaults().withThreads(1, 1));
                 ModelSession session = executor.load("add-one", TestModels.addOne(3));
                 OnnxTensor x = OnnxTensor.createTensor(executor.environment(),
                         FloatBuffer.wrap(new float[] {0, 1, 2}), new long[] {1, 3});
                 OrtSession.Result out = session.run(Map.of("x", x))) {
                FloatBuffer y = ((OnnxTensor) out.get("y").orElseThrow()).getFloatBuffer();
                float[] values = new float[y.remaining()];
                y.get(values);
                System.out.println("ran " + java.util.Arrays.toString(values));
            }
        }
    }
}
