package org.hourglass.pipeline.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scorer's state in pipeline.json: typed and versioned, and files written before it still load. */
class ScorerStateTest {

    @TempDir
    Path dir;

    private static final ObjectMapper JSON = new ObjectMapper();

    private static StoredPipeline record(Map<String, Object> scorer) {
        return new StoredPipeline(StoredPipeline.FORMAT, "p", "fp", Map.of("family", "dense"), Map.of("epochs", 3),
                Map.of("family", Map.of("name", "dense"), "scoring", Map.of("name", "latent-knn")),
                new long[] {2, 2}, Normalizer.fit("minmax", new float[] {0, 2, 4, 8}, 4).toJson(), scorer, 0.5,
                Map.of("final_loss", 0.1), null, List.of(), "2026-01-01T00:00:00Z", null, null, List.of());
    }

    private static Map<String, Object> fitted() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("k", 5);
        m.put("reference_mean", 0.25);
        m.put("codes", List.of(List.of(1.0, 2.0), List.of(3.0, 4.0)));
        return m;
    }

    @Test
    void writtenAsAVersionedObjectNamingTheMethodAndReadBackTheSame() throws Exception {
        ModelStore store = new ModelStore(dir.resolve("p"));
        store.commit(new byte[] {1}, record(fitted()));
        Map<?, ?> file = JSON.readValue(Files.readAllBytes(dir.resolve("p").resolve(ModelStore.RECORD)), Map.class);
        assertEquals(Map.of("version", 2, "method", "latent-knn", "values", fitted()), file.get("scorer"));
        StoredPipeline read = store.read().orElseThrow();
        assertEquals(new ScorerState(2, "latent-knn", fitted()), read.scorerState());
        assertEquals(fitted(), read.scorer(), "the scoring method gets the values it fitted");
    }

    @Test
    void aFileFromBeforeHoldsTheValuesThemselvesAndLoadsAsVersionOne() throws Exception {
        ModelStore store = new ModelStore(dir.resolve("p"));
        store.commit(new byte[] {1}, record(fitted()));
        Path path = dir.resolve("p").resolve(ModelStore.RECORD);
        @SuppressWarnings("unchecked")
        Map<String, Object> file = JSON.readValue(Files.readAllBytes(path), Map.class);
        file.put("scorer", fitted()); // the shape files had before the state was typed
        Files.write(path, JSON.writeValueAsBytes(file));
        StoredPipeline read = store.read().orElseThrow();
        assertEquals(new ScorerState(1, "latent-knn", fitted()), read.scorerState(),
                "version 1, the method taken from the record's scoring plug-in");
        assertEquals(fitted(), read.scorer());
    }

    @Test
    void aStateOfANewerVersionIsRefusedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ScorerState.fromJson(Map.of("version", 3, "method", "combined", "values", Map.of())));
        assertTrue(e.getMessage().contains("version 3"), e.getMessage());
    }
}
