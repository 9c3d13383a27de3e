package org.hourglass.executor.internal;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensorLike;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.hourglass.api.executor.ExecutorException;
import org.hourglass.api.executor.ModelSession;

/**
 * One loaded model. Runs share the native session under a read lock; a rebuild after a settings change takes
 * the write lock, so it waits for runs in flight.
 */
final class OrtModelSession implements ModelSession {

    /** One call on the native session. */
    private interface Call {
        OrtSession.Result on(OrtSession session) throws OrtException;
    }

    private final OrtExecutor owner;
    private final String name;
    private final byte[] model;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Map<String, NodeInfo> inputs;
    private final Map<String, NodeInfo> outputs;
    private OrtSession session;
    private long generation;
    private volatile boolean closed;

    OrtModelSession(OrtExecutor owner, String name, byte[] model) {
        this.owner = owner;
        this.name = name;
        this.model = model;
        OrtExecutor.Applied a = owner.applied();
        this.session = owner.createSession(name, model, a);
        this.generation = a.generation();
        try {
            this.inputs = Collections.unmodifiableMap(session.getInputInfo());
            this.outputs = Collections.unmodifiableMap(session.getOutputInfo());
        } catch (OrtException e) {
            closeQuietly();
            throw new ExecutorException("model '" + name + "': cannot read its inputs and outputs: " + e.getMessage(), e);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Map<String, NodeInfo> inputs() {
        return inputs;
    }

    @Override
    public Map<String, NodeInfo> outputs() {
        return outputs;
    }

    @Override
    public OrtSession.Result run(Map<String, ? extends OnnxTensorLike> in) {
        checkInputs(in);
        return call(s -> s.run(in));
    }

    @Override
    public OrtSession.Result run(Map<String, ? extends OnnxTensorLike> in, Set<String> wanted) {
        checkInputs(in);
        for (String out : wanted) {
            if (!outputs.containsKey(out)) {
                throw new ExecutorException("model '" + name + "' has no output '" + out + "'; outputs are "
                        + outputs.keySet());
            }
        }
        return call(s -> s.run(in, wanted));
    }

    @Override
    public OrtSession.Result runInto(Map<String, ? extends OnnxTensorLike> in, Map<String, ? extends OnnxValue> pinned) {
        checkInputs(in);
        for (String out : pinned.keySet()) {
            if (!outputs.containsKey(out)) {
                throw new ExecutorException("model '" + name + "' has no output '" + out + "'; outputs are "
                        + outputs.keySet());
            }
        }
        return call(s -> s.run(in, pinned));
    }

    /** ONNX Runtime's own message for a missing input is terse; name the model and the expected inputs. */
    private void checkInputs(Map<String, ? extends OnnxTensorLike> in) {
        for (String required : inputs.keySet()) {
            if (!in.containsKey(required)) {
                throw new ExecutorException("model '" + name + "' needs input '" + required + "'; given "
                        + in.keySet() + ", expected " + inputs.keySet());
            }
        }
        for (String given : in.keySet()) {
            if (!inputs.containsKey(given)) {
                throw new ExecutorException("model '" + name + "' has no input '" + given + "'; expected "
                        + inputs.keySet());
            }
        }
    }

    private OrtSession.Result call(Call call) {
        while (true) {
            lock.readLock().lock();
            try {
                if (closed) {
                    throw new ExecutorException("model '" + name + "' is closed");
                }
                if (generation == owner.applied().generation()) {
                    owner.counted();
                    return call.on(session);
                }
            } catch (OrtException e) {
                throw new ExecutorException("model '" + name + "' failed to run: " + e.getMessage(), e);
            } finally {
                lock.readLock().unlock();
            }
            rebuild();
        }
    }

    /** Recreates the native session with the executor's current settings. */
    private void rebuild() {
        lock.writeLock().lock();
        try {
            OrtExecutor.Applied a = owner.applied();
            if (closed || generation == a.generation()) {
                return;
            }
            OrtSession fresh = owner.createSession(name, model, a);
            closeQuietly();
            session = fresh;
            generation = a.generation();
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            closeQuietly();
        } finally {
            lock.writeLock().unlock();
        }
        owner.forget(this);
    }

    private void closeQuietly() {
        try {
            session.close();
        } catch (OrtException e) {
            // Nothing left to release on failure; the native side reports it in its own log.
        }
    }

    @Override
    public String toString() {
        return "ModelSession[" + name + "]";
    }
}
