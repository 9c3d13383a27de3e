package org.hourglass.itest.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.hourglass.api.pipeline.Pipeline;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.itest.Configurations;
import org.hourglass.spi.InputSpec;
import org.hourglass.spi.MaskingStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

/**
 * The masking strategies as services (default instances and factory instances made through ConfigurationAdmin),
 * and each one masking the input of a dense-family pipeline trained on a small Fashion-MNIST slice: masks are not
 * only for the MAE family.
 */
class MaskingTest {

    private static final long TIMEOUT = TimeUnit.SECONDS.toMillis(30);
    private static final InputSpec IMAGES = InputSpec.of(28, 28);

    @InjectBundleContext
    BundleContext context;

    @InjectService(timeout = 10_000)
    ConfigurationAdmin configAdmin;

    @TempDir
    Path models;

    private Configurations configs;

    @BeforeEach
    void setUp() throws Exception {
        configs = new Configurations(configAdmin);
    }

    @AfterEach
    void cleanUp() throws Exception {
        configs.close();
    }

    /** Hidden 4x4 patches of each sample, read from the top-left pixel of each patch. */
    private static int[] hiddenPatches(MaskingStrategy m, int batch, long seed) {
        float[] visible = new float[batch * 784];
        m.fill(visible, batch, IMAGES, new SplittableRandom(seed));
        int[] hidden = new int[batch];
        for (int s = 0; s < batch; s++) {
            int zeros = 0;
            for (int i = s * 784; i < (s + 1) * 784; i++) {
                assertTrue(visible[i] == 0f || visible[i] == 1f, "mask value " + visible[i]);
                zeros += visible[i] == 0f ? 1 : 0;
            }
            assertEquals(0, zeros % 16, "whole 4x4 patches");
            hidden[s] = zeros / 16;
        }
        return hidden;
    }

    @Test
    void defaultAndFactoryInstancesHideTheConfiguredNumberOfPatches() throws Exception {
        for (String name : new String[] {"random", "block", "color-noise"}) {
            MaskingStrategy m = Configurations.await(context, MaskingStrategy.class, name, TIMEOUT);
            for (int h : hiddenPatches(m, 20, 1)) {
                assertEquals(37, h, name); // round(0.75 * 49)
            }
        }
        configs.factory("org.hourglass.masking.colornoise", "itest-blue-half", "color", "blue", "mask.ratio", 0.5);
        configs.factory("org.hourglass.masking.block", "itest-block-small", "mask.ratio", 0.3,
                "block.min.patches", 2);
        for (int h : hiddenPatches(Configurations.await(context, MaskingStrategy.class, "itest-blue-half", TIMEOUT),
                20, 2)) {
            assertEquals(25, h); // round(24.5)
        }
        for (int h : hiddenPatches(Configurations.await(context, MaskingStrategy.class, "itest-block-small",
                TIMEOUT), 20, 3)) {
            assertEquals(15, h); // round(14.7)
        }
    }

    private Pipeline trainMasked(String name, String masking) throws Exception {
        configs.factory(Pipeline.FACTORY_PID, name, "family", "dense", "loss", "mse", "masking", masking,
                "scoring", "reconstruction-error", "training.data", "itest-masking-train", "evaluation.data",
                "itest-masking-test", "latent.size", 16, "epochs", 3, "batch.size", 64, "learning.rate", 0.003,
                "auto.train", true, "model.dir", models.toString());
        return Configurations.await(context, Pipeline.class, name, TIMEOUT);
    }

    @Test
    void aDensePipelineTrainsWithEachStrategy() throws Exception {
        configs.fashionMnist(context, 7, "itest-masking-train", 400, "itest-masking-test", 300);
        configs.factory("org.hourglass.masking.colornoise", "itest-red-noise", "color", "red");
        for (String masking : new String[] {"random", "block", "color-noise", "itest-red-noise"}) {
            Pipeline p = trainMasked("itest-masked-" + masking, masking);
            assertEquals(PipelineState.TRAINED, p.awaitTraining(TimeUnit.MINUTES.toMillis(1)), p.status().toString());
            var losses = p.status().progress().epochLosses();
            assertEquals(3, losses.size(), masking + ": " + p.status());
            for (double l : losses) {
                assertTrue(Double.isFinite(l) && l > 0, masking + ": epoch loss " + l);
            }
            assertTrue(losses.get(2) < losses.get(0), masking + ": masked reconstruction did not improve " + losses);
            // Served without a mask: the whole image in, the whole image out.
            float[] image = new float[784];
            image[300] = 1f;
            assertEquals(784, p.reconstruct(new float[][] {image})[0].length);
            double auroc = p.evaluate().auroc();
            assertTrue(auroc >= 0 && auroc <= 1, masking + ": AUROC " + auroc);
        }
    }

    @Test
    void aPatchSizeThatDoesNotDivideTheImageFailsTheRunNamingIt() throws Exception {
        configs.fashionMnist(context, 7, "itest-masking-train", 100, "itest-masking-test", 100);
        configs.factory("org.hourglass.masking.random", "itest-random-5", "patch.size", 5);
        Pipeline p = trainMasked("itest-masked-bad-patch", "itest-random-5");
        assertEquals(PipelineState.FAILED, p.awaitTraining(TimeUnit.MINUTES.toMillis(1)), p.status().toString());
        assertTrue(p.status().message().contains("patch.size 5 does not divide the 28x28 images"),
                p.status().message());
    }
}
