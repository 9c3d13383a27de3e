package org.hourglass.pipeline.internal;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * One pipeline's folder: {@code pipeline.json}, the inference model {@code model-<hash>.onnx} it names, and
 * {@code checkpoint.bin}. A new model is written under a new name before {@code pipeline.json} is replaced, and
 * older models are removed only after that, so a crash at any point leaves a consistent store.
 */
final class ModelStore {

    static final String RECORD = "pipeline.json";
    static final String CHECKPOINT = "checkpoint.bin";
    /** Marks a folder the store wrote into: only there does it ever delete anything. */
    static final String MARKER = ".hourglass-store";
    /** How the store names a model: by the start of its SHA-256. */
    private static final java.util.regex.Pattern MODEL = java.util.regex.Pattern.compile("model-[0-9a-f]{12}\\.onnx");

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path dir;

    ModelStore(Path dir) {
        this.dir = dir;
    }

    /**
     * Deletes what a write interrupted by a crash left behind: temporary files of the store's own files
     * ({@link AtomicFiles} writes {@code .<name><random>.tmp} and renames it) and model files the record does not name
     * (a model renamed into place before its record was). Only in a folder this store has marked as its own (the
     * folder may be one a user pointed {@code model.dir} at, holding files Hourglass never wrote), only files named as
     * the store names them, a model only when its content still hashes to its name, and only files older than
     * {@code before}, so a write still in progress in this process is never touched. Nothing goes while the record
     * cannot be read, so a damaged store stays as it is for inspection. Returns the names removed.
     */
    java.util.List<String> removeLeftovers(java.time.Instant before) {
        java.util.List<String> removed = new java.util.ArrayList<>();
        if (!Files.isRegularFile(dir.resolve(MARKER))) {
            return removed;
        }
        String current;
        try {
            current = read().map(StoredPipeline::modelFile).orElse(null);
        } catch (StoreException damaged) {
            return removed;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path p : files) {
                String name = p.getFileName().toString();
                boolean leftover = temporary(name) || MODEL.matcher(name).matches() && !name.equals(current)
                        && Files.isRegularFile(p) && ownModel(p);
                if (leftover && Files.isRegularFile(p) && Files.getLastModifiedTime(p).toInstant().isBefore(before)) {
                    Files.deleteIfExists(p);
                    removed.add(name);
                }
            }
        } catch (IOException e) {
            // Leftovers only waste space; the store stays consistent without this clean-up.
        }
        return removed;
    }

    /** A temporary file of one of the store's own files. */
    private static boolean temporary(String name) {
        return name.endsWith(".tmp") && (name.startsWith("." + RECORD) || name.startsWith("." + CHECKPOINT)
                || name.startsWith("." + MARKER) || name.startsWith(".model-"));
    }

    /** Whether the file's content hashes to the prefix in its name: a model this store wrote. */
    private static boolean ownModel(Path p) throws IOException {
        String name = p.getFileName().toString();
        String prefix = name.substring("model-".length(), name.length() - ".onnx".length());
        return sha256(Files.readAllBytes(p)).startsWith(prefix);
    }

    /** Marks the folder as this store's before the first file is written into it. */
    private void mark() throws IOException {
        Path marker = dir.resolve(MARKER);
        if (!Files.isRegularFile(marker)) {
            AtomicFiles.write(marker, ("Hourglass model store: files in this folder are written and removed by the "
                    + "pipeline that stores its models here.\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    Path dir() {
        return dir;
    }

    /** The stored record, or empty when nothing was stored. */
    Optional<StoredPipeline> read() throws StoreException {
        Path file = dir.resolve(RECORD);
        try {
            StoredPipeline p = JSON.readValue(Files.readAllBytes(file), StoredPipeline.class);
            if (p.format() != StoredPipeline.FORMAT || p.modelFile() == null || p.modelSha256() == null
                    || p.inputShape() == null) {
                throw new StoreException(file + " is not a Hourglass pipeline record of format "
                        + StoredPipeline.FORMAT);
            }
            return Optional.of(p);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new StoreException(file + " is corrupt: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }

    /** The model bytes, checked against the record's hash. */
    byte[] readModel(StoredPipeline p) throws StoreException {
        Path file = modelPath(p);
        try {
            byte[] bytes = Files.readAllBytes(file);
            if (!sha256(bytes).equals(p.modelSha256())) {
                throw new StoreException(file + " does not match " + RECORD + " (damaged or replaced): its SHA-256 "
                        + "differs from the recorded one");
            }
            return bytes;
        } catch (IOException e) {
            throw new StoreException("cannot read the stored model " + file + ": " + e.getMessage(), e);
        }
    }

    Path modelPath(StoredPipeline p) {
        return dir.resolve(p.modelFile());
    }

    /** Stores a newly trained model and its record; returns the record as written. */
    StoredPipeline commit(byte[] model, StoredPipeline record) throws IOException {
        String sha = sha256(model);
        String fileName = "model-" + sha.substring(0, 12) + ".onnx";
        StoredPipeline withFile = record.withModel(fileName, sha);
        String previous;
        try {
            previous = read().map(StoredPipeline::modelFile).orElse(null);
        } catch (StoreException damaged) {
            previous = null; // replaced below; whatever it named stays (a start-up clean-up checks it by its hash)
        }
        mark();
        AtomicFiles.write(dir.resolve(fileName), model);
        AtomicFiles.write(dir.resolve(RECORD), JSON.writeValueAsBytes(withFile));
        // Only the model the old record named goes: the store removes nothing it did not record.
        if (previous != null && !previous.equals(fileName) && MODEL.matcher(previous).matches()) {
            Files.deleteIfExists(dir.resolve(previous));
        }
        return withFile;
    }

    /** Replaces {@code pipeline.json} of the current model (same model file). */
    void updateRecord(StoredPipeline record) throws IOException {
        mark();
        AtomicFiles.write(dir.resolve(RECORD), JSON.writeValueAsBytes(record));
    }

    Path recordPath() {
        return dir.resolve(RECORD);
    }

    Optional<Checkpoint> readCheckpoint() throws StoreException {
        Path file = dir.resolve(CHECKPOINT);
        try {
            return Optional.of(Checkpoint.fromBytes(Files.readAllBytes(file)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new StoreException(file + ": " + e.getMessage(), e);
        }
    }

    void writeCheckpoint(Checkpoint c) throws IOException {
        mark();
        AtomicFiles.write(dir.resolve(CHECKPOINT), c.toBytes());
    }

    void deleteCheckpoint() throws IOException {
        Files.deleteIfExists(dir.resolve(CHECKPOINT));
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** The store cannot be read as it is; the message names the file and the problem. */
    static final class StoreException extends Exception {
        private static final long serialVersionUID = 1L;

        StoreException(String message) {
            super(message);
        }

        StoreException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
