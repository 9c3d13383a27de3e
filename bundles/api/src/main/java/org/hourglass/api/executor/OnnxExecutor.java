package org.hourglass.api.executor;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.OrtEnvironment;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The platform's one ONNX Runtime executor. It owns the native environment and the session options (device,
 * threads, graph optimisation) and hands out {@link ModelSession}s. Configured by the PID
 * {@value #PID}.
 */
@ProviderType
public interface OnnxExecutor {

    /** Configuration Admin PID of the executor. */
    String PID = "org.hourglass.executor";

    /** Which device and settings the executor uses now, and why that device was chosen. */
    ExecutorInfo info();

    /**
     * The environment in which callers create input tensors ({@code OnnxTensor.createTensor(env, ...)}).
     * Callers must not close it.
     */
    OrtEnvironment environment();

    /**
     * Loads a serialised ONNX model into a new session.
     *
     * @param name  a name for logs and errors, e.g. the pipeline and model kind
     * @param model the bytes of an ONNX {@code ModelProto}
     * @throws ExecutorException when the bytes are not a valid model or the runtime refuses it
     */
    ModelSession load(String name, byte[] model);

    /** Loads a model built in Java. */
    default ModelSession load(String name, ModelProto model) {
        return load(name, model.toByteArray());
    }
}
