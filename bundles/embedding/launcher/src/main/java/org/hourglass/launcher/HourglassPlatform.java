package org.hourglass.launcher;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.hourglass.api.pipeline.Pipeline;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.api.pipeline.PluginInfo;
import org.hourglass.api.pipeline.PluginInventory;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.wiring.FrameworkWiring;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;

/**
 * A running Hourglass platform inside this JVM: an embedded OSGi framework whose pipelines the host calls as
 * plain {@link Pipeline} objects. The host shares the pipeline API ({@code org.hourglass.api.pipeline}) and the
 * Configuration Admin API ({@code org.osgi.service.cm}) with the framework; everything else, ONNX Runtime
 * included, lives inside it. Thread-safe. {@link #close()} stops the framework and waits for it.
 */
public final class HourglassPlatform implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(HourglassPlatform.class.getName());

    /** The host's classes the framework's bundles must use: one class of each shared package. */
    private static final List<Class<?>> SHARED = List.of(Pipeline.class, ConfigurationAdmin.class);

    private final Framework framework;
    private final Path temporaryStorage;
    private final Duration serviceTimeout;
    private final Duration stopTimeout;
    private final List<ServiceTracker<?, ?>> trackers = new CopyOnWriteArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    private HourglassPlatform(Framework framework, Path temporaryStorage, Duration serviceTimeout,
                              Duration stopTimeout) {
        this.framework = framework;
        this.temporaryStorage = temporaryStorage;
        this.serviceTimeout = serviceTimeout;
        this.stopTimeout = stopTimeout;
    }

    /**
     * Makes the framework storage (configurations, which may hold secrets) accessible to this process's user only,
     * where the file system has POSIX permissions.
     */
    static void ownerOnly(Path folder) {
        try {
            Files.setPosixFilePermissions(folder, PosixFilePermissions.fromString("rwx------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: its own access rules apply
        } catch (IOException e) {
            throw new HourglassException("cannot make the framework storage " + folder + " private to its owner: "
                    + e.getMessage(), e);
        }
    }

    static HourglassPlatform start(Hourglass.Builder b) {
        warnIfOnnxRuntimeIsOnTheClassPath();
        String shared = SharedPackages.clauses(SHARED);
        Path temporary = null;
        Path storage = b.storage;
        try {
            if (storage == null) {
                temporary = Files.createTempDirectory("hourglass-framework-");
                storage = temporary;
            } else {
                Files.createDirectories(storage);
            }
        } catch (IOException e) {
            throw new HourglassException("cannot create the framework storage folder: " + e.getMessage(), e);
        }

        Map<String, String> config = new HashMap<>();
        config.put(Constants.FRAMEWORK_BOOTDELEGATION, "sun.*,com.sun.*");
        config.putAll(b.properties);
        config.put(Constants.FRAMEWORK_STORAGE, storage.toAbsolutePath().toString());
        config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        String extra = b.properties.get(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA);
        config.put(Constants.FRAMEWORK_SYSTEMPACKAGES_EXTRA,
                extra == null || extra.isBlank() ? shared : shared + "," + extra);

        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class, HourglassPlatform.class.getClassLoader())
                .findFirst().orElseThrow(() -> new HourglassException("no OSGi framework on the class path: add "
                        + "org.apache.felix:org.apache.felix.framework"));
        Framework framework = factory.newFramework(config);
        HourglassPlatform platform = new HourglassPlatform(framework, temporary, b.startTimeout, b.stopTimeout);
        try {
            framework.init();
            ownerOnly(storage); // after init: cleaning on first init recreates the folder with the default mode
            framework.start();
            List<Bundle> bundles = platform.install(b.bundles);
            platform.resolve(bundles);
            for (Bundle bundle : startOrder(bundles)) {
                if (!isFragment(bundle)) {
                    bundle.start();
                }
            }
            platform.checkSharedWiring();
            for (Hourglass.Configuration c : b.configurations) {
                platform.apply(c.pid(), c.name(), c.values());
            }
            LOG.log(System.Logger.Level.INFO, "Hourglass platform started: {0} bundles, shared {1}, storage {2}",
                    bundles.size(), shared, storage.toAbsolutePath());
            return platform;
        } catch (BundleException | RuntimeException e) {
            try {
                platform.close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e instanceof HourglassException he ? he
                    : new HourglassException("the platform did not start: " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------------------------------------- pipelines

    /**
     * The pipeline named {@code name}, once its service is registered and it no longer waits for plug-ins (it is
     * READY, TRAINING, TRAINED or FAILED). The object stays valid while the pipeline's configuration is
     * unchanged; after {@link #configure} of that pipeline, ask again.
     *
     * @throws HourglassException after {@code timeout}, saying whether the pipeline is missing (no configuration,
     *                            or a configuration that was refused) or what it still waits for
     */
    public Pipeline pipeline(String name, java.time.Duration timeout) {
        ServiceTracker<Pipeline, Pipeline> tracker = track(Pipeline.class,
                "(&(" + Constants.OBJECTCLASS + "=" + Pipeline.class.getName() + ")(hourglass.name=" + escape(name)
                        + "))");
        long deadline = System.nanoTime() + timeout.toNanos();
        Pipeline found = null;
        try {
            while (true) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                found = left > 0 ? tracker.waitForService(left) : tracker.getService();
                if (found != null && found.status().state() != PipelineState.WAITING) {
                    return found;
                }
                if (System.nanoTime() >= deadline) {
                    break;
                }
                Thread.sleep(Math.min(100, Math.max(1, left)));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HourglassException("interrupted while waiting for pipeline '" + name + "'", e);
        }
        if (found != null) {
            throw new HourglassException("pipeline '" + name + "' is still " + found.status().state() + " after "
                    + timeout + ": " + found.status().message());
        }
        throw new HourglassException("no pipeline '" + name + "' after " + timeout + ": " + whyNoPipeline(name));
    }

    /** The pipeline named {@code name} if its service is registered now, in whatever state. */
    public Optional<Pipeline> findPipeline(String name) {
        try {
            return context().getServiceReferences(Pipeline.class, "(hourglass.name=" + escape(name) + ")").stream()
                    .max(Comparator.naturalOrder()).map(context()::getService);
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException("bad pipeline name '" + name + "'", e);
        }
    }

    /** Names of the pipelines registered now, sorted. */
    public List<String> pipelines() {
        try {
            return context().getServiceReferences(Pipeline.class, null).stream()
                    .map(r -> String.valueOf(r.getProperty("hourglass.name"))).sorted().toList();
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every plug-in instance registered now (families, losses, masking, scoring, data sources). */
    public List<PluginInfo> plugins() {
        return await(PluginInventory.class).plugins();
    }

    // ---------------------------------------------------------------------------------------- configuration

    /**
     * Creates or updates the named factory configuration (a data source, a pipeline, a plug-in instance) through
     * Configuration Admin; the component follows within moments. {@code hourglass.name} defaults to {@code name}.
     */
    public void configure(String factoryPid, String name, Map<String, ?> values) {
        apply(factoryPid, java.util.Objects.requireNonNull(name, "name"), values);
    }

    /** Creates or updates the configuration of a singleton PID, e.g. {@code org.hourglass.executor}. */
    public void configure(String pid, Map<String, ?> values) {
        apply(pid, null, values);
    }

    /** Deletes a named factory configuration; its component goes away. Returns false when there was none. */
    public boolean removeConfiguration(String factoryPid, String name) {
        try {
            Configuration c = await(ConfigurationAdmin.class).getFactoryConfiguration(factoryPid, name, "?");
            boolean existed = c.getProperties() != null;
            c.delete();
            return existed;
        } catch (IOException e) {
            throw new HourglassException("cannot delete configuration " + factoryPid + "~" + name + ": "
                    + e.getMessage(), e);
        }
    }

    private void apply(String pid, String name, Map<String, ?> values) {
        Hashtable<String, Object> properties = new Hashtable<>();
        values.forEach((k, v) -> properties.put(k, java.util.Objects.requireNonNull(v, () -> "value of " + k)));
        if (name != null) {
            properties.putIfAbsent("hourglass.name", name);
        }
        String what = name == null ? pid : pid + "~" + name;
        try {
            ConfigurationAdmin admin = await(ConfigurationAdmin.class);
            Configuration c = name == null ? admin.getConfiguration(pid, "?")
                    : admin.getFactoryConfiguration(pid, name, "?");
            c.update(properties);
        } catch (IOException | IllegalArgumentException e) {
            throw new HourglassException("configuration " + what + " refused: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------------------------------------- bundles

    /**
     * Installs and starts a bundle while the platform runs, e.g. a plug-in: pipelines waiting for it go on.
     * Uninstall it with {@link Bundle#uninstall()}.
     */
    public Bundle deploy(Path jar) {
        try {
            Bundle bundle = context().installBundle(jar.toAbsolutePath().toUri().toString());
            if (!isFragment(bundle)) {
                bundle.start();
            }
            return bundle;
        } catch (BundleException e) {
            throw new HourglassException("cannot deploy " + jar + ": " + e.getMessage(), e);
        }
    }

    /** The system bundle's context, for what this class does not cover (services, bundles, listeners). */
    public BundleContext bundleContext() {
        return context();
    }

    private BundleContext context() {
        return framework.getBundleContext();
    }

    // --------------------------------------------------------------------------------------------- shutdown

    /**
     * Stops every bundle and the framework and waits for it (at most the builder's stop timeout); removes the
     * temporary storage folder. Idempotent.
     *
     * @throws HourglassException when the framework did not stop in time
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        trackers.forEach(ServiceTracker::close);
        try {
            framework.stop();
            FrameworkEvent event = framework.waitForStop(stopTimeout.toMillis());
            if (event.getType() == FrameworkEvent.WAIT_TIMEDOUT) {
                throw new HourglassException("the framework did not stop within " + stopTimeout);
            }
        } catch (BundleException e) {
            throw new HourglassException("stopping the framework failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HourglassException("interrupted while stopping the framework", e);
        } finally {
            if (temporaryStorage != null) {
                deleteTree(temporaryStorage);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ inside

    private List<Bundle> install(List<Path> jars) throws BundleException {
        List<Bundle> installed = new ArrayList<>();
        for (Path jar : jars) {
            try {
                installed.add(context().installBundle(jar.toAbsolutePath().toUri().toString()));
            } catch (BundleException e) {
                throw new HourglassException("cannot install " + jar + ": " + e.getMessage(), e);
            }
        }
        return installed;
    }

    private void resolve(List<Bundle> bundles) {
        if (framework.adapt(FrameworkWiring.class).resolveBundles(bundles)) {
            return;
        }
        List<String> problems = new ArrayList<>();
        for (Bundle b : bundles) {
            if (b.getState() == Bundle.INSTALLED && !isFragment(b)) {
                try {
                    b.start(); // fails with the resolver's explanation
                } catch (BundleException e) {
                    problems.add(e.getMessage());
                }
            }
        }
        throw new HourglassException("bundles did not resolve:\n  " + String.join("\n  ", problems));
    }

    /**
     * Fewest (transitive) dependencies first, like bnd's {@code leastdependenciesfirst}: the logging provider and
     * the extenders start before the bundles that use them.
     */
    static List<Bundle> startOrder(List<Bundle> bundles) {
        Map<Bundle, Integer> depth = new HashMap<>();
        for (Bundle b : bundles) {
            depth.put(b, dependencies(b).size());
        }
        List<Bundle> order = new ArrayList<>(bundles);
        order.sort(Comparator.comparing((Bundle b) -> depth.get(b)).thenComparing(Bundle::getBundleId));
        return order;
    }

    private static Set<Bundle> dependencies(Bundle root) {
        Set<Bundle> seen = new HashSet<>();
        Deque<Bundle> todo = new ArrayDeque<>(List.of(root));
        while (!todo.isEmpty()) {
            BundleWiring wiring = todo.pop().adapt(BundleWiring.class);
            if (wiring == null) {
                continue;
            }
            for (BundleWire wire : wiring.getRequiredWires(null)) {
                Bundle provider = wire.getProvider().getBundle();
                if (provider.getBundleId() != 0 && provider != root && seen.add(provider)) {
                    todo.push(provider);
                }
            }
        }
        return seen;
    }

    /** Every import of a shared package must come from the system bundle, or the host cannot use the services. */
    private void checkSharedWiring() {
        Set<String> packages = new HashSet<>();
        SHARED.forEach(c -> packages.add(c.getPackageName()));
        List<String> problems = new ArrayList<>();
        for (Bundle b : context().getBundles()) {
            BundleWiring wiring = b.adapt(BundleWiring.class);
            if (wiring == null || b.getBundleId() == 0) {
                continue;
            }
            for (BundleWire wire : wiring.getRequiredWires(PackageNamespace.PACKAGE_NAMESPACE)) {
                Object pkg = wire.getCapability().getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE);
                Bundle provider = wire.getProvider().getBundle();
                if (packages.contains(pkg) && provider.getBundleId() != 0) {
                    problems.add(b.getSymbolicName() + " uses " + pkg + " "
                            + wire.getCapability().getAttributes().get(PackageNamespace.CAPABILITY_VERSION_ATTRIBUTE)
                            + " of " + provider.getSymbolicName() + " " + provider.getVersion());
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new HourglassException("bundles do not use the host's API classes, so their services would not "
                    + "be usable here (the host's jar exports " + SharedPackages.clauses(SHARED) + "; use the same "
                    + "version of org.hourglass.api as the bundles): " + String.join("; ", problems));
        }
    }

    private <T> ServiceTracker<T, T> track(Class<T> type, String filter) {
        try {
            ServiceTracker<T, T> tracker = filter == null ? new ServiceTracker<>(context(), type, null)
                    : new ServiceTracker<>(context(), context().createFilter(filter), null);
            tracker.open();
            trackers.add(tracker);
            return tracker;
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException("bad filter " + filter, e);
        }
    }

    private <T> T await(Class<T> type) {
        ServiceTracker<T, T> tracker = track(type, null);
        try {
            T service = tracker.waitForService(serviceTimeout.toMillis());
            if (service == null) {
                throw new HourglassException("no " + type.getName() + " service after " + serviceTimeout
                        + ": is its bundle in the bundle directory?");
            }
            return service;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HourglassException("interrupted while waiting for " + type.getName(), e);
        }
    }

    private String whyNoPipeline(String name) {
        try {
            Configuration[] configs = await(ConfigurationAdmin.class).listConfigurations("(&("
                    + ConfigurationAdmin.SERVICE_FACTORYPID + "=" + Pipeline.FACTORY_PID + ")(hourglass.name="
                    + escape(name) + "))");
            if (configs == null || configs.length == 0) {
                return "no configuration of " + Pipeline.FACTORY_PID + " names it (add one with configure("
                        + "Pipeline.FACTORY_PID, \"" + name + "\", ...))";
            }
            return "its configuration " + configs[0].getPid() + " exists, so it was refused (a bad attribute: see "
                    + "the log) or the org.hourglass.pipeline bundle is not active";
        } catch (IOException | InvalidSyntaxException e) {
            return "its configuration could not be listed: " + e.getMessage();
        }
    }

    private static boolean isFragment(Bundle b) {
        BundleRevision revision = b.adapt(BundleRevision.class);
        return revision != null && (revision.getTypes() & BundleRevision.TYPE_FRAGMENT) != 0;
    }

    /** LDAP filter value escaping. */
    static String escape(String value) {
        StringBuilder sb = new StringBuilder();
        for (char c : value.toCharArray()) {
            if (c == '\\' || c == '(' || c == ')' || c == '*') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.toString();
    }

    /** ONNX Runtime belongs inside the framework: a second copy on the host would load its native library twice. */
    private static void warnIfOnnxRuntimeIsOnTheClassPath() {
        try {
            Class.forName("ai.onnxruntime.OrtEnvironment", false, HourglassPlatform.class.getClassLoader());
            LOG.log(System.Logger.Level.WARNING, "ONNX Runtime is on the host's class path; the platform uses its "
                    + "own copy from the org.hourglass.onnxruntime bundle. Remove it from the host to load the native "
                    + "library only once.");
        } catch (ClassNotFoundException expected) {
            // as it should be
        }
    }

    private static void deleteTree(Path root) {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "could not remove the framework storage " + root + ": " + e);
        }
    }
}
