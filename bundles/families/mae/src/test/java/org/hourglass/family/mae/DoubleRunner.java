package org.hourglass.family.mae;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.DoubleBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.hourglass.api.executor.ModelSession;
import org.hourglass.testing.GraphRunner;

/** Runs a float64 model repeatedly (finite differences need many runs of one session). */
final class DoubleRunner implements AutoCloseable {

    private final GraphRunner runner = new GraphRunner();
    private final ModelSession session;

    DoubleRunner(OnnxMl.ModelProto model) {
        session = runner.executor().load("double-check", model);
    }

    /** Runs with the given inputs (name → values, shapes) and returns every output as doubles. */
    Map<String, double[]> run(Map<String, double[]> values, Map<String, long[]> shapes) {
        Map<String, OnnxTensor> in = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, double[]> e : values.entrySet()) {
                in.put(e.getKey(), OnnxTensor.createTensor(runner.executor().environment(),
                        DoubleBuffer.wrap(e.getValue()), shapes.get(e.getKey())));
            }
            try (OrtSession.Result result = session.run(in)) {
                Map<String, double[]> out = new LinkedHashMap<>();
                for (Map.Entry<String, OnnxValue> e : result) {
                    DoubleBuffer b = ((OnnxTensor) e.getValue()).getDoubleBuffer();
                    double[] v = new double[b.remaining()];
                    b.get(v);
                    out.put(e.getKey(), v);
                }
                return out;
            }
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        } finally {
            in.values().forEach(OnnxTensor::close);
        }
    }

    @Override
    public void close() {
        session.close();
        runner.close();
    }
}
