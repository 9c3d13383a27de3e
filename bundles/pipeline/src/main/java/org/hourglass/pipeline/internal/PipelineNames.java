package org.hourglass.pipeline.internal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.hourglass.data.paths.DataPaths;

/**
 * Which configuration owns each pipeline name and model folder in this framework. Two configurations with one
 * {@code hourglass.name} would share one store, and the newcomer would find the other's model stale, retrain and
 * delete it: the second claim is refused instead, naming the owner. When an owner lets go, those that were refused
 * are told (on another thread, so no caller's lock is held while they claim again).
 */
final class PipelineNames {

    /** One claimant: its configuration's PID and what to do when a claim it lost may now succeed. */
    record Claimant(String configuration, Runnable retry) {
    }

    private record Owner(Claimant claimant, String name, Path folder) {
    }

    private static final PipelineNames SHARED = new PipelineNames();

    PipelineNames() {
    }

    private final Map<String, Owner> byName = new HashMap<>();
    private final Map<Path, Owner> byFolder = new HashMap<>();
    private final Map<Claimant, Boolean> refused = new LinkedHashMap<>();

    static PipelineNames shared() {
        return SHARED;
    }

    /**
     * Claims the name and the model folder for {@code claimant}; empty when granted (or already its own), else why
     * not. A claimant holds at most one claim: a new one replaces its old one.
     */
    synchronized Optional<String> claim(Claimant claimant, String name, Path folder) {
        Path real = DataPaths.real(folder);
        Owner byN = byName.get(name);
        Owner byF = byFolder.get(real);
        Owner other = byN != null && byN.claimant() != claimant ? byN
                : byF != null && byF.claimant() != claimant ? byF : null;
        if (other != null) {
            refused.put(claimant, Boolean.TRUE);
            String what = other == byN ? "hourglass.name '" + name + "'" : "model folder " + real;
            return Optional.of(what + " is already used by configuration " + other.claimant().configuration()
                    + " (pipeline '" + other.name() + "', models in " + other.folder()
                    + "); give this pipeline another name or remove the other configuration");
        }
        List<Runnable> waiting = releaseLocked(claimant);
        Owner mine = new Owner(claimant, name, real);
        byName.put(name, mine);
        byFolder.put(real, mine);
        refused.remove(claimant);
        notifyLater(waiting);
        return Optional.empty();
    }

    /** Gives up the claimant's claim (if any) and forgets that it was refused. */
    synchronized void release(Claimant claimant) {
        refused.remove(claimant);
        notifyLater(releaseLocked(claimant));
    }

    private List<Runnable> releaseLocked(Claimant claimant) {
        boolean held = byName.values().removeIf(o -> o.claimant() == claimant);
        byFolder.values().removeIf(o -> o.claimant() == claimant);
        List<Runnable> waiting = new ArrayList<>();
        if (held) {
            refused.keySet().forEach(c -> waiting.add(c.retry()));
        }
        return waiting;
    }

    private static void notifyLater(List<Runnable> waiting) {
        for (Runnable r : waiting) {
            CompletableFuture.runAsync(r);
        }
    }
}
