package org.hourglass.itest.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.hourglass.api.executor.ModelSession;
import org.hourglass.api.executor.OnnxExecutor;
import org.hourglass.api.pipeline.Pipeline;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.itest.Configurations;
import org.hourglass.spi.DataSource;
import org.hourglass.spi.Dataset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.test.common.annotation.InjectService;

/**
 * The mae family in pipelines with each masking strategy: trains on a Fashion-MNIST slice, the encoder took exactly
 * the visible patches (diagnostic), and the served model encodes to embed.dim, reconstructs, scores and carries the
 * per-patch error output; without a masking strategy the pipeline fails naming it.
 */
class MaePipelineTest extends FashionMnistPipelineTest {

    @InjectService(timeout = 10_000)
    OnnxExecutor executor;

    MaePipelineTest() {
        super("itest-mae", 1, 400, 300);
    }

    @BeforeEach
    void smallFamily() throws Exception {
        // A small encoder keeps the test fast; patch 4 and ratio 0.75 are the strategies' defaults.
        configs.factory("org.hourglass.family.mae", "itest-mae-small", "embed.dim", 32, "depth", 1, "heads", 4,
                "decoder.dim", 16, "decoder.heads", 2);
    }

    private Pipeline pipeline(String name, String masking) throws Exception {
        configs.factory(Pipeline.FACTORY_PID, name, "family", "itest-mae-small", "loss", "mse", "masking", masking,
                "scoring", "reconstruction-error", "training.data", "itest-mae-train", "evaluation.data",
                "itest-mae-test", "latent.size", 8, "epochs", 3, "batch.size", 64, "learning.rate", 0.003,
                "auto.train", true, "model.dir", models.toString());
        return Configurations.await(context, Pipeline.class, name, TIMEOUT);
    }

    @Test
    void trainsWithEachStrategyAndServesCodesReconstructionsScoresAndPatchErrors() throws Exception {
        Dataset test = Configurations.await(context, DataSource.class, "itest-mae-test", TIMEOUT).load();
        float[][] samples = new float[50][];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = test.samples().row(i);
        }
        for (String masking : new String[] {"random", "block", "color-noise"}) {
            String name = "itest-mae-" + masking;
            Pipeline p = pipeline(name, masking);
            assertEquals(PipelineState.TRAINED, p.awaitTraining(TimeUnit.MINUTES.toMillis(2)), p.status().toString());
            List<Double> losses = p.status().progress().epochLosses();
            assertEquals(3, losses.size(), masking + ": " + p.status());
            assertTrue(losses.get(2) < losses.get(0), masking + ": the masked loss did not fall: " + losses);
            List<Map<String, Object>> diagnostics = p.status().progress().epochDiagnostics();
            assertEquals(3, diagnostics.size(), masking + ": " + diagnostics);
            for (Map<String, Object> epoch : diagnostics) {
                assertEquals(1.0, ((Number) epoch.get("selected_visibility")).doubleValue(), 1e-6,
                        masking + ": the encoder took exactly the visible patches: " + epoch);
                assertEquals(12.0 / 49, ((Number) epoch.get("visible_fraction")).doubleValue(), 1e-6,
                        masking + ": 12 of 49 patches visible: " + epoch);
            }

            float[][] codes = p.encode(samples);
            assertEquals(32, codes[0].length, "the latent is the mean encoder token (embed.dim), not latent.size");
            float[][] reconstructions = p.reconstruct(samples);
            assertEquals(784, reconstructions[0].length);
            double[] scores = p.score(samples);
            for (int i = 0; i < samples.length; i++) {
                assertTrue(Double.isFinite(scores[i]) && scores[i] >= 0, masking + ": score " + scores[i]);
                for (float v : reconstructions[i]) {
                    assertTrue(Float.isFinite(v), masking + ": reconstruction value " + v);
                }
            }
            double auroc = p.evaluate().auroc();
            assertTrue(auroc >= 0 && auroc <= 1, masking + ": AUROC " + auroc);

            Path model;
            try (Stream<Path> files = Files.list(models.resolve(name))) {
                model = files.filter(f -> f.getFileName().toString().endsWith(".onnx")).findFirst().orElseThrow();
            }
            try (ModelSession session = executor.load("itest-mae-stored", Files.readAllBytes(model))) {
                assertTrue(session.outputs().containsKey("patch_error"), "outputs " + session.outputs().keySet());
                String shape = session.outputs().get("patch_error").getInfo().toString();
                assertTrue(shape.contains("49"), "patch_error has one column per patch: " + shape);
            }
        }
    }

    @Test
    void withoutAMaskingStrategyThePipelineFailsNamingIt() throws Exception {
        Pipeline p = pipeline("itest-mae-unmasked", "");
        assertEquals(PipelineState.FAILED, p.awaitTraining(TimeUnit.MINUTES.toMillis(1)), p.status().toString());
        String message = p.status().message();
        assertTrue(message != null && message.contains("masking strategy"), String.valueOf(message));
    }
}
