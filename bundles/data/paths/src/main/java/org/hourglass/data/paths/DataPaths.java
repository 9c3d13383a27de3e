package org.hourglass.data.paths;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import org.hourglass.spi.DataException;

/**
 * Where data sources may read files. A configuration is data an operator (or anyone with console access) can
 * change, so a data source must not become a way to read arbitrary files of the server: when the framework
 * property {@value #DIRS} names data directories, every file a data source reads must lie inside one of them,
 * after {@code ..} and symbolic links are resolved. {@value #ANYWHERE}{@code =true} lifts the restriction
 * explicitly; without either property (an embedding application, a test framework) nothing is restricted.
 */
public final class DataPaths {

    /** Framework property: data directories, separated by commas. */
    public static final String DIRS = "hourglass.data.dirs";
    /** Framework property: {@code true} allows data files anywhere, even when {@value #DIRS} is set. */
    public static final String ANYWHERE = "hourglass.data.anywhere";

    private static final DataPaths UNRESTRICTED = new DataPaths(List.of());

    /** Real paths of the allowed folders; empty means unrestricted. */
    private final List<Path> roots;

    private DataPaths(List<Path> roots) {
        this.roots = roots;
    }

    /** No restriction (unit tests, hosts that configure nothing). */
    public static DataPaths unrestricted() {
        return UNRESTRICTED;
    }

    /** The policy the framework properties describe; {@code properties} is e.g. {@code BundleContext::getProperty}. */
    public static DataPaths of(UnaryOperator<String> properties) {
        return of(properties, DIRS, ANYWHERE);
    }

    /**
     * The same kind of policy under other property names (model folders use it too): folders listed in
     * {@code dirsProperty}, lifted by {@code anywhereProperty=true}.
     */
    public static DataPaths of(UnaryOperator<String> properties, String dirsProperty, String anywhereProperty) {
        String anywhere = properties.apply(anywhereProperty);
        if (anywhere != null && anywhere.strip().toLowerCase(Locale.ROOT).equals("true")) {
            return UNRESTRICTED;
        }
        String dirs = properties.apply(dirsProperty);
        if (dirs == null || dirs.isBlank()) {
            return UNRESTRICTED;
        }
        List<Path> roots = new ArrayList<>();
        for (String d : dirs.split(",")) {
            if (!d.isBlank()) {
                roots.add(real(Path.of(d.strip())));
            }
        }
        return roots.isEmpty() ? UNRESTRICTED : new DataPaths(List.copyOf(roots));
    }

    /** Whether files are restricted to data directories. */
    public boolean restricted() {
        return !roots.isEmpty();
    }

    /** The allowed folders (real paths); empty when unrestricted. */
    public List<Path> roots() {
        return roots;
    }

    /** Whether {@code file} lies inside an allowed folder once {@code ..} and links are resolved. */
    public boolean allows(Path file) {
        if (roots.isEmpty()) {
            return true;
        }
        Path resolved = real(file);
        return roots.stream().anyMatch(resolved::startsWith);
    }

    /**
     * Checks the file named by attribute {@code attribute} before it is read.
     *
     * @throws DataException naming the attribute, the file and the allowed folders when it lies outside them
     */
    public Path check(String attribute, Path file) {
        if (file == null || allows(file)) {
            return file;
        }
        Path resolved = real(file);
        throw new DataException("attribute '" + attribute + "': " + file + (resolved.equals(file) ? ""
                : " (resolved to " + resolved + ")") + " is outside the data directories " + roots
                + "; put the file there, add its folder to framework property " + DIRS
                + " (HOURGLASS_DATA_DIRS), or set " + ANYWHERE + "=true (HOURGLASS_DATA_ANYWHERE) to allow any path");
    }

    /**
     * The absolute, normalised path with symbolic links resolved as far as the path exists, so neither
     * {@code ..} nor a link inside a data directory leads out of it.
     */
    public static Path real(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return abs;
        }
        try {
            return existing.toRealPath().resolve(existing.relativize(abs)).normalize();
        } catch (IOException e) {
            return abs;
        }
    }

    @Override
    public String toString() {
        return roots.isEmpty() ? "data files anywhere" : "data files inside " + roots;
    }
}
