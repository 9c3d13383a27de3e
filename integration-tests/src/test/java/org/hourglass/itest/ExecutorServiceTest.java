package org.hourglass.itest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import org.hourglass.api.executor.Device;
import org.hourglass.api.executor.ModelSession;
import org.hourglass.api.executor.OnnxExecutor;
import org.junit.jupiter.api.Test;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectService;

/** The executor inside a real framework: present, runs a model, follows its configuration. */
class ExecutorServiceTest {

    @InjectService(timeout = 10_000)
    OnnxExecutor executor;

    @InjectService(timeout = 10_000)
    ConfigurationAdmin configAdmin;

    private float[] run(ModelSession session, float[][] x) throws Exception {
        try (OnnxTensor in = OnnxTensor.createTensor(executor.environment(), x);
             OrtSession.Result out = session.run(Map.of("x", in))) {
            float[][] y = (float[][]) out.get(0).getValue();
            float[] flat = new float[y.length * y[0].length];
            for (int i = 0; i < y.length; i++) {
                System.arraycopy(y[i], 0, flat, i * y[0].length, y[0].length);
            }
            return flat;
        }
    }

    @Test
    void runsAModelBuiltInTheTest() throws Exception {
        assertEquals(Device.CPU, executor.info().active(), executor.info().reason());
        try (ModelSession session = executor.load("itest-double", Models.doublePlusOne(3))) {
            assertArrayEquals(new float[] {1, 3, -1, 21, 0.5f, 1}, run(session, new float[][] {{0, 1, -1}, {10, -0.25f, 0}}));
        }
    }

    @Test
    void threadConfigurationTakesEffect() throws Exception {
        Configuration config = configAdmin.getConfiguration(OnnxExecutor.PID, "?");
        try (ModelSession session = executor.load("itest-threads", Models.doublePlusOne(64))) {
            float[][] x = new float[16][64];
            apply(config, 1);
            int base = nativeThreads();
            run(session, x);
            int withOne = nativeThreads() - base;

            apply(config, 4);
            run(session, x); // the same handle rebuilds its native session with the new settings
            int withFour = nativeThreads() - base;
            assertEquals(3, withFour - withOne, "intra.op.threads=4 adds 3 ONNX Runtime worker threads");
        } finally {
            config.delete();
            awaitThreads(0);
        }
    }

    private void apply(Configuration config, int threads) throws Exception {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put("intra.op.threads", threads);
        props.put("inter.op.threads", 1);
        config.update(props);
        awaitThreads(threads);
    }

    private void awaitThreads(int threads) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (executor.info().intraOpThreads() != threads) {
            assertTrue(System.nanoTime() < end, "executor did not apply intra.op.threads=" + threads);
            Thread.sleep(20);
        }
    }

    private static int nativeThreads() throws Exception {
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            return (int) tasks.count();
        }
    }
}
