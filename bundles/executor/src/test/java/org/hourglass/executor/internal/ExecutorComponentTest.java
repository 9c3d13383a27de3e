package org.hourglass.executor.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import java.lang.annotation.Annotation;
import org.hourglass.api.executor.Device;
import org.hourglass.api.executor.ExecutorInfo;
import org.hourglass.api.executor.ModelSession;
import org.junit.jupiter.api.Test;

/** A misconfigured executor refuses the configuration with a clear reason and keeps running. */
class ExecutorComponentTest {

    private static ExecutorComponent.Config config(String device, String intra) {
        return new ExecutorComponent.Config() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return ExecutorComponent.Config.class;
            }

            @Override
            public String device() {
                return device;
            }

            @Override
            public int device_id() {
                return 0;
            }

            @Override
            public String intra_op_threads() {
                return intra;
            }

            @Override
            public String inter_op_threads() {
                return ExecutorSettings.AUTO;
            }

            @Override
            public String optimization_level() {
                return "all";
            }
        };
    }

    private static void assertRuns(ExecutorComponent c) {
        try (ModelSession s = c.load("probe", TestModels.addOne(2))) {
            assertEquals(java.util.List.of("x"), java.util.List.copyOf(s.inputs().keySet()));
        }
    }

    @Test
    void cudaWithoutAGpuAtStartRunsOnTheDefaultsAndSaysWhy() {
        assumeFalse(OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA), "a CUDA build is deployed");
        ExecutorComponent c = new ExecutorComponent(config("cuda", "1"));
        try {
            ExecutorInfo info = c.info();
            assertEquals(Device.CPU, info.active());
            assertTrue(info.reason().contains("the configured settings were refused: device=cuda is configured, "
                    + "but the deployed ONNX Runtime build has no CUDA execution provider"), info.reason());
            assertRuns(c);
        } finally {
            c.deactivate();
        }
    }

    @Test
    void zeroOrNegativeThreadsOrAnUnknownDeviceAtStartAreRefusedNamingTheSetting() {
        for (String bad : new String[] {"0", "-2", "many"}) {
            ExecutorComponent threads = new ExecutorComponent(config("cpu", bad));
            try {
                assertEquals(0, threads.info().intraOpThreads(), "defaults run instead");
                assertTrue(threads.info().reason().contains(
                        "intra.op.threads must be a positive number of threads or auto (ONNX Runtime chooses), was '"
                                + bad + "'"), threads.info().reason());
                assertRuns(threads);
            } finally {
                threads.deactivate();
            }
        }
        ExecutorComponent device = new ExecutorComponent(config("tpu", "1"));
        try {
            assertTrue(device.info().reason().contains("device must be one of auto, cpu, cuda; was 'tpu'"),
                    device.info().reason());
        } finally {
            device.deactivate();
        }
    }

    @Test
    void aRefusedChangeKeepsTheRunningSettingsAndDoesNotThrow() {
        ExecutorComponent c = new ExecutorComponent(config("cpu", "1"));
        try {
            assertFalse(c.info().reason().contains("refused"), c.info().reason());
            c.modified(config("cpu", "0"));
            assertEquals(1, c.info().intraOpThreads(), "the previous settings stay");
            assertEquals(Device.CPU, c.info().requested());
            assertTrue(c.info().reason().contains("refused: intra.op.threads must be a positive number"), c.info().reason());
            assertRuns(c);
            c.modified(config("cpu", "2"));
            assertEquals(2, c.info().intraOpThreads());
            assertFalse(c.info().reason().contains("refused"), "a valid change clears the note");
        } finally {
            c.deactivate();
        }
    }
}
