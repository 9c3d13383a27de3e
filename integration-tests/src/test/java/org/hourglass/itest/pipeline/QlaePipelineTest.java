package org.hourglass.itest.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.hourglass.api.pipeline.Pipeline;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.itest.Configurations;
import org.hourglass.spi.DataSource;
import org.hourglass.spi.Dataset;
import org.junit.jupiter.api.Test;

/**
 * The qlae family in a pipeline with AdamW and weight decay 0.1: trains on a Fashion-MNIST slice, reports codebook
 * usage per dimension each epoch, scores, and its codes are quantised.
 */
class QlaePipelineTest extends FashionMnistPipelineTest {

    QlaePipelineTest() {
        super("itest-qlae", 1, 500, 300);
    }

    @Test
    void trainsScoresAndEncodesToCodebookValues() throws Exception {
        configs.factory("org.hourglass.family.qlae", "itest-qlae-6", "codebook.size", 6, "hidden.sizes",
                new Integer[] {64}, "output.activation", "sigmoid");
        configs.factory(Pipeline.FACTORY_PID, "itest-qlae", "family", "itest-qlae-6", "loss", "mse", "scoring",
                "reconstruction-error", "training.data", "itest-qlae-train", "evaluation.data", "itest-qlae-test",
                "latent.size", 8, "epochs", 3, "batch.size", 64, "learning.rate", 0.003, "auto.train", true,
                "model.dir", models.toString());
        Pipeline p = Configurations.await(context, Pipeline.class, "itest-qlae", TIMEOUT);
        assertEquals(PipelineState.TRAINED, p.awaitTraining(TimeUnit.MINUTES.toMillis(1)), p.status().toString());

        // optimizer=auto (the default) trains with the family's recommendation, recorded in the model's provenance
        try (var files = java.nio.file.Files.list(models.resolve("itest-qlae"))) {
            Path model = files.filter(f -> f.getFileName().toString().endsWith(".onnx")).findFirst().orElseThrow();
            String bytes = new String(java.nio.file.Files.readAllBytes(model), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertTrue(bytes.contains("AdamW(") && bytes.contains("weightDecay=0.1)"), "provenance names AdamW, decay 0.1");
        }

        // codebook usage per dimension, every epoch
        List<Map<String, Object>> diagnostics = p.status().progress().epochDiagnostics();
        assertEquals(3, diagnostics.size(), p.status().toString());
        for (Map<String, Object> epoch : diagnostics) {
            List<?> used = (List<?>) epoch.get("values_used");
            List<?> perplexity = (List<?>) epoch.get("perplexity");
            assertEquals(8, used.size(), epoch.toString());
            assertEquals(8, perplexity.size(), epoch.toString());
            for (int d = 0; d < 8; d++) {
                int u = ((Number) used.get(d)).intValue();
                double px = ((Number) perplexity.get(d)).doubleValue();
                assertTrue(u >= 1 && u <= 6, "dimension " + d + ": " + epoch);
                assertTrue(px >= 1 - 1e-9 && px <= u + 1e-9, "dimension " + d + ": " + epoch);
            }
        }

        Dataset test = Configurations.await(context, DataSource.class, "itest-qlae-test", TIMEOUT).load();
        float[][] samples = new float[test.count()][];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = test.samples().row(i);
        }
        double[] scores = p.score(samples);
        assertEquals(samples.length, scores.length);
        for (double s : scores) {
            assertTrue(Double.isFinite(s), "score " + s);
        }
        float[][] codes = p.encode(samples);
        assertEquals(8, codes[0].length);
        for (int d = 0; d < 8; d++) {
            Set<Float> values = new HashSet<>();
            for (float[] code : codes) {
                values.add(code[d]);
            }
            assertTrue(values.size() <= 6, "dimension " + d + " takes " + values.size() + " values: " + values);
        }
    }
}
