package org.hourglass.spi;

import java.nio.file.Path;
import java.util.Locale;

/**
 * Checks the configuration attributes every data source shares and maps them onto {@link DataOptions}, so each
 * data source's component only declares its attributes. Each failure names the attribute as it appears in the
 * configuration (with dots), so activation errors are findable.
 */
public final class DataSettings {

    private DataSettings() {
    }

    /** The instance name; required and non-blank. */
    public static String name(String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("attribute 'hourglass.name' is required and must not be blank");
        }
        return value.strip();
    }

    /** A file path attribute; required and non-blank. */
    public static Path requiredPath(String attribute, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("attribute '" + attribute + "' is required: the path of the file");
        }
        return Path.of(value.strip());
    }

    /** An optional file path attribute: null when blank. */
    public static Path optionalPath(String value) {
        return value == null || value.isBlank() ? null : Path.of(value.strip());
    }

    public static DataOptions options(int[] classes, int[] normalClasses, boolean shuffle, long seed, double splitFraction,
                               String splitPart, int limit) {
        DataOptions.SplitPart part;
        String p = splitPart == null ? "" : splitPart.strip().toLowerCase(Locale.ROOT);
        switch (p) {
            case "all" -> part = DataOptions.SplitPart.ALL;
            case "first" -> part = DataOptions.SplitPart.FIRST;
            case "rest" -> part = DataOptions.SplitPart.REST;
            default -> throw new IllegalArgumentException("attribute 'split.part' must be all, first or rest, was '"
                    + splitPart + "'");
        }
        if (part != DataOptions.SplitPart.ALL && !(splitFraction > 0 && splitFraction < 1)) {
            throw new IllegalArgumentException("attribute 'split.fraction' must be > 0 and < 1 when split.part is "
                    + p + ", was " + splitFraction);
        }
        if (limit < 0) {
            throw new IllegalArgumentException("attribute 'limit' must be >= 0 (0 = all rows), was " + limit);
        }
        return new DataOptions(classes == null ? new int[0] : classes, shuffle, seed, splitFraction, part, limit,
                normalClasses == null ? new int[0] : normalClasses);
    }

    /** Wraps an I/O failure of {@code file} in a message naming it. */
    public static DataException ioFailure(Path file, java.io.IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return new DataException(file + ": file not found", e);
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return new DataException(file + ": permission denied", e);
        }
        return new DataException(file + ": cannot read: " + e, e);
    }
}
