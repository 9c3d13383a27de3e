package org.hourglass.executor.internal;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.hourglass.api.executor.Device;
import org.hourglass.api.executor.ExecutorException;
import org.hourglass.api.executor.ExecutorInfo;
import org.hourglass.api.executor.ModelSession;
import org.hourglass.api.executor.OnnxExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executor itself, free of OSGi so that unit tests and other modules' tests can build one directly. The
 * DS component {@link ExecutorComponent} owns one instance.
 *
 * <p>Settings are applied by swapping an immutable {@link Applied} snapshot; every open session compares its
 * generation with the current one on each run and rebuilds its native session when they differ, so a
 * configuration change takes effect without invalidating handles that pipelines hold.
 */
public final class OrtExecutor implements OnnxExecutor, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OrtExecutor.class);

    /** Settings, device choice and a generation number, replaced as a whole on every update. */
    record Applied(ExecutorSettings settings, DeviceChoice choice, long generation) {
    }

    private final OrtEnvironment env;
    private final Set<OrtModelSession> open = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.LongAdder runs = new java.util.concurrent.atomic.LongAdder();
    private volatile Applied applied;
    private volatile boolean closed;
    /** Why the last configuration was refused; empty once one is applied. Shown in {@link #info()}'s reason. */
    private volatile String refusal = "";

    /**
     * @throws ExecutorException when the settings ask for a device that is not there (device=cuda without GPU)
     */
    public OrtExecutor(ExecutorSettings settings) {
        this.env = OrtEnvironments.get();
        this.applied = apply(settings, 0);
    }

    /** Applies new settings; open sessions pick them up on their next run. */
    public void update(ExecutorSettings settings) {
        Applied next = apply(settings, applied.generation() + 1);
        applied = next;
        refusal = "";
    }

    /** Records that a configuration was refused, so {@link #info()} says so next to what runs instead. */
    public void noteRefusal(String why) {
        refusal = why == null ? "refused" : why;
    }

    private Applied apply(ExecutorSettings settings, long generation) {
        Objects.requireNonNull(settings, "settings");
        DeviceChoice choice = DeviceChoice.choose(env, settings, OrtEnvironment.getAvailableProviders());
        LOG.info("ONNX Runtime executor: {} ({}), intra.op.threads={}, inter.op.threads={}, optimization={}",
                choice.active(), choice.reason(), settings.intraOpThreads(), settings.interOpThreads(),
                settings.optimizationLevel());
        return new Applied(settings, choice, generation);
    }

    Applied applied() {
        return applied;
    }

    @Override
    public ExecutorInfo info() {
        Applied a = applied;
        List<String> providers = new ArrayList<>();
        for (OrtProvider p : EnumSet.copyOf(OrtEnvironment.getAvailableProviders())) {
            providers.add(p.name());
        }
        ExecutorSettings s = a.settings();
        return new ExecutorInfo(s.device(), a.choice().active(), s.deviceId(), s.intraOpThreads(), s.interOpThreads(),
                s.optimizationLevel().name(), providers, refusal.isEmpty() ? a.choice().reason()
                : a.choice().reason() + " (the configured settings were refused: " + refusal + ")",
                open.size(), runs.sum());
    }

    @Override
    public OrtEnvironment environment() {
        return env;
    }

    @Override
    public ModelSession load(String name, byte[] model) {
        Objects.requireNonNull(name, "name");
        if (closed) {
            throw new ExecutorException("executor is shut down; cannot load model '" + name + "'");
        }
        if (model == null || model.length == 0) {
            throw new ExecutorException("model '" + name + "' is empty: no ONNX bytes were given");
        }
        OrtModelSession session = new OrtModelSession(this, name, model.clone());
        open.add(session);
        return session;
    }

    /** Number of sessions loaded and not yet closed. */
    public int openSessions() {
        return open.size();
    }

    /** Counts one model run (for metrics). */
    void counted() {
        runs.increment();
    }

    void forget(OrtModelSession session) {
        open.remove(session);
    }

    /** Creates a native session with the current settings. */
    OrtSession createSession(String name, byte[] model, Applied a) {
        try (OrtSession.SessionOptions options = sessionOptions(a)) {
            return env.createSession(model, options);
        } catch (OrtException e) {
            throw new ExecutorException("model '" + name + "' could not be loaded by ONNX Runtime: " + e.getMessage(), e);
        }
    }

    private static OrtSession.SessionOptions sessionOptions(Applied a) throws OrtException {
        ExecutorSettings s = a.settings();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        try {
            options.setOptimizationLevel(s.optimizationLevel());
            if (s.intraOpThreads() > 0) {
                options.setIntraOpNumThreads(s.intraOpThreads());
            }
            if (s.interOpThreads() > 0) {
                options.setInterOpNumThreads(s.interOpThreads());
            }
            if (a.choice().active() == Device.CUDA) {
                options.addCUDA(s.deviceId());
            }
            return options;
        } catch (OrtException | RuntimeException e) {
            options.close();
            throw e;
        }
    }

    /** Closes every open session. The environment itself is JVM-wide and stays. */
    @Override
    public void close() {
        closed = true;
        for (OrtModelSession s : List.copyOf(open)) {
            s.close();
        }
    }
}
