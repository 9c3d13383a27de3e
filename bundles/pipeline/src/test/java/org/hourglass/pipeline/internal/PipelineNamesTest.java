package org.hourglass.pipeline.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineNamesTest {

    @TempDir
    Path dir;

    @Test
    void aSecondConfigurationWithTheSameNameIsRefusedNamingTheFirst() throws Exception {
        PipelineNames names = new PipelineNames();
        CountDownLatch retried = new CountDownLatch(1);
        PipelineNames.Claimant first = new PipelineNames.Claimant("org.hourglass.pipeline~a", () -> { });
        PipelineNames.Claimant second = new PipelineNames.Claimant("org.hourglass.pipeline~b", retried::countDown);
        assertEquals(Optional.empty(), names.claim(first, "shared", dir.resolve("shared")));
        assertEquals(Optional.empty(), names.claim(first, "shared", dir.resolve("shared")), "its own claim again");
        String refused = names.claim(second, "shared", dir.resolve("shared")).orElseThrow();
        assertTrue(refused.contains("hourglass.name 'shared' is already used by configuration "
                + "org.hourglass.pipeline~a"), refused);

        names.release(first);
        assertTrue(retried.await(5, TimeUnit.SECONDS), "the refused one is told the name is free");
        assertEquals(Optional.empty(), names.claim(second, "shared", dir.resolve("shared")));
    }

    @Test
    void twoNamesCannotShareOneModelFolder() {
        PipelineNames names = new PipelineNames();
        PipelineNames.Claimant a = new PipelineNames.Claimant("a", () -> { });
        PipelineNames.Claimant b = new PipelineNames.Claimant("b", () -> { });
        assertEquals(Optional.empty(), names.claim(a, "x", dir.resolve("m").resolve("x")));
        String refused = names.claim(b, "y", dir.resolve("m").resolve("y").resolve("..").resolve("x")).orElseThrow();
        assertTrue(refused.contains("model folder") && refused.contains("configuration a"), refused);
    }

    @Test
    void aNewClaimReplacesTheClaimantsOldOne() {
        PipelineNames names = new PipelineNames();
        PipelineNames.Claimant a = new PipelineNames.Claimant("a", () -> { });
        PipelineNames.Claimant b = new PipelineNames.Claimant("b", () -> { });
        assertEquals(Optional.empty(), names.claim(a, "old", dir.resolve("old")));
        assertEquals(Optional.empty(), names.claim(a, "renamed", dir.resolve("renamed")));
        assertEquals(Optional.empty(), names.claim(b, "old", dir.resolve("old")), "the old name is free again");
    }
}
