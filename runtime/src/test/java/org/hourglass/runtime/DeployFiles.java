package org.hourglass.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/** Configuration files the end-to-end tests drop into a server's {@code deploy/}, as a user would. */
final class DeployFiles {

    /** Debian's Fashion-MNIST files (HOURGLASS_FASHION_MNIST overrides, as for the server). */
    static final Path FASHION_MNIST = Path.of(System.getenv().getOrDefault("HOURGLASS_FASHION_MNIST",
            "/usr/share/datasets/fashion-mnist"));

    private DeployFiles() {
    }

    /**
     * Writes {@code <home>/deploy/<fileStem>.cfg} with the given {@code key=value} lines. Written to a temporary
     * name and renamed, so FileInstall never reads half a file when the server already runs.
     */
    static void config(Path home, String fileStem, String... lines) throws IOException {
        Path deploy = Files.createDirectories(home.resolve("deploy"));
        Path file = deploy.resolve(fileStem + ".cfg");
        Path tmp = deploy.resolve(fileStem + ".cfg.tmp");
        Files.writeString(tmp, String.join("\n", lines) + "\n");
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** An IDX data source {@code name} with up to {@code limit} training images of one class. */
    static void fashionTraining(Path home, String name, int normalClass, int limit) throws IOException {
        config(home, "org.hourglass.data.idx-" + name, "hourglass.name=" + name,
                "images=" + FASHION_MNIST.resolve("train-images-idx3-ubyte.gz"),
                "labels=" + FASHION_MNIST.resolve("train-labels-idx1-ubyte.gz"),
                "classes=" + normalClass, "limit=" + limit);
    }

    /** An IDX data source {@code name} with up to {@code limit} test images, labelled 0 for {@code normalClass}. */
    static void fashionTest(Path home, String name, int normalClass, int limit) throws IOException {
        config(home, "org.hourglass.data.idx-" + name, "hourglass.name=" + name,
                "images=" + FASHION_MNIST.resolve("t10k-images-idx3-ubyte.gz"),
                "labels=" + FASHION_MNIST.resolve("t10k-labels-idx1-ubyte.gz"),
                "normal.classes=" + normalClass, "limit=" + limit);
    }

    /**
     * Environment for {@link RunningServer#start} that points the shipped demo pipeline at a folder without usable
     * data, so it fails at once instead of training alongside the test.
     */
    static Map<String, String> withoutDemoData(Path home) throws IOException {
        Path none = Files.createDirectories(home.resolve("no-demo-data"));
        Files.writeString(none.resolve("train-images-idx3-ubyte.gz"), "not IDX\n");
        return Map.of("HOURGLASS_FASHION_MNIST", none.toString());
    }
}
