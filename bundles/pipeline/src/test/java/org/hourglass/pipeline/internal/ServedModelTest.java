package org.hourglass.pipeline.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.hourglass.api.executor.ModelSession;
import org.hourglass.api.pipeline.PipelineException;
import org.hourglass.spi.InputSpec;
import org.junit.jupiter.api.Test;

/**
 * Validation of served requests before anything runs: a batch of short rows is refused before rows × width floats
 * are allocated (a hostile batch of one-value rows used to cost gigabytes, or overflow the array size).
 */
class ServedModelTest {

    private static final int WIDTH = 784;
    private static final Map<String, Object> OUTPUTS = new HashMap<>();

    static {
        for (String name : new String[] {"latent", "reconstruction", "anomaly_map"}) {
            OUTPUTS.put(name, null); // only the names are looked at before the model runs
        }
    }

    /** A model with a 28×28 input whose session is never run: every call here fails in validation. */
    private static ServedModel model() {
        ModelSession session = (ModelSession) Proxy.newProxyInstance(ServedModelTest.class.getClassLoader(),
                new Class<?>[] {ModelSession.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "name" -> "fake";
                    case "inputs" -> Map.of();
                    case "outputs" -> OUTPUTS;
                    case "isClosed" -> false;
                    case "close" -> null;
                    default -> throw new AssertionError("the model must not run: " + method.getName());
                });
        return new ServedModel(session, null, InputSpec.of(28, 28), Normalizer.fit("none", new float[WIDTH], WIDTH),
                null, null, null);
    }

    private static long allocatedBytes(Runnable r) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(id);
        r.run();
        return threads.getThreadAllocatedBytes(id) - before;
    }

    @Test
    void shortRowsAreRefusedBeforeTheBatchIsAllocated() {
        ServedModel m = model();
        float[][] hostile = new float[400_000][];
        Arrays.fill(hostile, new float[1]); // 400,000 rows × 784 would be 1.25 GB of floats
        long[] bytes = new long[1];
        for (Runnable call : new Runnable[] {() -> m.validate(hostile), () -> m.encode(hostile), () -> m.reconstruct(hostile), () -> m.output("anomaly_map", hostile)}) {
            bytes[0] = allocatedBytes(() -> {
                PipelineException e = assertThrows(PipelineException.class, call::run);
                assertEquals("sample 0 has 1 values; the model expects 784 (shape [28, 28])", e.getMessage());
            });
            assertTrue(bytes[0] < 1 << 20, "allocated " + bytes[0] + " bytes before refusing the batch");
        }
    }

    @Test
    void aBadRowAfterManyGoodOnesIsNamedWithoutAllocatingTheBatch() {
        ServedModel m = model();
        float[][] rows = new float[100_000][];
        Arrays.fill(rows, new float[WIDTH]);
        rows[99_999] = new float[3];
        long bytes = allocatedBytes(() -> {
            PipelineException e = assertThrows(PipelineException.class, () -> m.validate(rows));
            assertTrue(e.getMessage().startsWith("sample 99999 has 3 values; the model expects 784"), e.getMessage());
        });
        assertTrue(bytes < 1 << 20, "allocated " + bytes + " bytes before refusing the batch");
    }

    @Test
    void aBatchTooLargeForOneArrayIsRefusedNotOverflowed() {
        ServedModel m = model();
        float[][] rows = new float[3_000_000][]; // 3,000,000 × 784 values overflow an int
        Arrays.fill(rows, new float[WIDTH]);
        PipelineException e = assertThrows(PipelineException.class, () -> m.validate(rows));
        assertTrue(e.getMessage().contains("3000000 samples of 784 values")
                && e.getMessage().contains("split it"), e.getMessage());
    }

    @Test
    void emptyAndNonFiniteBatchesAreNamed() {
        ServedModel m = model();
        assertEquals("no samples given: the batch is empty",
                assertThrows(PipelineException.class, () -> m.validate(new float[0][])).getMessage());
        float[] row = new float[WIDTH];
        row[5] = Float.NaN;
        assertTrue(assertThrows(PipelineException.class, () -> m.validate(new float[][] {new float[WIDTH], row}))
                .getMessage().startsWith("sample 1, feature 5 is NaN"));
        float[] ok = new float[WIDTH];
        ok[3] = 2;
        assertArrayEquals(ok, m.validate(new float[][] {ok}));
    }
}
