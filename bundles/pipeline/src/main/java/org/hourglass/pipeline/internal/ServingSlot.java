package org.hourglass.pipeline.internal;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.function.Supplier;
import org.hourglass.api.pipeline.PipelineException;
import org.hourglass.api.pipeline.ScoreHistogram;
import org.hourglass.api.pipeline.ServingStats;

/**
 * The model a pipeline serves and the meter of its calls. Requests use the model under a read lock; a swap takes
 * the write lock, so no request sees a model closed under it.
 */
final class ServingSlot {

    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private final ServingMeter meter = new ServingMeter();
    /** What a request without a model is told (the pipeline's state); called outside the lock. */
    private final Supplier<PipelineException> none;
    private volatile ServedModel served;

    ServingSlot(Supplier<PipelineException> none) {
        this.none = none;
    }

    /** The model now served, or null: for the state machine, not for answering requests. */
    ServedModel current() {
        return served;
    }

    /** Serves this model; the one it replaces is closed unless both run on one session. */
    void serve(ServedModel model) {
        lock.writeLock().lock();
        try {
            ServedModel old = served;
            served = model;
            if (old != null && old != model && !old.sharesSession(model)) {
                old.close();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Stops serving and closes the model. */
    void unserve() {
        lock.writeLock().lock();
        try {
            if (served != null) {
                served.close();
                served = null;
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    /**
     * Applies {@code use} to the served model under the read lock; without one, throws what the pipeline says. The
     * message is built outside the lock: it may take the pipeline's monitor, which a swap holds while it waits for
     * the write lock.
     */
    <T> T withModel(Function<ServedModel, T> use) {
        lock.readLock().lock();
        try {
            ServedModel m = served;
            if (m != null) {
                return use.apply(m);
            }
        } finally {
            lock.readLock().unlock();
        }
        throw none.get();
    }

    /** Runs a serving call and counts it (answered or refused) with its latency. */
    <T> T metered(float[][] samples, Supplier<T> call) {
        long start = System.nanoTime();
        boolean failed = true;
        try {
            T result = call.get();
            failed = false;
            return result;
        } finally {
            meter.record(start, samples == null ? 0 : samples.length, failed);
        }
    }

    double[] score(float[][] samples) {
        return metered(samples, () -> withModel(m -> m.score(samples)));
    }

    boolean[] label(float[][] samples) {
        return metered(samples, () -> withModel(m -> {
            double[] s = m.score(samples);
            boolean[] out = new boolean[s.length];
            for (int i = 0; i < s.length; i++) {
                out[i] = s[i] > m.threshold();
            }
            return out;
        }));
    }

    float[][] encode(float[][] samples) {
        return metered(samples, () -> withModel(m -> m.encode(samples)));
    }

    float[][] reconstruct(float[][] samples) {
        return metered(samples, () -> withModel(m -> m.reconstruct(samples)));
    }

    float[][] output(String name, float[][] samples) {
        return metered(samples, () -> withModel(m -> m.output(name, samples)));
    }

    double threshold() {
        return withModel(ServedModel::threshold);
    }

    Path modelFile() {
        return withModel(ServedModel::modelFile);
    }

    ServingStats stats() {
        return meter.snapshot();
    }

    Optional<ScoreHistogram> histogram() {
        lock.readLock().lock();
        try {
            ServedModel m = served;
            return m == null ? Optional.empty() : Optional.ofNullable(m.record().histogram());
        } finally {
            lock.readLock().unlock();
        }
    }
}
