package org.hourglass.pipeline.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.hourglass.graph.HostTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreTest {

    @TempDir
    Path dir;

    private static StoredPipeline record(String name) {
        return new StoredPipeline(StoredPipeline.FORMAT, name, "fp", Map.of("family", "dense"), Map.of("epochs", 3),
                Map.of("family", Map.of("name", "dense")), new long[] {2, 2},
                Normalizer.fit("minmax", new float[] {0, 2, 4, 8}, 4).toJson(), Map.of("metric", "mse"), 0.5,
                Map.of("final_loss", 0.1, "eval_auroc", Double.NaN),
                Histograms.of(new double[] {0.1, 0.2, 0.9}, new int[] {0, 0, 1}, 0.5, "eval"), List.of(),
                "2026-01-01T00:00:00Z", null, null, List.of(Map.of("kl", List.of(0.5, 0.01))));
    }

    @Test
    void commitWritesModelAndRecordAndReadsThemBack() throws Exception {
        ModelStore store = new ModelStore(dir.resolve("p"));
        assertTrue(store.read().isEmpty());
        StoredPipeline first = store.commit(new byte[] {1, 2, 3}, record("p"));
        StoredPipeline second = store.commit(new byte[] {4, 5}, record("p"));
        StoredPipeline read = store.read().orElseThrow();
        assertEquals(second.modelFile(), read.modelFile());
        assertArrayEquals(new byte[] {4, 5}, store.readModel(read));
        assertTrue(Double.isNaN(read.metrics().get("eval_auroc")));
        assertEquals(Histograms.BINS, read.histogram().normal().length);
        assertEquals(2, java.util.Arrays.stream(read.histogram().normal()).sum());
        assertEquals(1, read.histogram().anomalous()[Histograms.BINS - 1], "the anomaly lands in the last bin");
        assertTrue(Files.notExists(dir.resolve("p").resolve(first.modelFile())), "older model removed");
        Normalizer n = Normalizer.fromJson(read.normalizer(), 4);
        assertArrayEquals(new float[] {0.5f, 1f, 0f, 0f}, n.apply(new float[] {4, 8, 0, 0}), 1e-6f);
        try (var files = Files.list(dir.resolve("p"))) {
            assertEquals(List.of(ModelStore.MARKER, "model-" + read.modelSha256().substring(0, 12) + ".onnx",
                    "pipeline.json"), files.map(f -> f.getFileName().toString()).sorted().toList(),
                    "no temporary files left; the folder is marked as the store's");
        }
    }

    @Test
    void damagedFilesAreNamedAndNeverServed() throws Exception {
        ModelStore store = new ModelStore(dir);
        StoredPipeline p = store.commit(new byte[] {1, 2, 3}, record("p"));
        Files.write(dir.resolve(p.modelFile()), new byte[] {9, 9, 9});
        ModelStore.StoreException e = assertThrows(ModelStore.StoreException.class, () -> store.readModel(p));
        assertTrue(e.getMessage().contains("does not match pipeline.json"), e.getMessage());

        Files.writeString(dir.resolve("pipeline.json"), "{ not json");
        e = assertThrows(ModelStore.StoreException.class, store::read);
        assertTrue(e.getMessage().contains("pipeline.json is corrupt"), e.getMessage());
        Files.writeString(dir.resolve("pipeline.json"), "{\"format\": 99}");
        e = assertThrows(ModelStore.StoreException.class, store::read);
        assertTrue(e.getMessage().contains("not a Hourglass pipeline record"), e.getMessage());
    }

    @Test
    void checkpointRoundTripsAndDetectsDamage() throws Exception {
        ModelStore store = new ModelStore(dir);
        Map<String, HostTensor> state = Map.of("w", HostTensor.ofFloats(new float[] {1.5f, -2}, 2),
                "opt/step", HostTensor.ofFloats(new float[] {3}));
        store.writeCheckpoint(new Checkpoint("fp", 2, 40, state, 0.25, 1));
        Checkpoint c = store.readCheckpoint().orElseThrow();
        assertEquals(2, c.epochsDone());
        assertEquals(40, c.step());
        assertArrayEquals(new float[] {1.5f, -2}, c.state().get("w").floats());
        byte[] bytes = Files.readAllBytes(dir.resolve(ModelStore.CHECKPOINT));
        bytes[bytes.length / 2] ^= 1;
        Files.write(dir.resolve(ModelStore.CHECKPOINT), bytes);
        ModelStore.StoreException e = assertThrows(ModelStore.StoreException.class, store::readCheckpoint);
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    }

    @Test
    void normalizersFitOnTrainingDataAndInvert() {
        float[] data = {0, 10, 2, 30}; // two samples of two features
        Normalizer z = Normalizer.fit("zscore", data, 2);
        float[] n = z.apply(data);
        assertArrayEquals(new float[] {-1, -1, 1, 1}, n, 1e-5f);
        assertArrayEquals(data, z.invert(n), 1e-4f);
        Normalizer constant = Normalizer.fit("minmax", new float[] {3, 3}, 2);
        assertArrayEquals(new float[] {0, 0}, constant.apply(new float[] {3, 3}), 0f); // no division by zero
    }

    @Test
    void leftoversOfAKilledWriteAreRemovedButNotFreshFilesOrTheRecordedModel() throws Exception {
        Path p = dir.resolve("p");
        ModelStore store = new ModelStore(p);
        StoredPipeline kept = store.commit(new byte[] {7, 7}, record("p"));
        java.time.Instant crash = java.time.Instant.now().minusSeconds(60);
        Path oldModelTmp = old(Files.write(p.resolve(".model-0123456789ab.onnx4711.tmp"), new byte[] {1}), crash);
        Path oldRecordTmp = old(Files.write(p.resolve(".pipeline.json99.tmp"), new byte[] {2}), crash);
        // Renamed into place, but the record naming it was never written: named by its own hash, as the store names.
        String orphanName = modelName(new byte[] {4});
        Path orphan = old(Files.write(p.resolve(orphanName), new byte[] {4}), crash);
        // Named like a model, but its content does not hash to its name: not the store's, whatever its name.
        Path foreign = old(Files.write(p.resolve("model-ffffffffffff.onnx"), new byte[] {4}), crash);
        Path foreignTmp = old(Files.write(p.resolve(".notes.txt1.tmp"), new byte[] {4}), crash);
        old(p.resolve(kept.modelFile()), crash);
        Path fresh = Files.write(p.resolve(".checkpoint.bin5.tmp"), new byte[] {3});
        Path freshModel = Files.write(p.resolve(modelName(new byte[] {5})), new byte[] {5});

        List<String> removed = store.removeLeftovers(java.time.Instant.now().minusSeconds(10));
        assertEquals(java.util.stream.Stream.of(".model-0123456789ab.onnx4711.tmp", ".pipeline.json99.tmp", orphanName)
                .sorted().toList(), removed.stream().sorted().toList());
        assertTrue(Files.notExists(oldModelTmp) && Files.notExists(oldRecordTmp) && Files.notExists(orphan));
        assertTrue(Files.exists(foreign) && Files.exists(foreignTmp), "files the store did not write stay");
        assertTrue(Files.exists(fresh) && Files.exists(freshModel), "a write of this process may still be going on");
        assertArrayEquals(new byte[] {7, 7}, store.readModel(store.read().orElseThrow()));
        assertEquals(kept.modelFile(), store.read().orElseThrow().modelFile());
        assertEquals(List.of(), new ModelStore(dir.resolve("absent")).removeLeftovers(java.time.Instant.now()));
    }

    @Test
    void aStoreWhoseRecordIsDamagedIsLeftAsItIs() throws Exception {
        Path p = dir.resolve("p");
        ModelStore store = new ModelStore(p);
        StoredPipeline kept = store.commit(new byte[] {7, 7}, record("p"));
        Files.writeString(p.resolve(ModelStore.RECORD), "{\"format\": ");
        java.time.Instant crash = java.time.Instant.now().minusSeconds(60);
        old(p.resolve(kept.modelFile()), crash);
        old(Files.write(p.resolve(".pipeline.json1.tmp"), new byte[] {1}), crash);
        assertEquals(List.of(), store.removeLeftovers(java.time.Instant.now()));
        assertTrue(Files.exists(p.resolve(kept.modelFile())));
    }

    @Test
    void aFolderTheStoreNeverWroteIsNeverCleanedUp() throws Exception {
        // model.dir pointed at a folder of the user's: same names as the store's leftovers, no pipeline.json.
        Path p = dir.resolve("users-folder");
        Files.createDirectories(p);
        java.time.Instant before = java.time.Instant.now().minusSeconds(60);
        Path model = old(Files.write(p.resolve(modelName(new byte[] {1})), new byte[] {1}), before);
        Path tmp = old(Files.write(p.resolve(".pipeline.json7.tmp"), new byte[] {2}), before);
        Path other = old(Files.write(p.resolve("model-aaaaaaaaaaaa.onnx"), new byte[] {3}), before);
        assertEquals(List.of(), new ModelStore(p).removeLeftovers(java.time.Instant.now()));
        assertTrue(Files.exists(model) && Files.exists(tmp) && Files.exists(other));
    }

    @Test
    void aCommitRemovesOnlyTheModelTheOldRecordNamed() throws Exception {
        Path p = dir.resolve("p");
        ModelStore store = new ModelStore(p);
        StoredPipeline first = store.commit(new byte[] {1}, record("p"));
        Path mine = p.resolve(first.modelFile());
        Path someoneElses = Files.write(p.resolve("model-bbbbbbbbbbbb.onnx"), new byte[] {9});
        Path aCopy = Files.write(p.resolve(modelName(new byte[] {8})), new byte[] {8});
        StoredPipeline second = store.commit(new byte[] {2}, record("p"));
        assertTrue(Files.notExists(mine), "the model the record named is replaced");
        assertTrue(Files.exists(someoneElses) && Files.exists(aCopy), "models the store did not record stay");
        assertTrue(Files.exists(p.resolve(second.modelFile())));
    }

    private static String modelName(byte[] content) {
        return "model-" + ModelStore.sha256(content).substring(0, 12) + ".onnx";
    }

    private static Path old(Path file, java.time.Instant when) throws java.io.IOException {
        Files.setLastModifiedTime(file, java.nio.file.attribute.FileTime.from(when));
        return file;
    }
}
