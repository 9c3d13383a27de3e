package org.hourglass.pipeline.internal;

import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/** A pipeline's background thread for training jobs, one at a time. */
final class TrainingJobs {

    private final ExecutorService thread;

    /** @param name the pipeline's name now, for the thread's name */
    TrainingJobs(Supplier<String> name) {
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "hourglass-train-" + name.get());
            t.setDaemon(true);
            return t;
        });
    }

    Future<?> submit(Runnable job) {
        return thread.submit(job);
    }

    /** Waits (up to a minute each) for a cancelled job to stop, then for the thread to end. */
    void stop(Future<?> cancelled) {
        if (cancelled != null) {
            try {
                cancelled.get(60, TimeUnit.SECONDS);
            } catch (CancellationException | ExecutionException | TimeoutException e) {
                // cancelled or failed: either way the job is over or will stop at its next step
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        thread.shutdownNow();
        try {
            thread.awaitTermination(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
