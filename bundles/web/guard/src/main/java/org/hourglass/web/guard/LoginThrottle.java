package org.hourglass.web.guard;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed logins per client address. After {@code free} failures an address is locked out: requests carrying
 * credentials from it are refused at once, without checking them, for 1 s after the next failure, 2 s after the one
 * after, doubling up to {@code maxLockMillis}. Nothing waits on a thread: a locked-out request is answered
 * immediately. An address's count is forgotten {@link #FORGET_MILLIS} after its last failure; a success does not
 * reset it (a GET that needs no credentials "succeeds" whatever they are).
 */
final class LoginThrottle {

    static final long FORGET_MILLIS = 15 * 60 * 1000L;
    /** Addresses kept before forgotten ones are dropped; beyond it, the older half of the unlocked ones goes. */
    static final int MAX_ADDRESSES = 10_000;

    /** An address's record: failures in a row, when the last one was, until when it is locked out. */
    record Entry(int failures, long lastFailure, long lockedUntil) {
    }

    private final int free;
    private final long maxLockMillis;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private volatile long lastPrune = Long.MIN_VALUE / 2;

    LoginThrottle(int free, long maxLockMillis) {
        this.free = Math.max(0, free);
        this.maxLockMillis = Math.max(1000, maxLockMillis);
    }

    int free() {
        return free;
    }

    long maxLockMillis() {
        return maxLockMillis;
    }

    /** Milliseconds the address is still locked out at {@code now}; 0 when it is not. */
    long lockedFor(String address, long now) {
        Entry e = entries.get(address);
        return e == null ? 0 : Math.max(0, e.lockedUntil() - now);
    }

    /**
     * Records a failed login; returns the address's record after it. With the table full (of addresses still locked
     * out), a new address is not recorded: its failures are logged but not slowed until the table has room.
     */
    Entry failed(String address, long now) {
        if (entries.size() >= MAX_ADDRESSES && !entries.containsKey(address)) {
            if (now - lastPrune >= 1000) { // a full scan at most once a second, however many failures come
                lastPrune = now;
                prune(now);
            }
            if (entries.size() >= MAX_ADDRESSES) {
                return new Entry(1, now, 0);
            }
        }
        return entries.compute(address, (a, e) -> {
            int failures = e == null || now - e.lastFailure() > FORGET_MILLIS ? 1 : e.failures() + 1;
            long lock = 0;
            if (failures > free) {
                int doublings = Math.min(failures - free - 1, 30);
                lock = Math.min(maxLockMillis, 1000L << doublings);
            }
            return new Entry(failures, now, lock == 0 ? 0 : now + lock);
        });
    }

    /** Drops forgotten addresses; if that is not enough, the older half of the unlocked ones (one pass each). */
    private void prune(long now) {
        entries.values().removeIf(e -> now - e.lastFailure() > FORGET_MILLIS && e.lockedUntil() <= now);
        if (entries.size() >= MAX_ADDRESSES) {
            long[] times = entries.values().stream().filter(e -> e.lockedUntil() <= now)
                    .mapToLong(Entry::lastFailure).sorted().toArray();
            if (times.length > 0) {
                long median = times[times.length / 2];
                entries.values().removeIf(e -> e.lastFailure() <= median && e.lockedUntil() <= now);
            }
        }
    }

    int size() {
        return entries.size();
    }
}
