package org.hourglass.data.idx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.IntStream;
import org.hourglass.spi.Dataset;
import org.hourglass.spi.InputSpec;
import org.junit.jupiter.api.Test;

/**
 * The real Fashion-MNIST training set. CI installs it (apt package dataset-fashion-mnist), so a missing file is a
 * failure, not a skip; {@code -Dhourglass.fashion.mnist=DIR} points elsewhere.
 */
class FashionMnistTest {

    @Test
    void readsTheTrainingSet() {
        Path dir = Path.of(System.getProperty("hourglass.fashion.mnist", "/usr/share/datasets/fashion-mnist"));
        Path images = dir.resolve("train-images-idx3-ubyte.gz");
        Path labels = dir.resolve("train-labels-idx1-ubyte.gz");
        if (!Files.isRegularFile(images) || !Files.isRegularFile(labels)) {
            fail("Fashion-MNIST not found: need " + images + " and " + labels + ". Install it with "
                    + "'apt-get install -y dataset-fashion-mnist' or set -Dhourglass.fashion.mnist=<directory>.");
        }
        Dataset d = IdxReader.read(images, labels);
        assertEquals(60000, d.count());
        assertEquals(InputSpec.of(28, 28), d.spec());
        // Balanced: 6000 of each class 0..9.
        int[] perClass = new int[10];
        for (int l : d.labels()) {
            assertTrue(l >= 0 && l <= 9, "label " + l);
            perClass[l]++;
        }
        assertArrayEquals(IntStream.generate(() -> 6000).limit(10).toArray(), perClass);
        float max = 0;
        for (float v : d.samples().values()) {
            assertTrue(v >= 0 && v <= 255, "pixel " + v);
            max = Math.max(max, v);
        }
        assertEquals(255, max, "pixels are unscaled");
    }
}
