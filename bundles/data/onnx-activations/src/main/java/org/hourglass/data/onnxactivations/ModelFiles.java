package org.hourglass.data.onnxactivations;

import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.SoftReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.function.BiFunction;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.hourglass.spi.DataException;
import org.hourglass.spi.DataSettings;

/**
 * An ONNX model and its tokenizer, read from an {@code .onnx} file (tokenizer given, or found beside it) or from a
 * jar/zip that holds one {@code .onnx} entry and its tokenizer (the all-MiniLM-L6-v2 Maven artifact is such a jar).
 *
 * @param description where the files came from, for logs and errors
 * @param model       the serialised {@code ModelProto}
 * @param modelSha    SHA-256 of {@code model}, hex
 * @param tokenizer   the tokenizer ({@code tokenizer.json} or {@code vocab.txt})
 * @param tokenizerSha SHA-256 of the tokenizer file, hex
 */
record ModelFiles(String description, byte[] model, String modelSha, WordPieceTokenizer tokenizer,
                  String tokenizerSha) {

    /** Tokenizer file names looked for beside a model or inside a jar, in this order. */
    private static final List<String> TOKENIZER_NAMES = List.of("tokenizer.json", "vocab.txt");

    /**
     * Reads the model and tokenizer. {@code check} vets each file path that comes from the configuration (the data
     * path policy) and returns it; its first argument names the attribute.
     */
    static ModelFiles read(Path model, Path tokenizer, BiFunction<String, Path, Path> check) {
        check.apply("model", model);
        check.apply("tokenizer", tokenizer);
        if (!Files.isRegularFile(model)) {
            throw new DataException("attribute 'model': " + model + ": file not found");
        }
        boolean zip = isZip(model);
        Path tok = tokenizer;
        if (tok == null && !zip) {
            tok = besideModel(model);
            check.apply("tokenizer", tok);
        }
        String key = stamp(model) + "\n" + (tok == null ? "in the model's jar" : stamp(tok));
        Memo m = last.get();
        if (m != null && m.key().equals(key)) {
            return m.files();
        }
        ModelFiles read;
        if (zip) {
            read = fromZip(model, tokenizer);
        } else {
            byte[] bytes = readAll(model);
            byte[] tokBytes = readAll(tok);
            read = new ModelFiles(model.toString(), bytes, sha256(bytes), tokenizer(tok.toString(), tokBytes),
                    sha256(tokBytes));
        }
        last = new SoftReference<>(new Memo(key, read));
        return read;
    }

    /**
     * The files last read, while memory allows: a pipeline asks for the splice metric after every epoch, and
     * reading and hashing MiniLM's 90 MB again each time took about 1.3 s. Keyed by path, size and modification
     * time, so an edited file is read afresh.
     */
    private static volatile SoftReference<Memo> last = new SoftReference<>(null);

    private record Memo(String key, ModelFiles files) {
    }

    private static String stamp(Path file) {
        try {
            return file.toAbsolutePath() + " " + Files.size(file) + " " + Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            throw DataSettings.ioFailure(file, e);
        }
    }

    /**
     * The default model: all-MiniLM-L6-v2 as the Maven artifact named in {@code minilm.properties}, in the local
     * Maven repository ({@code maven.repo.local}, else {@code ~/.m2/repository}).
     */
    static Path defaultModel() {
        Properties p = minilm();
        String repo = System.getProperty("maven.repo.local");
        Path root = repo != null && !repo.isBlank() ? Path.of(repo)
                : Path.of(System.getProperty("user.home"), ".m2", "repository");
        String a = p.getProperty("artifactId");
        String v = p.getProperty("version");
        return root.resolve(p.getProperty("groupId").replace('.', '/')).resolve(a).resolve(v)
                .resolve(a + "-" + v + ".jar");
    }

    /** The Maven coordinates of the default model, for messages. */
    static String defaultCoordinates() {
        Properties p = minilm();
        return p.getProperty("groupId") + ":" + p.getProperty("artifactId") + ":" + p.getProperty("version");
    }

    private static Properties minilm() {
        Properties p = new Properties();
        try (InputStream in = ModelFiles.class.getResourceAsStream("minilm.properties")) {
            if (in == null) {
                throw new IllegalStateException("minilm.properties missing from the bundle");
            }
            p.load(in);
        } catch (IOException e) {
            throw new IllegalStateException("minilm.properties unreadable", e);
        }
        return p;
    }

    /** The model bytes and where they came from, of an .onnx file or a jar holding one. */
    record ModelBytes(String where, byte[] bytes) {
    }

    /** Only the model of {@code file} (an .onnx file or a jar/zip holding one), without its tokenizer. */
    static ModelBytes modelOnly(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new DataException("attribute 'model': " + file + ": file not found");
        }
        if (!isZip(file)) {
            return new ModelBytes(file.toString(), readAll(file));
        }
        try (ZipFile z = new ZipFile(file.toFile())) {
            ZipEntry e = onlyOnnx(file, z);
            return new ModelBytes(file + "!/" + e.getName(), z.getInputStream(e).readAllBytes());
        } catch (IOException e) {
            throw DataSettings.ioFailure(file, e);
        }
    }

    private static ZipEntry onlyOnnx(Path zip, ZipFile z) {
        List<ZipEntry> onnx = z.stream().filter(e -> e.getName().endsWith(".onnx")).map(ZipEntry.class::cast).toList();
        if (onnx.size() != 1) {
            throw new DataException("attribute 'model': " + zip + " must hold exactly one .onnx file, holds "
                    + onnx.stream().map(ZipEntry::getName).toList());
        }
        return onnx.get(0);
    }

    private static ModelFiles fromZip(Path zip, Path tokenizer) {
        try (ZipFile z = new ZipFile(zip.toFile())) {
            ZipEntry onnx = onlyOnnx(zip, z);
            ZipEntry tok = null;
            int tokRank = Integer.MAX_VALUE;
            for (ZipEntry e : z.stream().map(ZipEntry.class::cast).toList()) {
                for (int i = 0; i < TOKENIZER_NAMES.size(); i++) {
                    if (e.getName().endsWith(TOKENIZER_NAMES.get(i)) && i < tokRank) {
                        tok = e;
                        tokRank = i;
                    }
                }
            }
            byte[] model = z.getInputStream(onnx).readAllBytes();
            String where = zip + "!/" + onnx.getName();
            byte[] tokBytes;
            String tokName;
            if (tokenizer != null) {
                tokBytes = readAll(tokenizer);
                tokName = tokenizer.toString();
            } else if (tok != null) {
                tokBytes = z.getInputStream(tok).readAllBytes();
                tokName = zip + "!/" + tok.getName();
            } else {
                throw new DataException("attribute 'tokenizer': " + zip + " holds no tokenizer.json or vocab.txt; "
                        + "name the tokenizer file");
            }
            return new ModelFiles(where, model, sha256(model), tokenizer(tokName, tokBytes), sha256(tokBytes));
        } catch (IOException e) {
            throw DataSettings.ioFailure(zip, e);
        }
    }

    private static Path besideModel(Path model) {
        Path dir = model.toAbsolutePath().getParent();
        String stem = model.getFileName().toString().replaceFirst("\\.onnx$", "");
        List<Path> tried = new ArrayList<>();
        for (String n : TOKENIZER_NAMES) {
            for (Path p : List.of(dir.resolve(stem + "-" + n), dir.resolve(n))) {
                if (Files.isRegularFile(p)) {
                    return p;
                }
                tried.add(p);
            }
        }
        throw new DataException("attribute 'tokenizer': none given and none beside " + model + " (looked for "
                + tried + ")");
    }

    private static WordPieceTokenizer tokenizer(String name, byte[] bytes) {
        try {
            return WordPieceTokenizer.read(name, bytes);
        } catch (IllegalArgumentException e) {
            throw new DataException("attribute 'tokenizer': " + e.getMessage(), e);
        }
    }

    static boolean isZip(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
        } catch (IOException e) {
            throw DataSettings.ioFailure(file, e);
        }
    }

    static byte[] readAll(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw DataSettings.ioFailure(file, e);
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
