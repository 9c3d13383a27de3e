package org.hourglass.data.paths;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.hourglass.spi.DataException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataPathsTest {

    @TempDir
    Path tmp;

    private static DataPaths policy(Map<String, String> properties) {
        return DataPaths.of(properties::get);
    }

    @Test
    void filesInsideADataDirectoryPass() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data/sub"));
        Path file = Files.writeString(data.resolve("x.csv"), "a\n1\n");
        DataPaths p = policy(Map.of(DataPaths.DIRS, tmp.resolve("data") + ", " + tmp.resolve("other")));
        assertTrue(p.restricted());
        assertEquals(file, p.check("path", file));
        // Not existing yet (the reader reports that later), but inside.
        p.check("path", data.resolve("later.csv"));
    }

    @Test
    void filesOutsideDotDotAndLinksOutAreRefusedNamingAttributeFileAndRemedy() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data"));
        Path secret = Files.writeString(tmp.resolve("secret.txt"), "s");
        DataPaths p = policy(Map.of(DataPaths.DIRS, data.toString()));

        DataException outside = assertThrows(DataException.class, () -> p.check("images", secret));
        assertTrue(outside.getMessage().startsWith("attribute 'images': " + secret + " is outside the data "
                + "directories"), outside.getMessage());
        assertTrue(outside.getMessage().contains("hourglass.data.dirs")
                && outside.getMessage().contains("hourglass.data.anywhere=true"), outside.getMessage());

        DataException dotDot = assertThrows(DataException.class,
                () -> p.check("path", data.resolve("../secret.txt")));
        assertTrue(dotDot.getMessage().contains("resolved to " + secret), dotDot.getMessage());

        Path link = Files.createSymbolicLink(data.resolve("link.txt"), secret);
        assertThrows(DataException.class, () -> p.check("path", link));
        Path dirLink = Files.createSymbolicLink(data.resolve("up"), tmp);
        assertThrows(DataException.class, () -> p.check("path", dirLink.resolve("secret.txt")));
        // A sibling whose name merely starts with the data directory's name is outside too.
        Path sibling = Files.writeString(Files.createDirectories(tmp.resolve("data-evil")).resolve("x"), "x");
        assertThrows(DataException.class, () -> p.check("path", sibling));
    }

    @Test
    void aLinkToADataDirectoryIsFollowedWhenConfigured() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("real-data"));
        Path file = Files.writeString(data.resolve("x"), "x");
        Path alias = Files.createSymbolicLink(tmp.resolve("alias"), data);
        DataPaths p = policy(Map.of(DataPaths.DIRS, alias.toString()));
        assertEquals(file, p.check("path", file));
        assertEquals(alias.resolve("x"), p.check("path", alias.resolve("x")));
    }

    @Test
    void optOutAndNoConfigurationAllowAnything() throws Exception {
        Path secret = Files.writeString(tmp.resolve("secret.txt"), "s");
        DataPaths optOut = policy(Map.of(DataPaths.DIRS, tmp.resolve("data").toString(), DataPaths.ANYWHERE, "TRUE"));
        assertFalse(optOut.restricted());
        assertEquals(secret, optOut.check("path", secret));
        assertFalse(policy(Map.of()).restricted());
        assertFalse(policy(Map.of(DataPaths.DIRS, " , ")).restricted());
        assertEquals(secret, DataPaths.unrestricted().check("path", secret));
        // Only the exact word true opts out.
        assertTrue(policy(Map.of(DataPaths.DIRS, tmp.resolve("data").toString(), DataPaths.ANYWHERE, "yes"))
                .restricted());
    }
}
