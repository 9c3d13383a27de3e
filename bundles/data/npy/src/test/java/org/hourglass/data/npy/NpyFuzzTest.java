package org.hourglass.data.npy;

import static org.hourglass.data.npy.NpyFiles.npy;
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
 * A bounded, seeded fuzz run: 300 damaged copies of valid .npy files (data and labels). Each either reads as a
 * consistent data set or fails with a {@link DataException} naming the file; nothing else escapes, nothing hangs.
 */
class NpyFuzzTest {

    private static final int CASES = 300;

    @TempDir
    Path dir;

    @Test
    void damagedFilesFailCleanly() throws Exception {
        byte[] f4 = npy("<f4", "(4, 2)", 0, 1, 10, 11, 20, 21, 30, 31);
        byte[] f8 = npy(">f8", "(4, 1, 2)", 0, 1, 10, 11, 20, 21, 30, 31);
        byte[] u1 = npy("|u1", "(4, 2)", 0, 1, 10, 11, 20, 21, 30, 31);
        byte[] labels = npy("<i8", "(4,)", 3, 5, 3, 7);
        Mutations m = new Mutations(20240612L);
        Path data = dir.resolve("x.npy");
        Path lab = dir.resolve("y.npy");
        int refused = 0;
        for (int i = 0; i < CASES; i++) {
            byte[] base = switch (i % 4) {
                case 0 -> f4;
                case 1 -> f8;
                case 2 -> u1;
                default -> f4;
            };
            boolean damagedLabels = i % 4 == 3;
            Files.write(data, damagedLabels ? base : m.mutate(base));
            Files.write(lab, damagedLabels ? m.mutate(labels) : labels);
            int at = i;
            try {
                Dataset d = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> NpyReader.read(data, lab),
                        "case " + at + " hung");
                assertTrue(d.count() > 0 && d.labels().length == d.count(), "case " + i + ": inconsistent data set");
            } catch (DataException e) {
                refused++;
                assertFalse(e.getMessage() == null || e.getMessage().isBlank(), "case " + i + ": empty message");
                assertTrue(e.getMessage().contains((damagedLabels ? lab : data).toString()),
                        "case " + i + ": message does not name the file: " + e.getMessage());
            } catch (RuntimeException | Error e) {
                fail("case " + i + " escaped as " + e, e);
            }
        }
        assertTrue(refused > CASES / 2, "most damaged files are refused; refused " + refused);
    }
}
