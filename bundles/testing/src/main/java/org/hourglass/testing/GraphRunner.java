package org.hourglass.testing;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.hourglass.api.executor.ModelSession;
import org.hourglass.api.executor.OnnxExecutor;
import org.hourglass.executor.internal.ExecutorSettings;
import org.hourglass.executor.internal.OrtExecutor;

/** Runs small models on a real executor and returns outputs as flat float arrays. */
public final class GraphRunner implements AutoCloseable {

    private final OrtExecutor executor = new OrtExecutor(ExecutorSettings.defaults().withThreads(2, 1));

    public OnnxExecutor executor() {
        return executor;
    }

    /**
     * Runs {@code model} once.
     *
     * @param inputs name → (values, shape)
     */
    public Map<String, float[]> run(OnnxMl.ModelProto model, Map<String, Input> inputs) {
        Map<String, OnnxTensor> tensors = new LinkedHashMap<>();
        try (ModelSession session = executor.load("test", model)) {
            for (Map.Entry<String, Input> e : inputs.entrySet()) {
                tensors.put(e.getKey(), OnnxTensor.createTensor(executor.environment(),
                        FloatBuffer.wrap(e.getValue().values()), e.getValue().shape()));
            }
            try (OrtSession.Result result = session.run(tensors)) {
                Map<String, float[]> out = new LinkedHashMap<>();
                for (Map.Entry<String, OnnxValue> e : result) {
                    FloatBuffer b = ((OnnxTensor) e.getValue()).getFloatBuffer();
                    float[] v = new float[b.remaining()];
                    b.get(v);
                    out.put(e.getKey(), v);
                }
                return out;
            }
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        } finally {
            tensors.values().forEach(OnnxTensor::close);
        }
    }

    /** A float input: values, row-major, and shape. */
    public record Input(float[] values, long... shape) {
    }

    @Override
    public void close() {
        executor.close();
    }
}
