package org.hourglass.data.csv;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.hourglass.spi.DataException;
import org.hourglass.spi.Dataset;
import org.hourglass.testing.Mutations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bounded, seeded fuzz run: 300 damaged copies of a valid CSV file (with and without a label column). Each
 * either reads as a consistent data set with finite values or fails with a {@link DataException} naming the file;
 * nothing else escapes and nothing hangs.
 */
class CsvFuzzTest {

    private static final int CASES = 300;

    @TempDir
    Path dir;

    @Test
    void damagedFilesFailCleanly() throws Exception {
        byte[] valid = ("a,cls,\"b\"\n0,0,1.5\n10,1,-11e-1\n20,2,21\n\"30\",0,31\n40,1,41\n")
                .getBytes(StandardCharsets.UTF_8);
        Mutations m = new Mutations(20240613L);
        Path file = dir.resolve("d.csv");
        int refused = 0;
        for (int i = 0; i < CASES; i++) {
            Files.write(file, m.mutate(valid));
            String label = i % 2 == 0 ? "cls" : "";
            int at = i;
            try {
                Dataset d = assertTimeoutPreemptively(Duration.ofSeconds(5),
                        () -> new CsvReader(file, label, new String[0], ',').read(), "case " + at + " hung");
                assertTrue(d.count() > 0, "case " + i + ": empty data set");
                for (float v : d.samples().values()) {
                    assertTrue(Float.isFinite(v), "case " + i + ": non-finite value passed");
                }
            } catch (DataException e) {
                refused++;
                assertFalse(e.getMessage() == null || e.getMessage().isBlank(), "case " + i + ": empty message");
                assertTrue(e.getMessage().contains(file.toString()),
                        "case " + i + ": message does not name the file: " + e.getMessage());
            } catch (RuntimeException | Error e) {
                fail("case " + i + " escaped as " + e, e);
            }
        }
        assertTrue(refused > CASES / 4, "many damaged files are refused; refused " + refused);
    }
}
