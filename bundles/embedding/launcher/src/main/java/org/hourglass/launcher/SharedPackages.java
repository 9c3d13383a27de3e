package org.hourglass.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.Manifest;

/**
 * The packages the host shares with the framework, each at the version its jar on the host's class path
 * exports. Taking the version from that jar's own {@code Export-Package} keeps the system bundle's export equal to
 * the one the framework's bundles were built against, so they wire to the host's classes.
 */
final class SharedPackages {

    private SharedPackages() {
    }

    /** {@code package;version=x} for the package of each class, read from the manifest next to the class. */
    static String clauses(List<Class<?>> anchors) {
        Map<String, String> versions = new LinkedHashMap<>();
        for (Class<?> anchor : anchors) {
            versions.put(anchor.getPackageName(), exportedVersion(anchor));
        }
        List<String> clauses = new ArrayList<>();
        versions.forEach((pkg, version) -> clauses.add(pkg + ";version=" + version));
        return String.join(",", clauses);
    }

    static String exportedVersion(Class<?> anchor) {
        String pkg = anchor.getPackageName();
        String classFile = anchor.getName().replace('.', '/') + ".class";
        URL classUrl = anchor.getClassLoader() == null ? null : anchor.getClassLoader().getResource(classFile);
        if (classUrl == null) {
            throw new HourglassException("cannot find " + classFile + " on the class path to share " + pkg);
        }
        String base = classUrl.toString().substring(0, classUrl.toString().length() - classFile.length());
        Manifest manifest;
        try (InputStream in = java.net.URI.create(base + "META-INF/MANIFEST.MF").toURL().openStream()) {
            manifest = new Manifest(in);
        } catch (IOException e) {
            throw new HourglassException("cannot read the manifest of " + base + " to learn the version of " + pkg
                    + ": " + e.getMessage(), e);
        }
        String exports = manifest.getMainAttributes().getValue("Export-Package");
        String version = exports == null ? null : versionIn(exports, pkg);
        if (version == null) {
            throw new HourglassException(base + " does not export " + pkg + " with a version in its manifest; "
                    + "use the released jar of that package on the host's class path");
        }
        return version;
    }

    /** The version attribute of {@code pkg}'s clause in an OSGi {@code Export-Package} header; null if absent. */
    static String versionIn(String header, String pkg) {
        for (String clause : split(header, ',')) {
            List<String> parts = split(clause, ';');
            List<String> names = new ArrayList<>();
            String version = null;
            for (String part : parts) {
                String p = part.strip();
                int eq = p.indexOf('=');
                if (eq < 0) {
                    names.add(p);
                } else if (p.substring(0, eq).strip().equals("version")) {
                    version = unquote(p.substring(eq + 1).strip());
                }
            }
            if (names.contains(pkg)) {
                return version == null ? "0.0.0" : version;
            }
        }
        return null;
    }

    /** Splits at {@code sep} outside double quotes. */
    private static List<String> split(String s, char sep) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        for (char c : s.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == sep && !quoted) {
                out.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        out.add(current.toString());
        return out;
    }

    private static String unquote(String s) {
        return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
    }
}
