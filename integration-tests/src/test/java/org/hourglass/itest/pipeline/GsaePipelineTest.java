package org.hourglass.itest.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

/**
 * The gradient-aware TopK SAE in the framework: MiniLM's last_hidden_state over a slice of the Apache License
 * lines with gradient=embedding (rows [x | g]), a g-sae pipeline that reports the topk metrics and the latents its
 * sensitivity swapped, and the same on block 3's output with rows [x | g_1 .. g_4] (random probes of the
 * sensitivity through blocks 4 and 5).
 */
class GsaePipelineTest {

    private static final long TIMEOUT = TimeUnit.SECONDS.toMillis(30);
    private static final Path CORPUS = Path.of("/usr/share/common-licenses/Apache-2.0");
    private static final int LATENTS = 512;
    private static final int K = 16;
    private static final int EPOCHS = 3;
    /** beta for block 3's output: s there is of the order of 0.01 embedding units per unit of activation. */
    private static final double BETA_INNER = 200.0;

    @InjectBundleContext
    BundleContext context;

    @InjectService(timeout = 10_000)
    ConfigurationAdmin configAdmin;

    @TempDir
    Path temp;

    private Configurations configs;

    @AfterEach
    void cleanUp() throws Exception {
        if (configs != null) {
            configs.close();
        }
    }

    @Test
    void gsaeTrainsOnRowsWithTheEmbeddingSensitivity() throws Exception {
        assertTrue(Files.isRegularFile(CORPUS), CORPUS + " is missing (Debian package base-files)");
        configs = new Configurations(configAdmin);
        configs.factory("org.hourglass.data.onnxactivations", "itest-gsae-acts", "corpus",
                new String[] {CORPUS.toString()}, "tensor", "last_hidden_state", "gradient", "embedding",
                "max.tokens", 24, "shuffle", true, "seed", 5L, "limit", 2000);
        Dataset acts = Configurations.await(context, DataSource.class, "itest-gsae-acts", TIMEOUT).load();
        assertEquals(768, acts.samples().width(), "rows [x | g] of 2 x 384: " + acts);

        configs.factory("org.hourglass.family.gsae", "itest-gsae-family", "k", K, "beta", 200.0, "aux.k", 64,
                "dead.tokens", 1000);
        configs.factory(Pipeline.FACTORY_PID, "itest-gsae", "family", "itest-gsae-family", "loss", "mse",
                "scoring", "reconstruction-error", "training.data", "itest-gsae-acts", "latent.size", LATENTS,
                "epochs", EPOCHS, "batch.size", 128, "learning.rate", 0.003, "normalization", "none",
                "auto.train", true, "model.dir", temp.resolve("models").toString());
        Pipeline p = Configurations.await(context, Pipeline.class, "itest-gsae", TIMEOUT);
        assertEquals(PipelineState.TRAINED, p.awaitTraining(TimeUnit.MINUTES.toMillis(2)), p.status().toString());

        List<Map<String, Object>> epochs = p.status().progress().epochDiagnostics();
        assertEquals(EPOCHS, epochs.size(), p.status().toString());
        for (Map<String, Object> e : epochs) {
            double l0 = ((Number) e.get("l0")).doubleValue();
            assertTrue(l0 > 0 && l0 <= K + 1e-6, "L0 is at most k: " + e);
            double swapped = ((Number) e.get("swapped_latents")).doubleValue();
            assertTrue(swapped >= 0 && swapped <= K, e.toString());
        }
        double firstFvu = ((Number) epochs.get(0).get("fvu")).doubleValue();
        double lastFvu = ((Number) epochs.get(EPOCHS - 1).get("fvu")).doubleValue();
        assertTrue(lastFvu < firstFvu && lastFvu < 0.8, "FVU " + firstFvu + " -> " + lastFvu + ": " + epochs);

        // Served models read [x | g] and give g back unchanged as the second half.
        float[][] rows = {acts.samples().row(0), acts.samples().row(1)};
        float[][] out = p.reconstruct(rows);
        for (int i = 0; i < rows.length; i++) {
            assertEquals(768, out[i].length);
            for (int j = 384; j < 768; j++) {
                assertEquals(rows[i][j], out[i][j], 1e-6f);
            }
        }
    }

    @Test
    void gsaeTrainsOnAnInnerTensorWithProbesOfTheEmbeddingSensitivity() throws Exception {
        configs = new Configurations(configAdmin);
        configs.factory("org.hourglass.data.onnxactivations", "itest-gsae-inner", "corpus",
                new String[] {CORPUS.toString()}, "tensor", "/encoder/layer.3/output/LayerNorm/Add_1_output_0",
                "gradient", "embedding", "gradient.probes", 4, "max.tokens", 24, "shuffle", true, "seed", 5L,
                "limit", 1000, "downstream.documents", 8);
        Dataset acts = Configurations.await(context, DataSource.class, "itest-gsae-inner", TIMEOUT).load();
        assertEquals(5 * 384, acts.samples().width(), "rows [x | g_1 .. g_4]: " + acts);
        assertArrayEquals(new long[] {5, 384}, acts.spec().sampleShape(), acts.toString());

        configs.factory("org.hourglass.family.gsae", "itest-gsae-inner-family", "k", K, "beta", BETA_INNER,
                "aux.k", 64, "dead.tokens", 1000);
        configs.factory(Pipeline.FACTORY_PID, "itest-gsae-inner", "family", "itest-gsae-inner-family", "loss", "mse",
                "scoring", "reconstruction-error", "training.data", "itest-gsae-inner", "latent.size", 256,
                "epochs", 2, "batch.size", 128, "learning.rate", 0.003, "normalization", "none", "auto.train", true,
                "model.dir", temp.resolve("models").toString());
        Pipeline p = Configurations.await(context, Pipeline.class, "itest-gsae-inner", TIMEOUT);
        assertEquals(PipelineState.TRAINED, p.awaitTraining(TimeUnit.MINUTES.toMillis(3)), p.status().toString());
        List<Map<String, Object>> epochs = p.status().progress().epochDiagnostics();
        assertEquals(2, epochs.size(), p.status().toString());
        for (Map<String, Object> e : epochs) {
            double l0 = ((Number) e.get("l0")).doubleValue();
            assertTrue(l0 > 0 && l0 <= K + 1e-6, "L0 is at most k: " + e);
            double swapped = ((Number) e.get("swapped_latents")).doubleValue();
            assertTrue(swapped > 0 && swapped <= K, "beta > 0 swaps some latents: " + e);
            assertTrue(e.containsKey("downstream_preserved"), "the splice metric with probe rows: " + e);
        }
        double firstFvu = ((Number) epochs.get(0).get("fvu")).doubleValue();
        double lastFvu = ((Number) epochs.get(1).get("fvu")).doubleValue();
        assertTrue(lastFvu < firstFvu, "FVU " + firstFvu + " -> " + lastFvu + ": " + epochs);

        // Served models read [x | g_1 .. g_4] and give the probes back unchanged.
        float[][] rows = {acts.samples().row(0)};
        float[][] out = p.reconstruct(rows);
        assertEquals(5 * 384, out[0].length);
        for (int j = 384; j < 5 * 384; j++) {
            assertEquals(rows[0][j], out[0][j], 1e-6f);
        }
    }
}
