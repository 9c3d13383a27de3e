package org.hourglass.pipeline.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.hourglass.api.executor.OnnxExecutor;
import org.hourglass.api.pipeline.PipelineException;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.api.pipeline.PipelineStatus;
import org.hourglass.api.pipeline.TrainingProgress;
import org.hourglass.spi.ScoringMethod;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pipeline's states: WAITING for a plug-in its configuration names (picked from the shared
 * {@link PluginRegistry}, so it can say which one is missing), READY to train, TRAINING in a background job
 * ({@link TrainingRun}), TRAINED and serving (the {@link ServingSlot}), FAILED with the reason. The
 * {@link StoreReconciler} says what the model folder holds for the settings. An edit is applied in place; plug-ins
 * coming and going move the state without touching stored models.
 */
final class PipelineStateMachine {

    private static final Logger LOG = LoggerFactory.getLogger(PipelineStateMachine.class);

    private final BundleContext context;
    private final OnnxExecutor executor;
    private final PluginRegistry registry;
    private final Runnable replug = this::refresh;
    private final TrainingJobs jobs = new TrainingJobs(() -> this.name);
    private final ServingSlot slot;
    private final PipelineNames names = PipelineNames.shared();
    private final PipelineNames.Claimant claimant;

    // The configuration: replaced in place by an edit (modified), so the service and its model stay available.
    private volatile String name;
    /** Null when the configuration is invalid: the pipeline then stays FAILED and says why. */
    private volatile Settings settings;
    private volatile StoreReconciler reconciler;
    private volatile Map<String, Object> configSnapshot;
    /** Whether this pipeline owns its name and model folder (see {@link PipelineNames}). */
    private boolean claimed;

    private PipelineState state = PipelineState.WAITING;
    private String message = "starting";
    private volatile Selection selected = Selection.NONE;
    private TrainingRun run;
    private Future<?> job;
    private boolean active = true;
    /** Set when a plug-in or the configuration changed during training: the cancelled job is followed by a fresh start. */
    private boolean replugged;

    /** Starts with the first configuration: claims the name and folder and serves or trains as the store says. */
    PipelineStateMachine(Map<String, Object> properties, BundleContext context, OnnxExecutor executor,
                         PluginRegistry registry, ServingSlot slot) {
        this.context = context;
        this.executor = executor;
        this.registry = registry;
        this.slot = slot;
        this.claimant = new PipelineNames.Claimant(String.valueOf(properties.get(Constants.SERVICE_PID)),
                this::claimAgain);
        synchronized (this) {
            registry.addListener(replug);
            configure(properties);
        }
    }

    /** A configuration edit: applied in place, so the current model serves until a new one replaces it. */
    synchronized void modified(Map<String, Object> properties) {
        configure(properties);
    }

    private void configure(Map<String, Object> properties) {
        ConfigValues values = new ConfigValues(properties);
        Settings parsed;
        try {
            parsed = Settings.of(values, context::getProperty);
        } catch (IllegalArgumentException e) {
            stopJob();
            slot.unserve();
            releaseName();
            settings = null;
            configSnapshot = values.snapshot(Settings.ATTRIBUTES);
            name = String.valueOf(configSnapshot.get("hourglass.name"));
            // Registered anyway, so the console and REST can show what is wrong instead of nothing.
            fail("invalid configuration: " + e.getMessage());
            return;
        }
        Settings before = settings;
        boolean sameStore = claimed && before != null && before.name().equals(parsed.name())
                && before.storeDir().equals(parsed.storeDir());
        settings = parsed;
        name = parsed.name();
        configSnapshot = values.snapshot(Settings.ATTRIBUTES);
        if (sameStore) {
            if (job != null) {
                replugged = true;
                job.cancel(true); // finished() starts again with the new settings; the current model keeps serving
                return;
            }
            selected = Selection.NONE; // re-evaluate with the new settings even where the plug-ins are the same
            refresh();
            return;
        }
        stopJob();
        slot.unserve();
        reconciler = new StoreReconciler(name, new ModelStore(parsed.storeDir()), executor, registry);
        claimed = false;
        claimAndStart();
    }

    /** Claims the name and model folder; refused, the pipeline is FAILED until the owner lets go. */
    private void claimAndStart() {
        Optional<String> taken = names.claim(claimant, name, settings.storeDir());
        if (taken.isPresent()) {
            fail(taken.get());
            return;
        }
        claimed = true;
        reconciler.removeLeftovers();
        state = PipelineState.WAITING;
        selected = Selection.NONE;
        refresh();
    }

    /** Told by {@link PipelineNames} that a name this pipeline was refused may be free now. */
    private synchronized void claimAgain() {
        if (active && settings != null && !claimed) {
            claimAndStart();
        }
    }

    private void releaseName() {
        claimed = false;
        names.release(claimant);
    }

    /** Cancels a running job and forgets it: what it still finishes is closed, not served. */
    private void stopJob() {
        if (job != null) {
            job.cancel(true);
            job = null;
            run = null;
        }
        replugged = false;
    }

    /** Re-evaluates the state after a plug-in came or went (and after activation and each edit). */
    private synchronized void refresh() {
        if (!active || settings == null || !claimed) {
            return;
        }
        List<String> missing = new ArrayList<>();
        Selection now = Selection.of(registry, settings, missing);
        if (now.sameServices(selected) && state != PipelineState.WAITING) {
            selected = now;
            return;
        }
        selected = now;
        if (!missing.isEmpty()) {
            if (job != null) {
                job.cancel(true);
            }
            slot.unserve();
            String why = "waiting for " + String.join(", ", missing);
            if (state != PipelineState.WAITING || !why.equals(message)) {
                LOG.info("Pipeline '{}' is {}", name, why);
            }
            state = PipelineState.WAITING;
            message = why;
            return;
        }
        if (state == PipelineState.TRAINING) {
            replugged = true;
            job.cancel(true); // a plug-in it trains with was replaced; finished() re-evaluates
            return;
        }
        loadStored();
    }

    /** Serves what the store holds for the settings; else READY (training when configured to). */
    private void loadStored() {
        StoreReconciler.Outcome outcome = reconciler.reconcile(settings, selected, slot.current());
        if (outcome instanceof StoreReconciler.Serve serve) {
            message = serve.message();
            serve(serve.model());
            state = PipelineState.TRAINED;
        } else if (outcome instanceof StoreReconciler.Unusable unusable) {
            slot.unserve();
            fail(unusable.why());
        } else {
            ServedModel served = slot.current();
            if (served != null && !registry.holds(ScoringMethod.class, served.scoring())) {
                slot.unserve(); // its scoring method is gone: it cannot answer any more
            }
            state = PipelineState.READY;
            message = ((StoreReconciler.Stale) outcome).why()
                    + (slot.current() != null ? "; the previous model serves until a new one is trained" : "");
            LOG.info("Pipeline '{}' is ready: {}", name, message);
            if (settings.autoTrain()) {
                startTraining();
            }
        }
    }

    private void fail(String why) {
        state = PipelineState.FAILED;
        message = why;
        LOG.error("Pipeline '{}' failed: {}", name, why);
    }

    private void serve(ServedModel model) {
        slot.serve(model);
        notifyAll();
    }

    // ------------------------------------------------------------------------------ training

    synchronized void train() {
        // Not claimed: another configuration owns the name and its model folder; training would write into it.
        if (state == PipelineState.WAITING || settings == null || !claimed) {
            throw new PipelineException("pipeline '" + name + "' cannot train: " + message);
        }
        if (state == PipelineState.TRAINING) {
            throw new PipelineException("pipeline '" + name + "' is already training");
        }
        startTraining();
    }

    private void startTraining() {
        Selection plugins = selected;
        StoreReconciler store = reconciler;
        TrainingRun r = new TrainingRun(settings, plugins, executor, store.store(), plugins.fingerprint(settings),
                configSnapshot);
        run = r;
        state = PipelineState.TRAINING;
        message = "";
        job = jobs.submit(() -> {
            ServedModel result = null;
            Throwable error = null;
            try {
                // Served from the stored file, as after a restart: one way to a served model.
                result = store.openTrained(r.call(), plugins.scoring().service());
            } catch (Throwable t) {
                error = t;
            }
            // An interrupt can surface as any exception (e.g. ClosedByInterruptException while checkpointing).
            boolean cancelled = Thread.interrupted() || error instanceof CancellationException;
            finished(r, result, error, cancelled);
        });
    }

    private synchronized void finished(TrainingRun r, ServedModel result, Throwable error, boolean cancelled) {
        r.markDone();
        try {
            if (r != run || !active) {
                if (result != null) {
                    result.close();
                }
                return;
            }
            job = null;
            boolean serving = slot.current() != null;
            if (result != null) {
                serve(result);
                state = PipelineState.TRAINED;
                message = "";
            } else if (cancelled) {
                LOG.info("Pipeline '{}': training cancelled (the checkpoint of the last finished epoch is kept)",
                        name);
                if (state == PipelineState.WAITING) {
                    return; // a plug-in went away; refresh() already said which
                }
                state = serving ? PipelineState.TRAINED : PipelineState.READY;
                message = "training cancelled" + (serving ? "; the previous model still serves" : "");
                if (replugged) {
                    replugged = false;
                    selected = Selection.NONE;
                    refresh(); // train again with the plug-ins that replaced the old ones
                }
            } else {
                String why = error.getMessage() == null ? error.toString() : error.getMessage();
                fail("training failed: " + why + (serving ? " (the previous model still serves)" : ""));
                LOG.debug("Training failure of pipeline '{}'", name, error);
            }
        } finally {
            notifyAll();
        }
    }

    synchronized boolean cancel() {
        return job != null && job.cancel(true);
    }

    PipelineState awaitTraining(long timeoutMillis) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            TrainingRun r;
            synchronized (this) {
                if (state != PipelineState.TRAINING) {
                    return state;
                }
                r = run;
            }
            long left = end - System.nanoTime();
            if (left <= 0) {
                return PipelineState.TRAINING;
            }
            synchronized (this) {
                if (run == r && state == PipelineState.TRAINING) {
                    wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 200)));
                }
            }
        }
    }

    synchronized PipelineStatus status() {
        ServedModel served = slot.current();
        Map<String, Double> metrics = served == null ? Map.of() : served.record().metrics();
        TrainingProgress p = run == null ? null : run.progress();
        return new PipelineStatus(name, state, message, p, metrics);
    }

    /** The component is deactivated: the job is stopped, the model closed, the name let go. */
    void stop() {
        registry.removeListener(replug);
        Future<?> running;
        synchronized (this) {
            active = false;
            running = job;
            if (running != null) {
                running.cancel(true);
            }
        }
        jobs.stop(running);
        synchronized (this) {
            slot.unserve();
            releaseName();
            message = "this pipeline instance was stopped (its bundle stopped or its configuration changed); "
                    + "look the Pipeline service up again";
        }
    }

    String name() {
        return name;
    }

    Settings settings() {
        return settings;
    }

    Map<String, Object> configuration() {
        return configSnapshot;
    }

    StoreReconciler reconciler() {
        return reconciler;
    }

    @Override
    public String toString() {
        return "Pipeline[" + name + ", " + state + "]";
    }
}
