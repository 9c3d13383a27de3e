package org.hourglass.itest.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
import org.hourglass.api.pipeline.Evaluation;
import org.hourglass.api.pipeline.Pipeline;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.itest.Configurations;
import org.hourglass.spi.DataSource;
import org.hourglass.spi.Dataset;
import org.hourglass.spi.ScoringMethod;
import org.junit.jupiter.api.Test;

/**
 * Mean-shift scoring inside the framework: the default instance (found by name, with the executor injected)
 * scores a dense pipeline trained on a Fashion-MNIST slice and stores its shifted reference set with the model;
 * a factory instance with metric apre scores a dense pipeline with a variance head.
 */
class MeanShiftScoringTest extends FashionMnistPipelineTest {

    MeanShiftScoringTest() {
        super("itest-mss", 7, 500, 400);
    }

    private Pipeline trained(String name, String family, String loss, String scoring) throws Exception {
        configs.factory(Pipeline.FACTORY_PID, name, "family", family, "loss", loss, "scoring", scoring,
                "training.data", "itest-mss-train", "evaluation.data", "itest-mss-test",
                "latent.size", 8, "epochs", 2, "batch.size", 64, "learning.rate", 0.003,
                "auto.train", true, "model.dir", models.toString());
        Pipeline p = Configurations.await(context, Pipeline.class, name, TIMEOUT);
        assertEquals(PipelineState.TRAINED, p.awaitTraining(TimeUnit.MINUTES.toMillis(2)), p.status().toString());
        return p;
    }

    private double[] scoreTestImages(Pipeline p) throws Exception {
        Dataset test = Configurations.await(context, DataSource.class, "itest-mss-test", TIMEOUT).load();
        float[][] samples = new float[test.count()][];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = test.samples().row(i);
        }
        double[] scores = p.score(samples);
        assertEquals(samples.length, scores.length);
        for (double s : scores) {
            assertTrue(Double.isFinite(s), "score " + s);
        }
        return scores;
    }

    @Test
    void defaultInstanceScoresADensePipelineAndStoresTheShiftedReference() throws Exception {
        Configurations.await(context, ScoringMethod.class, "mean-shift", TIMEOUT);
        Pipeline p = trained("itest-mss-dense", "dense", "mse", "mean-shift");
        double[] scores = scoreTestImages(p);
        // Scores are deterministic: a second call over the same samples gives the same numbers.
        double[] again = scoreTestImages(p);
        for (int i = 0; i < scores.length; i++) {
            assertTrue(scores[i] >= 0, "a mean squared error is >= 0: " + scores[i]);
            assertEquals(scores[i], again[i], 0, "sample " + i);
        }
        Evaluation e = p.evaluate();
        assertTrue(e.auroc() > 0.7, "AUROC " + e.auroc());

        String record = Files.readString(models.resolve("itest-mss-dense").resolve("pipeline.json"));
        // 500 images less the 10% validation hold-out, all below reference.max, shifted once with k=5.
        assertTrue(record.contains("\"reference_count\" : 450"), record.substring(0, Math.min(2000, record.length())));
        assertTrue(record.contains("\"reference_width\" : 784"), "reference width");
        assertTrue(record.contains("\"shifted_reference\" : ["), "shifted reference stored");
        assertTrue(record.contains("\"k\" : 5") && record.contains("\"t\" : 1"), "k and t stored");
    }

    @Test
    void factoryInstanceWithApreScoresADenseVarianceHeadPipeline() throws Exception {
        configs.factory("org.hourglass.scoring.meanshift", "itest-mss-apre", "metric", "apre", "k", 3, "t", 2,
                "reference.max", 200, "block.size", 64);
        configs.factory("org.hourglass.family.dense", "itest-mss-variance", "variance.head", true);
        Configurations.await(context, ScoringMethod.class, "itest-mss-apre", TIMEOUT);
        Pipeline p = trained("itest-mss-apre-dense", "itest-mss-variance", "apre", "itest-mss-apre");
        scoreTestImages(p);
        Evaluation e = p.evaluate();
        assertTrue(e.auroc() > 0.6, "AUROC " + e.auroc());
        String record = Files.readString(models.resolve("itest-mss-apre-dense").resolve("pipeline.json"));
        assertTrue(record.contains("\"reference_count\" : 200"), "subset of reference.max samples");
        assertTrue(record.contains("\"metric\" : \"apre\""), "metric stored");
    }
}
