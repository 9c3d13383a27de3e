package org.hourglass.pipeline.internal;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A scoring method's fitted state as {@code pipeline.json} keeps it under {@code "scorer"}: the state's format
 * version, the scoring instance that fitted it and the values its {@code fit} returned (JSON values only).
 * Version 2 is written as {@code {"version": 2, "method": "combined", "values": {...}}}. Files written before it
 * (version 1) hold the values map itself: they still load, as version 1, and {@link StoredPipeline} fills the method
 * in from the record's scoring plug-in.
 *
 * @param version the format version
 * @param method  the {@code hourglass.name} of the scoring instance that fitted it; null only while reading a
 *                version 1 record
 * @param values  what {@code ScoringMethod.fit} returned, passed back to {@code score}
 */
record ScorerState(int version, String method, Map<String, Object> values) {

    static final int VERSION = 2;

    ScorerState {
        if (version < 1 || version > VERSION) {
            throw new IllegalArgumentException("scorer state of version " + version + " (this platform reads 1 to "
                    + VERSION + "): written by a newer Hourglass?");
        }
        // Scorers may keep nulls (JSON null); Map.copyOf would refuse them.
        values = values == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /** State fitted now by {@code method}. */
    static ScorerState fitted(String method, Map<String, Object> values) {
        return new ScorerState(VERSION, method, values);
    }

    /** The same state named after its method (a version 1 record read back). */
    ScorerState withMethod(String name) {
        return new ScorerState(version, name, values);
    }

    /** Reads both shapes: a version 2 object, or a version 1 file's bare values map. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    @SuppressWarnings("unchecked")
    static ScorerState fromJson(Map<String, Object> json) {
        if (json != null && json.keySet().equals(Set.of("version", "method", "values"))
                && json.get("version") instanceof Number v && json.get("values") instanceof Map<?, ?> values) {
            Object method = json.get("method");
            return new ScorerState(v.intValue(), method == null ? null : method.toString(),
                    (Map<String, Object>) values);
        }
        return new ScorerState(1, null, json);
    }
}
