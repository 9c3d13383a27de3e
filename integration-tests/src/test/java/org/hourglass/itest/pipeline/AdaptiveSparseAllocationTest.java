package org.hourglass.itest.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.hourglass.api.pipeline.Pipeline;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.itest.Configurations;
import org.hourglass.spi.DataSource;
import org.hourglass.spi.Dataset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

/**
 * The adaptive-allocation SAEs in pipelines on MiniLM activations (block 3, the Apache License lines of Debian's
 * base-files): mutual-choice keeps k active latents per token on average across the batch, feature-choice lets each
 * latent pick its tokens; both train (FVU falls), report their figures per epoch and serve sparse, non-negative codes
 * through their learned inference thresholds.
 */
class AdaptiveSparseAllocationTest {

    private static final long TIMEOUT = TimeUnit.SECONDS.toMillis(30);
    private static final Path CORPUS = Path.of("/usr/share/common-licenses/Apache-2.0");
    private static final String TENSOR = "/encoder/layer.3/output/LayerNorm/Add_1_output_0";
    private static final int LATENTS = 768;
    private static final int K = 16;
    private static final int EPOCHS = 3;

    @InjectBundleContext
    BundleContext context;

    @InjectService(timeout = 10_000)
    ConfigurationAdmin configAdmin;

    @TempDir
    Path temp;

    private Configurations configs;

    @BeforeEach
    void activations() throws Exception {
        assertTrue(Files.isRegularFile(CORPUS), CORPUS + " is missing (Debian package base-files)");
        configs = new Configurations(configAdmin);
        configs.factory("org.hourglass.data.onnxactivations", "itest-asa-acts", "corpus",
                new String[] {CORPUS.toString()}, "tensor", TENSOR, "max.tokens", 32,
                "cache.dir", temp.resolve("cache").toString(), "shuffle", true, "seed", 3L);
    }

    @AfterEach
    void cleanUp() throws Exception {
        configs.close();
    }

    private Pipeline trained(String family) throws Exception {
        configs.factory(Pipeline.FACTORY_PID, family, "family", family, "loss", "mse", "scoring",
                "reconstruction-error", "training.data", "itest-asa-acts", "latent.size", LATENTS,
                "epochs", EPOCHS, "batch.size", 128, "learning.rate", 0.003, "normalization", "none",
                "auto.train", true, "model.dir", temp.resolve("models").toString());
        Pipeline p = Configurations.await(context, Pipeline.class, family, TIMEOUT);
        assertEquals(PipelineState.TRAINED, p.awaitTraining(TimeUnit.MINUTES.toMillis(3)), p.status().toString());
        return p;
    }

    private static double figure(Map<String, Object> epoch, String name) {
        return ((Number) epoch.get(name)).doubleValue();
    }

    /** Checks the per-epoch figures and the served codes; returns the last epoch's figures. */
    private Map<String, Object> checkTrainedAndServing(Pipeline p) throws Exception {
        List<Map<String, Object>> epochs = p.status().progress().epochDiagnostics();
        assertEquals(EPOCHS, epochs.size(), p.status().toString());
        double firstFvu = figure(epochs.get(0), "fvu");
        double lastFvu = figure(epochs.get(EPOCHS - 1), "fvu");
        assertTrue(lastFvu < firstFvu && lastFvu < 0.6, "FVU " + firstFvu + " -> " + lastFvu + ": " + epochs);

        Dataset acts = Configurations.await(context, DataSource.class, "itest-asa-acts", TIMEOUT).load();
        float[][] samples = new float[200][];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = acts.samples().row(i);
        }
        int active = 0;
        for (float[] code : p.encode(samples)) {
            assertEquals(LATENTS, code.length);
            for (float v : code) {
                assertTrue(v >= 0, "ReLU'd code");
                active += v > 0 ? 1 : 0;
            }
        }
        double meanActive = (double) active / samples.length;
        assertTrue(meanActive > 0 && meanActive < LATENTS / 4.0, "sparse served codes: " + meanActive + " per token");
        return epochs.get(EPOCHS - 1);
    }

    @Test
    void mutualChoiceKeepsKPerTokenOnAverage() throws Exception {
        configs.factory("org.hourglass.family.mutualchoice", "itest-mutual", "k", K);
        Map<String, Object> last = checkTrainedAndServing(trained("itest-mutual"));
        // k·B entries of the batch's token x latent matrix, at most (ReLU may zero a few).
        assertTrue(figure(last, "l0") > 0 && figure(last, "l0") <= K + 1e-6, last.toString());
    }

    @Test
    void featureChoiceLetsEachLatentPickItsTokens() throws Exception {
        configs.factory("org.hourglass.family.featurechoice", "itest-feature", "k", K);
        Map<String, Object> last = checkTrainedAndServing(trained("itest-feature"));
        // m = k·B / latents tokens per latent: the same budget as topk on average, at most.
        assertTrue(figure(last, "l0") > 0 && figure(last, "l0") <= K + 1e-6, last.toString());
    }
}
