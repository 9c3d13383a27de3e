package org.hourglass.embedding.example;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** Live non-daemon threads: what would keep a host's JVM from exiting. */
final class Threads {

    private Threads() {
    }

    static Set<Thread> nonDaemon() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && !t.isDaemon())
                .collect(Collectors.toSet());
    }

    /** Names of non-daemon threads not in {@code before} that are still alive after {@code grace}. */
    static List<String> awaitGone(Set<Thread> before, Duration grace) throws InterruptedException {
        long end = System.nanoTime() + grace.toNanos();
        List<String> extra;
        do {
            extra = nonDaemon().stream().filter(t -> !before.contains(t)).map(Thread::getName).sorted().toList();
            if (extra.isEmpty()) {
                return extra;
            }
            Thread.sleep(100);
        } while (System.nanoTime() < end);
        return extra;
    }
}
