package org.hourglass.executor.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads this process's native thread count and resident memory from /proc (Linux, where CI runs). */
final class ProcessStats {
    private ProcessStats() {
    }

    static int nativeThreads() throws IOException {
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            return (int) tasks.count();
        }
    }

    static long residentKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS line in /proc/self/status");
    }
}
