package org.hourglass.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.util.tracker.ServiceTracker;

/** A bundle installed while the framework runs registers its service, wired to the platform's executor. */
class RuntimeInstallTest {

    @InjectBundleContext
    BundleContext context;

    @Test
    @SuppressWarnings({"rawtypes", "unchecked"})
    void bundleInstalledAtRunTimeRegistersItsService() throws Exception {
        Path jar = Path.of(context.getProperty("hourglass.fixture.jar"));
        assertTrue(Files.isRegularFile(jar), "fixture bundle missing at " + jar);
        Bundle bundle;
        try (InputStream in = Files.newInputStream(jar)) {
            bundle = context.installBundle("itest:fixture", in);
        }
        ServiceTracker tracker = new ServiceTracker(context,
                FrameworkUtil.createFilter("(&(objectClass=java.util.concurrent.Callable)(hourglass.fixture=device-reporter))"),
                null);
        tracker.open();
        try {
            bundle.start();
            Callable<String> reporter = (Callable<String>) tracker.waitForService(TimeUnit.SECONDS.toMillis(10));
            assertNotNull(reporter, "the installed bundle registered no service");
            assertEquals("CPU", reporter.call());
            assertEquals(bundle, tracker.getServiceReference().getBundle());

            bundle.uninstall();
            assertEquals(0, tracker.size(), "its service goes away with the bundle");
        } finally {
            tracker.close();
            if (bundle.getState() != Bundle.UNINSTALLED) {
                bundle.uninstall();
            }
        }
    }
}
