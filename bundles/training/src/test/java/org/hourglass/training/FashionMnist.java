package org.hourglass.training;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads a slice of Fashion-MNIST (gzipped IDX) from {@code -Dhourglass.fashion.mnist=DIR}, default
 * {@code /usr/share/datasets/fashion-mnist} (Debian package {@code dataset-fashion-mnist}). A missing file is an
 * error, not a skip: the real-data test must run in CI.
 */
final class FashionMnist {

    static final String PROPERTY = "hourglass.fashion.mnist";
    static final String DEFAULT_DIR = "/usr/share/datasets/fashion-mnist";

    private FashionMnist() {
    }

    /** The first {@code count} training images, pixels scaled to [0, 1], row-major [count, 784]. */
    static float[] trainImages(int count) throws IOException {
        Path dir = Path.of(System.getProperty(PROPERTY, DEFAULT_DIR));
        Path file = dir.resolve("train-images-idx3-ubyte.gz");
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException("Fashion-MNIST not found at " + file + ": install the Debian package "
                    + "dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or point -D" + PROPERTY
                    + "=DIR at a directory holding train-images-idx3-ubyte.gz");
        }
        try (InputStream raw = Files.newInputStream(file);
             DataInputStream in = new DataInputStream(new GZIPInputStream(raw, 1 << 16))) {
            int magic = in.readInt();
            if (magic != 2051) {
                throw new IOException(file + " is not an IDX image file (magic " + magic + ")");
            }
            int n = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            if (count > n || rows * cols != 784) {
                throw new IOException(file + " holds " + n + " images of " + rows + "x" + cols + "; wanted " + count
                        + " of 28x28");
            }
            byte[] bytes = new byte[count * 784];
            in.readFully(bytes);
            float[] out = new float[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                out[i] = (bytes[i] & 0xFF) / 255f;
            }
            return out;
        }
    }
}
