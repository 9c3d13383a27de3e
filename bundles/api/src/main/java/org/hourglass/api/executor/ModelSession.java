package org.hourglass.api.executor;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtSession;
import java.util.Map;
import java.util.Set;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A model loaded into the executor. Thread-safe: concurrent {@code run} calls share the one native session.
 * When the executor's configuration changes, the next run transparently rebuilds the native session with the
 * new settings. Closing releases the native session; results returned by {@code run} must be closed by the
 * caller (they own native tensors).
 */
@ProviderType
public interface ModelSession extends AutoCloseable {

    /** The name given at load time. */
    String name();

    /** Graph inputs by name, in declaration order. */
    Map<String, NodeInfo> inputs();

    /** Graph outputs by name, in declaration order. */
    Map<String, NodeInfo> outputs();

    /** Runs the model and returns all outputs. */
    OrtSession.Result run(Map<String, ? extends OnnxTensorLike> inputs);

    /** Runs the model and returns only the named outputs. */
    OrtSession.Result run(Map<String, ? extends OnnxTensorLike> inputs, Set<String> outputs);

    /**
     * Runs the model writing the named outputs into caller-owned, preallocated tensors (no allocation per
     * run). The returned result holds only outputs that were not pinned.
     */
    OrtSession.Result runInto(Map<String, ? extends OnnxTensorLike> inputs,
                              Map<String, ? extends OnnxValue> pinnedOutputs);

    /** True once {@link #close()} was called. */
    boolean isClosed();

    /** Releases the native session. Idempotent. */
    @Override
    void close();
}
