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
 * Scoring with what the autoencoder learned, inside the framework: the default {@code latent-knn} and
 * {@code combined} instances (found by name, with the executor injected, the neighbour library inlined in each
 * bundle) and a {@code combined} factory instance with the input-space component and rank combination score
 * dense pipelines trained on a Fashion-MNIST slice; their states are stored with the model. On this slice
 * (sneakers normal, 400 test images, 2 epochs) reconstruction-error reaches an AUROC of about 0.97, latent-knn
 * 0.985, combined 0.983 and the rank combination with input neighbours 0.987 (7 December 2026, CPU).
 */
class LatentScoringTest extends FashionMnistPipelineTest {

    LatentScoringTest() {
        super("itest-latent", 7, 500, 400);
    }

    private Pipeline trained(String name, String scoring) throws Exception {
        configs.factory(Pipeline.FACTORY_PID, name, "family", "dense", "loss", "mse", "scoring", scoring,
                "training.data", trainingData, "evaluation.data", evaluationData,
                "latent.size", 8, "epochs", 2, "batch.size", 64, "learning.rate", 0.003,
                "auto.train", true, "model.dir", models.toString());
        Pipeline p = Configurations.await(context, Pipeline.class, name, TIMEOUT);
        assertEquals(PipelineState.TRAINED, p.awaitTraining(TimeUnit.MINUTES.toMillis(2)), p.status().toString());
        return p;
    }

    private double[] scoreTestImagesTwice(Pipeline p) throws Exception {
        Dataset test = Configurations.await(context, DataSource.class, evaluationData, TIMEOUT).load();
        float[][] samples = new float[test.count()][];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = test.samples().row(i);
        }
        double[] scores = p.score(samples);
        double[] again = p.score(samples);
        assertEquals(samples.length, scores.length);
        for (int i = 0; i < scores.length; i++) {
            assertTrue(Double.isFinite(scores[i]), "score " + scores[i]);
            assertEquals(scores[i], again[i], 0, "sample " + i + ": scores are deterministic");
        }
        return scores;
    }

    private String record(String pipeline) throws Exception {
        return Files.readString(models.resolve(pipeline).resolve("pipeline.json"));
    }

    @Test
    void defaultLatentKnnScoresByTheDistanceToTheKthNearestTrainingCode() throws Exception {
        Configurations.await(context, ScoringMethod.class, "latent-knn", TIMEOUT);
        Pipeline p = trained("itest-latent-knn", "latent-knn");
        for (double s : scoreTestImagesTwice(p)) {
            assertTrue(s >= 0, "a distance is >= 0: " + s);
        }
        Evaluation e = p.evaluate();
        assertTrue(e.auroc() > 0.9, "AUROC " + e.auroc());
        String record = record("itest-latent-knn");
        // 500 images less the 10% validation hold-out, all below reference.max: 450 codes of the latent size.
        assertTrue(record.contains("\"codes_count\" : 450"), record.substring(0, Math.min(2000, record.length())));
        assertTrue(record.contains("\"codes_width\" : 8"), "code width");
        assertTrue(record.contains("\"reference_count\" : 450"), "leave-one-out training scores");
        assertTrue(record.contains("\"reference_fingerprint\" : \""), "fingerprint of the fitted samples");
        assertTrue(record.contains("\"k\" : 5") && record.contains("\"metric\" : \"euclidean\""), "settings stored");
    }

    @Test
    void defaultCombinedAveragesZScoresOfReconstructionErrorAndLatentDistance() throws Exception {
        Configurations.await(context, ScoringMethod.class, "combined", TIMEOUT);
        Pipeline p = trained("itest-latent-combined", "combined");
        scoreTestImagesTwice(p);
        Evaluation e = p.evaluate();
        assertTrue(e.auroc() > 0.9, "AUROC " + e.auroc());
        String record = record("itest-latent-combined");
        assertTrue(record.contains("\"combination\" : \"z\""), record.substring(0, Math.min(2000, record.length())));
        assertTrue(record.contains("\"reconstruction\" : {") && record.contains("\"latent\" : {"), "components");
        assertTrue(!record.contains("\"input\" : {"), "no input component by default");
    }

    @Test
    void combinedFactoryInstanceWithInputNeighboursAndRanks() throws Exception {
        configs.factory("org.hourglass.scoring.combined", "itest-combined-rank", "components",
                "reconstruction,latent,input", "combination", "rank", "latent.k", 3, "input.k", 3,
                "input.reference.max", 200, "rank.points", 100, "block.size", 128);
        Configurations.await(context, ScoringMethod.class, "itest-combined-rank", TIMEOUT);
        Pipeline p = trained("itest-latent-combined-rank", "itest-combined-rank");
        for (double s : scoreTestImagesTwice(p)) {
            assertTrue(s >= 0 && s <= 1, "an average of ranks is in [0, 1]: " + s);
        }
        Evaluation e = p.evaluate();
        assertTrue(e.auroc() > 0.9, "AUROC " + e.auroc());
        String record = record("itest-latent-combined-rank");
        assertTrue(record.contains("\"combination\" : \"rank\""), record.substring(0, Math.min(2000, record.length())));
        assertTrue(record.contains("\"input\" : {") && record.contains("\"codes_count\" : 200"), "input subset");
        assertTrue(record.contains("\"codes_width\" : 784"), "normalised inputs stored");
        assertTrue(record.contains("\"ranks\" : ["), "rank support stored");
    }
}
