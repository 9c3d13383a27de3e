package org.hourglass.scoring.neighbours;

import java.lang.ref.WeakReference;
import java.util.Map;
import java.util.function.Function;

/**
 * The last few values decoded from scorer states, by state identity: a served model scores many small batches
 * with the same state map, which should not re-read its stored arrays every time. Weak: a state that is no longer
 * used (a retrained model) is not kept alive.
 */
public final class StateCache<T> {

    private record Entry<T>(WeakReference<Map<String, Object>> state, T value) {
    }

    private final Object lock = new Object();
    @SuppressWarnings("unchecked")
    private final Entry<T>[] entries = new Entry[8];

    public T get(Map<String, Object> state, Function<Map<String, Object>, T> decode) {
        synchronized (lock) {
            for (Entry<T> e : entries) {
                if (e != null && e.state().get() == state) {
                    return e.value();
                }
            }
        }
        T value = decode.apply(state);
        synchronized (lock) {
            System.arraycopy(entries, 0, entries, 1, entries.length - 1);
            entries[0] = new Entry<>(new WeakReference<>(state), value);
        }
        return value;
    }
}
