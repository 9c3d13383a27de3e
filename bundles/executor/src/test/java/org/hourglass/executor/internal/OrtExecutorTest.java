package org.hourglass.executor.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.abort;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.hourglass.api.executor.Device;
import org.hourglass.api.executor.ExecutorException;
import org.hourglass.api.executor.ExecutorInfo;
import org.hourglass.api.executor.ModelSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OrtExecutorTest {

    private final OrtExecutor executor = new OrtExecutor(ExecutorSettings.defaults().withThreads(1, 1));

    @AfterEach
    void close() {
        executor.close();
    }

    private float[] run(ModelSession session, float[] x, int n) throws Exception {
        try (OnnxTensor in = OnnxTensor.createTensor(executor.environment(), FloatBuffer.wrap(x),
                new long[] {x.length / n, n});
             OrtSession.Result out = session.run(Map.of("x", in))) {
            FloatBuffer y = ((OnnxTensor) out.get("y").orElseThrow()).getFloatBuffer();
            float[] result = new float[y.remaining()];
            y.get(result);
            return result;
        }
    }

    @Test
    void runsAModelBuiltInJava() throws Exception {
        try (ModelSession session = executor.load("add-one", TestModels.addOne(3))) {
            assertEquals(List.of("x"), List.copyOf(session.inputs().keySet()));
            long before = executor.info().runs();
            assertArrayEquals(new float[] {1, 2, 3, 0, -1, 11}, run(session, new float[] {0, 1, 2, -1, -2, 10}, 3));
            assertEquals(before + 1, executor.info().runs());
            assertEquals(1, executor.info().openSessions());
        }
        assertEquals(0, executor.info().openSessions());
    }

    /** True when the ONNX Runtime on the class path is the CUDA build ({@code -Pgpu}). */
    private static boolean cudaBuild() {
        return OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA);
    }

    @Test
    void autoOnACpuBuildChoosesCpuAndSaysWhy() {
        assumeFalse(cudaBuild(), "the CUDA build of ONNX Runtime is on the class path (-Pgpu); "
                + "autoOnTheCudaBuildTakesTheGpuWhenOneAnswers covers it");
        ExecutorInfo info = executor.info();
        assertEquals(Device.AUTO, info.requested());
        assertEquals(Device.CPU, info.active());
        assertTrue(info.availableProviders().contains("CPU"), info.availableProviders().toString());
        assertTrue(info.reason().contains("CPU-only"), info.reason());
    }

    @Test
    void autoOnTheCudaBuildTakesTheGpuWhenOneAnswers() {
        assumeTrue(cudaBuild(), "no CUDA execution provider in this ONNX Runtime build: build with -Pgpu to run it");
        ExecutorInfo info = executor.info();
        assertTrue(info.availableProviders().contains("CUDA"), info.availableProviders().toString());
        if (info.active() == Device.CUDA) {
            assertTrue(info.reason().contains("answered"), info.reason());
        } else {
            assertTrue(info.reason().contains("did not answer") && info.reason().contains("using CPU"), info.reason());
        }
    }

    @Test
    void cudaWithoutGpuFailsWithAClearMessage() {
        ExecutorException e;
        try (OrtExecutor cuda = new OrtExecutor(ExecutorSettings.defaults().withDevice(Device.CUDA))) {
            abort("a CUDA device answered (" + cuda.info().reason() + "): nothing to refuse on this machine");
            return;
        } catch (ExecutorException refused) {
            e = refused;
        }
        assertTrue(e.getMessage().contains("device=cuda"), e.getMessage());
        // The CPU build has no CUDA provider at all; the CUDA build (-Pgpu) on a machine without a GPU has no device.
        String why = cudaBuild() ? "did not answer" : "no CUDA execution provider";
        assertTrue(e.getMessage().contains(why), e.getMessage());
        // A refused update keeps the executor as it was.
        assertThrows(ExecutorException.class, () -> executor.update(ExecutorSettings.defaults().withDevice(Device.CUDA)));
        assertEquals(Device.CPU, executor.info().active());
    }

    @Test
    void threadSettingTakesEffectOnOpenSessions() throws Exception {
        // ONNX Runtime starts intra-op-threads - 1 native worker threads per session: count them in /proc.
        int before = ProcessStats.nativeThreads();
        try (ModelSession session = executor.load("threads", TestModels.addOne(64))) {
            run(session, new float[64 * 8], 64);
            int withOne = ProcessStats.nativeThreads() - before;

            executor.update(ExecutorSettings.defaults().withThreads(4, 1));
            assertEquals(4, executor.info().intraOpThreads());
            run(session, new float[64 * 8], 64); // same handle, rebuilt with the new settings
            int withFour = ProcessStats.nativeThreads() - before;
            assertEquals(3, withFour - withOne, "intra.op.threads=4 should add 3 worker threads");
        }
    }

    @Test
    void concurrentCallersShareOneSession() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (ModelSession session = executor.load("shared", TestModels.addOne(16))) {
            List<Future<float[]>> results = new ArrayList<>();
            for (int t = 0; t < 32; t++) {
                float[] x = new float[16 * 4];
                java.util.Arrays.fill(x, t);
                results.add(pool.submit(() -> run(session, x, 16)));
            }
            for (int t = 0; t < 32; t++) {
                for (float v : results.get(t).get()) {
                    assertEquals(t + 1f, v);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void badModelBytesNameTheModel() {
        ExecutorException e = assertThrows(ExecutorException.class,
                () -> executor.load("broken", new byte[] {1, 2, 3, 4, 5}));
        assertTrue(e.getMessage().contains("'broken'"), e.getMessage());
        assertThrows(ExecutorException.class, () -> executor.load("empty", new byte[0]));
        assertEquals(0, executor.openSessions());
    }

    @Test
    void wrongInputsAreNamed() throws Exception {
        try (ModelSession session = executor.load("named", TestModels.addOne(2));
             OnnxTensor t = OnnxTensor.createTensor(executor.environment(), new float[][] {{1, 2}})) {
            ExecutorException missing = assertThrows(ExecutorException.class, () -> session.run(Map.of("z", t)));
            assertTrue(missing.getMessage().contains("needs input 'x'"), missing.getMessage());
            ExecutorException output = assertThrows(ExecutorException.class,
                    () -> session.run(Map.of("x", t), java.util.Set.of("nope")));
            assertTrue(output.getMessage().contains("no output 'nope'"), output.getMessage());
            try (OnnxTensor wrongShape = OnnxTensor.createTensor(executor.environment(), new float[][] {{1, 2, 3}})) {
                ExecutorException shape = assertThrows(ExecutorException.class,
                        () -> session.run(Map.of("x", wrongShape)));
                assertTrue(shape.getMessage().contains("'named' failed to run"), shape.getMessage());
            }
        }
    }

    @Test
    void closedSessionsRefuseToRunAndExecutorCloseReleasesAll() throws Exception {
        ModelSession a = executor.load("a", TestModels.addOne(2));
        ModelSession b = executor.load("b", TestModels.addOne(2));
        a.close();
        a.close(); // idempotent
        assertTrue(a.isClosed());
        assertThrows(ExecutorException.class, () -> run(a, new float[] {1, 2}, 2));
        assertEquals(1, executor.openSessions());
        executor.close();
        assertTrue(b.isClosed());
        assertEquals(0, executor.openSessions());
        assertThrows(ExecutorException.class, () -> executor.load("late", TestModels.addOne(2)));
    }

    @Test
    void thousandSessionsLeaveResidentMemoryFlat() throws Exception {
        byte[] model = TestModels.addOne(32);
        float[] x = new float[32 * 4];
        for (int i = 0; i < 100; i++) { // warm up allocators and the JIT
            try (ModelSession s = executor.load("warm", model)) {
                run(s, x, 32);
            }
        }
        System.gc();
        long start = ProcessStats.residentKiB();
        for (int i = 0; i < 1000; i++) {
            try (ModelSession s = executor.load("leak-" + i, model)) {
                run(s, x, 32);
            }
        }
        System.gc();
        long growthKiB = ProcessStats.residentKiB() - start;
        assertEquals(0, executor.openSessions());
        // A leaked session holds at least its 4 KiB weights plus ORT's session state (~100 KiB): 1,000 leaks
        // would add tens of MiB. Allocator noise stays well under 16 MiB.
        assertTrue(growthKiB < 16 * 1024, "resident memory grew by " + growthKiB + " KiB over 1,000 sessions");
    }
}
