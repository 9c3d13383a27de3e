package org.hourglass.log;

import java.io.File;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import org.apache.felix.fileinstall.ArtifactInstaller;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says why a {@code .jar} in a watched folder is not installed. FileInstall installs a jar only when it opens as a
 * JAR whose manifest has a {@code Bundle-SymbolicName}; any other jar (empty, truncated, not a zip, a plain
 * library) it skips without a word and retries on every poll. FileInstall asks each installer whether it handles
 * a file; this one never does (so a jar fixed in place is still FileInstall's to install), but when asked about a
 * broken jar it logs the reason, once per state of the file (size and modification time).
 *
 * <p>Delayed (the default for a service): FileInstall's tracker activates it; where FileInstall is not deployed,
 * as when embedded, the optional import of its API stays unwired and this class is never loaded.
 */
@Component(service = ArtifactInstaller.class)
public final class BrokenJarReporter implements ArtifactInstaller {

    private static final Logger LOG = LoggerFactory.getLogger(BrokenJarReporter.class);

    /** The state (size and time) of each broken jar when it was last reported. */
    private final Map<File, String> reported = new ConcurrentHashMap<>();

    @Override
    public boolean canHandle(File artifact) {
        String problem = newProblem(artifact);
        if (problem != null) {
            LOG.warn("Cannot install {}: {}", artifact, problem);
        }
        return false;
    }

    /** Why this jar cannot be installed, when that was not reported for the file as it is now; else null. */
    String newProblem(File artifact) {
        if (!artifact.getName().toLowerCase(Locale.ROOT).endsWith(".jar")) {
            return null;
        }
        reported.keySet().removeIf(f -> !f.exists());
        String problem = problem(artifact);
        if (problem == null) {
            reported.remove(artifact);
            return null;
        }
        String state = artifact.length() + "@" + artifact.lastModified();
        return state.equals(reported.put(artifact, state)) ? null : problem;
    }

    @Override
    public void install(File artifact) {
        // never called: canHandle is always false
    }

    @Override
    public void update(File artifact) {
        // never called: canHandle is always false
    }

    @Override
    public void uninstall(File artifact) {
        // never called: canHandle is always false
    }
    /** Why FileInstall will not install this jar as a bundle, or null when it will. */
    static String problem(File jar) {
        if (!jar.isFile() || !jar.canRead()) {
            return "the file cannot be read";
        }
        if (jar.length() == 0) {
            return "the file is empty (0 bytes)";
        }
        try (JarFile file = new JarFile(jar)) {
            Manifest manifest = file.getManifest();
            if (manifest == null) {
                return "it has no META-INF/MANIFEST.MF, so it is not an OSGi bundle";
            }
            if (manifest.getMainAttributes().getValue("Bundle-SymbolicName") == null) {
                return "its manifest has no Bundle-SymbolicName, so it is not an OSGi bundle (a plain library?)";
            }
            return null;
        } catch (IOException | SecurityException e) {
            return "it is not a readable JAR (zip) file (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + "); " + jar.length()
                    + " bytes, perhaps truncated or still being copied";
        }
    }
}
