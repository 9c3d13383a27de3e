package org.hourglass.itest.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Array;
import java.util.Dictionary;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.hourglass.spi.AutoencoderFamily;
import org.hourglass.spi.MaskingStrategy;
import org.hourglass.spi.ReconstructionLoss;
import org.hourglass.spi.ScoringMethod;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

/**
 * The plug-ins' default instances come from their bundles' {@code OSGI-INF/configurator/defaults.json}, applied by
 * the OSGi Configurator as factory configurations {@code <factory PID>~<name>}; a user's edit or deletion is not
 * undone when the Configurator applies the bundle again (an updated bundle).
 */
class DefaultInstancesTest {

    @InjectBundleContext
    BundleContext context;

    @InjectService
    ConfigurationAdmin configAdmin;

    private record Instance(Class<?> type, String factoryPid, String name) {
    }

    /** Every default instance the platform ships, as the removed Default* classes registered them. */
    private static final List<Instance> SHIPPED = List.of(
            new Instance(AutoencoderFamily.class, "org.hourglass.family.dense", "dense"),
            new Instance(AutoencoderFamily.class, "org.hourglass.family.conv", "conv"),
            new Instance(AutoencoderFamily.class, "org.hourglass.family.qlae", "qlae"),
            new Instance(AutoencoderFamily.class, "org.hourglass.family.vq", "vq"),
            new Instance(AutoencoderFamily.class, "org.hourglass.family.vae", "vae"),
            new Instance(AutoencoderFamily.class, "org.hourglass.family.cevae", "ce-vae"),
            new Instance(AutoencoderFamily.class, "org.hourglass.family.mae", "mae"),
            new Instance(AutoencoderFamily.class, "org.hourglass.family.topk", "topk"),
            new Instance(AutoencoderFamily.class, "org.hourglass.family.batchtopk", "batchtopk"),
            new Instance(AutoencoderFamily.class, "org.hourglass.family.transcoder", "transcoder"),
            new Instance(AutoencoderFamily.class, "org.hourglass.family.mutualchoice", "mutual-choice"),
            new Instance(AutoencoderFamily.class, "org.hourglass.family.featurechoice", "feature-choice"),
            new Instance(AutoencoderFamily.class, "org.hourglass.family.gsae", "g-sae"),
            new Instance(ReconstructionLoss.class, "org.hourglass.loss.mse", "mse"),
            new Instance(ReconstructionLoss.class, "org.hourglass.loss.l1", "l1"),
            new Instance(ReconstructionLoss.class, "org.hourglass.loss.bce", "bce"),
            new Instance(ReconstructionLoss.class, "org.hourglass.loss.huber", "huber"),
            new Instance(ReconstructionLoss.class, "org.hourglass.loss.msssim", "ms-ssim"),
            new Instance(ReconstructionLoss.class, "org.hourglass.loss.apre", "apre"),
            new Instance(MaskingStrategy.class, "org.hourglass.masking.random", "random"),
            new Instance(MaskingStrategy.class, "org.hourglass.masking.block", "block"),
            new Instance(MaskingStrategy.class, "org.hourglass.masking.colornoise", "color-noise"),
            new Instance(ScoringMethod.class, "org.hourglass.scoring.reconstructionerror", "reconstruction-error"),
            new Instance(ScoringMethod.class, "org.hourglass.scoring.apre", "apre"),
            new Instance(ScoringMethod.class, "org.hourglass.scoring.reconstructionprobability",
                    "reconstruction-probability"),
            new Instance(ScoringMethod.class, "org.hourglass.scoring.meanshift", "mean-shift"),
            new Instance(ScoringMethod.class, "org.hourglass.scoring.latentknn", "latent-knn"),
            new Instance(ScoringMethod.class, "org.hourglass.scoring.combined", "combined"));

    @Test
    void everyShippedDefaultInstanceIsRegisteredFromItsConfiguratorConfiguration() throws Exception {
        for (Instance i : SHIPPED) {
            ServiceReference<?> ref = await(i.type(), i.name(), true);
            assertNotNull(ref, i + " is not registered");
            assertEquals(i.factoryPid() + "~" + i.name(), ref.getProperty("service.pid"), i.toString());
            assertEquals(i.factoryPid(), ref.getProperty("service.factoryPid"), i.toString());
            for (String key : ref.getPropertyKeys()) {
                assertFalse(key.startsWith(":configurator:"), "directive leaked into " + i + ": " + key);
            }
            assertEquals(1, context.getServiceReferences(i.type().getName(), "(hourglass.name=" + i.name() + ")")
                    .length, "one " + i.type().getSimpleName() + " named " + i.name());
        }
        // The annotation defaults still fill in what the configuration leaves out, as for the old default classes.
        ServiceReference<?> dense = await(AutoencoderFamily.class, "dense", true);
        assertEquals("relu", dense.getProperty("activation"));
        Object hidden = dense.getProperty("hidden.sizes");
        assertTrue(hidden.getClass().isArray() && Array.getLength(hidden) == 1
                && "256".equals(String.valueOf(Array.get(hidden, 0))), "hidden.sizes " + hidden);
        ServiceReference<?> bce = await(ReconstructionLoss.class, "bce", true);
        assertEquals("logits", bce.getProperty("hourglass.reads"), "bce declares what it reads");
    }

    @Test
    void aUsersEditOrDeletionSurvivesTheConfiguratorApplyingTheBundleAgain() throws Exception {
        Configuration huber = configAdmin.getConfiguration("org.hourglass.loss.huber~huber", "?");
        Dictionary<String, Object> props = huber.getProperties();
        assertNotNull(props, "the Configurator created org.hourglass.loss.huber~huber");
        props.put("delta", 0.5);
        huber.update(props);
        waitFor(() -> property(ReconstructionLoss.class, "huber", "delta") instanceof Double d && d == 0.5,
                "edited huber registered");

        // An updated bundle is applied again (new last-modified time): the user's edit stays.
        Bundle bundle = FrameworkUtil.getBundle(context.getService(await(ReconstructionLoss.class, "huber", true))
                .getClass());
        context.ungetService(await(ReconstructionLoss.class, "huber", true));
        bundle.update();
        waitFor(() -> bundle.getState() == Bundle.ACTIVE, "huber bundle active again");
        Thread.sleep(1000); // the Configurator works on its own thread
        assertEquals(0.5, configAdmin.getConfiguration("org.hourglass.loss.huber~huber", "?").getProperties()
                .get("delta"), "the Configurator must not overwrite a user's edit");

        // Deleted by the user: gone, and not recreated while the bundle ships the same default, updated or not.
        configAdmin.getConfiguration("org.hourglass.loss.huber~huber", "?").delete();
        assertNull(await(ReconstructionLoss.class, "huber", false), "huber gone with its configuration");
        bundle.update();
        waitFor(() -> bundle.getState() == Bundle.ACTIVE, "huber bundle active again");
        Thread.sleep(1000);
        assertNull(await(ReconstructionLoss.class, "huber", false), "a deleted default stays deleted");

        // Put back as the bundle had it, for the tests after this one. (That a bundle installed anew brings its
        // default back is checked end to end by the runtime's HotDeployIT, which takes the sample plug-in out of
        // deploy/ and puts it back: uninstalling a bundle of this framework would make its launcher remove it.)
        Configuration restored = configAdmin.getFactoryConfiguration("org.hourglass.loss.huber", "huber", "?");
        restored.update(new java.util.Hashtable<>(java.util.Map.of("hourglass.name", "huber")));
        ServiceReference<?> back = await(ReconstructionLoss.class, "huber", true);
        assertNotNull(back, "huber registered again");
        assertEquals(1.0, back.getProperty("delta"));
    }

    private Object property(Class<?> type, String name, String key) {
        try {
            ServiceReference<?> ref = await(type, name, false);
            return ref == null ? null : ref.getProperty(key);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The service named so, waiting up to 30 s for it ({@code present}) or 2 s for its absence. */
    private ServiceReference<?> await(Class<?> type, String name, boolean present) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(present ? 30 : 2);
        while (true) {
            ServiceReference<?>[] refs = context.getServiceReferences(type.getName(), "(hourglass.name=" + name + ")");
            if ((refs != null) == present || System.nanoTime() > end) {
                return refs == null ? null : refs[0];
            }
            Thread.sleep(20);
        }
    }

    private static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "timed out waiting for: " + what);
            Thread.sleep(20);
        }
    }
}
