package org.hourglass.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The framework storage holds the Web Console's password hash (the console writes it into its configuration) and
 * every configuration: after a start it is readable by the server's user only, including a storage folder left
 * open (755, files 644) by an older version.
 */
class StoragePermissionsIT {

    private static final Path SCRIPT = Path.of(System.getProperty("hourglass.script", "bin/hourglass"));
    private static final Set<PosixFilePermission> OTHERS = Set.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    @TempDir
    Path home;

    @Test
    void storageAndTheConsolePasswordHashAreTheOwnersOnly() throws Exception {
        Path data = Files.createDirectories(home.resolve("data"));
        Path storage = Files.createDirectories(data.resolve("framework"));
        Path old = Files.writeString(storage.resolve("left-by-an-older-version.config"), "password=\"x\"\n");
        Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(storage, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(old, PosixFilePermissions.fromString("rw-r--r--"));

        try (RunningServer server = RunningServer.start(SCRIPT, home, UUID.randomUUID().toString(),
                DeployFiles.withoutDemoData(home))) {
            server.await("the console to store its password hash", Duration.ofSeconds(60),
                    () -> passwordHash(storage).isPresent());
            Path hash = passwordHash(storage).orElseThrow();
            assertEquals("rwx------", mode(data));
            assertEquals("rwx------", mode(storage));
            assertEquals("rw-------", mode(hash), hash + " holds the password hash");
            assertEquals("rw-------", mode(old), "files of an older version are closed too");
            try (Stream<Path> all = Files.walk(storage)) {
                List<String> open = all.filter(p -> !java.util.Collections.disjoint(permissions(p), OTHERS))
                        .map(p -> storage.relativize(p) + " " + mode(p)).toList();
                assertTrue(open.isEmpty(), "readable by group or others: " + open);
            }
        }
    }

    /** The Web Console's configuration once it holds a hashed password ({@code {sha-256}...}). */
    private static Optional<Path> passwordHash(Path storage) throws IOException {
        try (Stream<Path> all = Files.walk(storage)) {
            return all.filter(p -> p.getFileName().toString().equals("OsgiManager.config")).filter(p -> {
                try {
                    return Files.readString(p).contains("password=\"{sha-256}");
                } catch (IOException e) {
                    return false;
                }
            }).findFirst();
        }
    }

    private static Set<PosixFilePermission> permissions(Path p) {
        try {
            return Files.getPosixFilePermissions(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String mode(Path p) {
        return PosixFilePermissions.toString(permissions(p));
    }
}
