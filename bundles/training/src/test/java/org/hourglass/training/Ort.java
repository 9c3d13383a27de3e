package org.hourglass.training;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.hourglass.api.executor.ModelSession;
import org.hourglass.executor.internal.ExecutorSettings;
import org.hourglass.executor.internal.OrtExecutor;
import org.hourglass.graph.DType;
import org.hourglass.graph.Ops;
import org.hourglass.graph.Tensor;

/** The real executor for tests (two intra-op threads, like CI), small helpers to run models on it, and the MSE. */
final class Ort {

    private static OrtExecutor executor;

    private Ort() {
    }

    static synchronized OrtExecutor executor() {
        if (executor == null) {
            executor = new OrtExecutor(ExecutorSettings.defaults().withThreads(2, 1));
            Runtime.getRuntime().addShutdownHook(new Thread(executor::close));
        }
        return executor;
    }

    static ModelSession load(String name, OnnxMl.ModelProto model) {
        return executor().load(name, model);
    }

    static OnnxTensor tensor(DType dtype, double[] values, long[] shape) {
        try {
            if (dtype == DType.DOUBLE) {
                return OnnxTensor.createTensor(executor().environment(), DoubleBuffer.wrap(values.clone()), shape);
            }
            float[] f = new float[values.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) values[i];
            }
            return OnnxTensor.createTensor(executor().environment(), FloatBuffer.wrap(f), shape);
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }

    static double[] values(OnnxTensor t) {
        switch (t.getInfo().type) {
            case DOUBLE: {
                DoubleBuffer b = t.getDoubleBuffer();
                double[] a = new double[b.remaining()];
                b.get(a);
                return a;
            }
            case FLOAT: {
                FloatBuffer b = t.getFloatBuffer();
                double[] a = new double[b.remaining()];
                for (int i = 0; i < a.length; i++) {
                    a[i] = b.get(i);
                }
                return a;
            }
            default:
                throw new IllegalArgumentException("not floating: " + t.getInfo());
        }
    }

    /** Runs a model on host values and returns every output as doubles, with shapes. */
    static Map<String, double[]> run(ModelSession s, Map<String, OnnxTensor> inputs, Map<String, long[]> shapesOut) {
        try (OrtSession.Result r = s.run(inputs)) {
            Map<String, double[]> out = new LinkedHashMap<>();
            for (Map.Entry<String, ai.onnxruntime.OnnxValue> e : r) {
                OnnxTensor t = (OnnxTensor) e.getValue();
                out.put(e.getKey(), values(t));
                if (shapesOut != null) {
                    shapesOut.put(e.getKey(), t.getInfo().getShape());
                }
            }
            return out;
        }
    }

    /** Mean squared error over all elements, built as {@code mean(pow(prediction - target, 2))}. */
    static Tensor mse(Tensor prediction, Tensor target) {
        return Ops.mean(Ops.pow(Ops.sub(prediction, target), 2));
    }
}
