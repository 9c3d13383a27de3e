package org.hourglass.itest;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hourglass.spi.PluginProperties;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.Filter;
import org.osgi.framework.FrameworkUtil;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;

/** Factory configurations made as the console makes them, deleted again by {@link #close()}. */
public final class Configurations implements AutoCloseable {

    private final ConfigurationAdmin configAdmin;
    private final List<Configuration> created = new ArrayList<>();

    public Configurations(ConfigurationAdmin configAdmin) {
        this.configAdmin = configAdmin;
    }

    /**
     * Creates or updates the factory configuration {@code factoryPid~name} bound to no bundle in particular
     * ("?"), with {@code hourglass.name = name} and the given key/value pairs.
     */
    public Configuration factory(String factoryPid, String name, Object... keyValues) throws Exception {
        Configuration c = configAdmin.getFactoryConfiguration(factoryPid, name, "?");
        if (!created.contains(c)) {
            created.add(c);
        }
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(PluginProperties.NAME, name);
        for (int i = 0; i < keyValues.length; i += 2) {
            props.put((String) keyValues[i], keyValues[i + 1]);
        }
        c.update(props);
        return c;
    }

    /**
     * Two IDX data sources over Debian's Fashion-MNIST files (folder from the framework property
     * {@code hourglass.fashion.mnist}): {@code trainName} with up to {@code trainLimit} training images of
     * {@code normalClass}, and {@code testName} with up to {@code testLimit} test images of all classes, labelled 0
     * for {@code normalClass} and 1 for the others. Fails, naming the folder, when the files are missing.
     */
    public void fashionMnist(BundleContext context, int normalClass, String trainName, int trainLimit,
                             String testName, int testLimit) throws Exception {
        Path dir = Path.of(context.getProperty("hourglass.fashion.mnist"));
        assertTrue(Files.isRegularFile(dir.resolve("train-images-idx3-ubyte.gz")),
                "Fashion-MNIST is missing in " + dir + " (apt-get install dataset-fashion-mnist)");
        factory("org.hourglass.data.idx", trainName,
                "images", dir.resolve("train-images-idx3-ubyte.gz").toString(),
                "labels", dir.resolve("train-labels-idx1-ubyte.gz").toString(),
                "classes", new Integer[] {normalClass}, "limit", trainLimit);
        factory("org.hourglass.data.idx", testName,
                "images", dir.resolve("t10k-images-idx3-ubyte.gz").toString(),
                "labels", dir.resolve("t10k-labels-idx1-ubyte.gz").toString(),
                "normal.classes", new Integer[] {normalClass}, "limit", testLimit);
    }

    /** Deletes one configuration made here. */
    public void delete(Configuration c) throws Exception {
        created.remove(c);
        c.delete();
    }

    /**
     * Deletes every configuration made here and waits (up to 30 s) until the services they configured are gone:
     * Configuration Admin delivers deletions asynchronously, and a next test that makes a configuration of the same
     * name would otherwise meet the old service and see it vanish under its feet.
     */
    @Override
    public void close() throws Exception {
        List<String> pids = new ArrayList<>();
        for (Configuration c : created) {
            try {
                pids.add(c.getPid());
                c.delete();
            } catch (IllegalStateException alreadyDeleted) {
                // deleted by the test itself
            }
        }
        created.clear();
        BundleContext context = FrameworkUtil.getBundle(Configurations.class).getBundleContext();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (String pid : pids) {
            String filter = "(" + Constants.SERVICE_PID + "=" + pid.replaceAll("([\\\\()*])", "\\\\$1") + ")";
            while (context.getServiceReferences((String) null, filter) != null && System.nanoTime() < end) {
                Thread.sleep(10);
            }
        }
    }

    /** Waits for the service of {@code type} registered under {@code hourglass.name = name}. */
    public static <T> T await(BundleContext context, Class<T> type, String name, long timeoutMillis)
            throws Exception {
        Filter filter = context.createFilter("(&(objectClass=" + type.getName() + ")(" + PluginProperties.NAME
                + "=" + name + "))");
        ServiceTracker<T, T> tracker = new ServiceTracker<>(context, filter, null);
        tracker.open();
        try {
            T service = tracker.waitForService(timeoutMillis);
            assertNotNull(service, "no " + type.getSimpleName() + " named '" + name + "' within " + timeoutMillis
                    + " ms");
            return service;
        } finally {
            tracker.close(); // the service object stays usable for the test's calls
        }
    }
}
