package org.hourglass.data.idx;

import static org.hourglass.data.idx.IdxFiles.gzip;
import static org.hourglass.data.idx.IdxFiles.idx;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.hourglass.spi.DataException;
import org.hourglass.spi.Dataset;
import org.hourglass.testing.Mutations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bounded, seeded fuzz run: 300 damaged copies of valid IDX files (plain and gzipped, images and labels). Each
 * either reads as a consistent data set or fails with a {@link DataException} naming the file; nothing else
 * escapes and nothing hangs.
 */
class IdxFuzzTest {

    private static final int CASES = 300;

    @TempDir
    Path dir;

    @Test
    void damagedFilesFailCleanly() throws Exception {
        byte[] images = idx(0x08, new int[] {4, 3, 3}, new double[36]);
        byte[] floats = idx(0x0D, new int[] {4, 2}, 0, 1.5, 2, -3, 4, 5, 6, 7);
        byte[] labels = idx(0x08, new int[] {4}, 0, 1, 2, 3);
        Mutations m = new Mutations(20240611L);
        Path img = dir.resolve("images");
        Path lab = dir.resolve("labels");
        int refused = 0;
        for (int i = 0; i < CASES; i++) {
            byte[] base = switch (i % 4) {
                case 0 -> images;
                case 1 -> floats;
                case 2 -> gzip(images);
                default -> labels;
            };
            boolean damagedLabels = i % 4 == 3;
            Files.write(img, damagedLabels ? images : m.mutate(base));
            Files.write(lab, damagedLabels ? m.mutate(labels) : labels);
            int at = i;
            try {
                Dataset d = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> IdxReader.read(img, lab),
                        "case " + at + " hung");
                assertTrue(d.count() > 0 && d.labels().length == d.count(), "case " + i + ": inconsistent data set");
            } catch (DataException e) {
                refused++;
                assertFalse(e.getMessage() == null || e.getMessage().isBlank(), "case " + i + ": empty message");
                Path named = damagedLabels ? lab : img;
                assertTrue(e.getMessage().contains(named.toString()) || e.getMessage().contains(dir.toString()),
                        "case " + i + ": message does not name the file: " + e.getMessage());
            } catch (RuntimeException | Error e) {
                fail("case " + i + " escaped as " + e, e);
            }
        }
        assertTrue(refused > CASES / 2, "most damaged files are refused; refused " + refused);
    }
}
