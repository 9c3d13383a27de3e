package org.hourglass.itest.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.hourglass.api.pipeline.Evaluation;
import org.hourglass.api.pipeline.Pipeline;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.itest.Configurations;
import org.hourglass.spi.DataSource;
import org.hourglass.spi.Dataset;
import org.junit.jupiter.api.Test;

/**
 * The reference detectors every evaluation reports (k-NN distance and isolation forest on the normalised inputs),
 * on a trained dense pipeline over a Fashion-MNIST slice: stored with the model's metrics after training, refitted
 * to the same figures when evaluating on demand, and better than chance on T-shirts against the other classes.
 */
class BaselinesPipelineTest extends FashionMnistPipelineTest {

    BaselinesPipelineTest() {
        super("itest-baselines", 0, 1500, 2000);
    }

    @Test
    void evaluationsCarryKnnIsolationForestAndPcaBaselines() throws Exception {
        configs.factory(Pipeline.FACTORY_PID, "itest-baselines", "family", "dense", "loss", "mse", "scoring",
                "reconstruction-error", "training.data", trainingData, "evaluation.data", evaluationData,
                "latent.size", 16, "epochs", 8, "batch.size", 64, "learning.rate", 0.002, "auto.train", true,
                "model.dir", models.toString());
        Pipeline p = Configurations.await(context, Pipeline.class, "itest-baselines", TIMEOUT);
        assertEquals(PipelineState.TRAINED, p.awaitTraining(TimeUnit.MINUTES.toMillis(3)), p.status().toString());

        Map<String, Double> stored = p.status().metrics();
        for (String name : List.of(Evaluation.KNN, Evaluation.IFOREST, Evaluation.PCA)) {
            double auroc = stored.get("baseline_" + name + "_auroc");
            assertTrue(auroc > 0.5 && auroc <= 1, name + " after training: " + stored);
            double ap = stored.get("baseline_" + name + "_average_precision");
            assertTrue(ap > 0.5 && ap <= 1, name + " after training (90% of the test slice is anomalous): " + stored);
        }

        Evaluation e = p.evaluate();
        assertEquals(List.of(Evaluation.KNN, Evaluation.IFOREST, Evaluation.PCA), e.baselines().stream()
                .map(Evaluation.Baseline::name).toList());
        for (Evaluation.Baseline b : e.baselines()) {
            // Refitted from the training data on demand: seeded and exact, so the figures stored after training.
            assertEquals(stored.get("baseline_" + b.name() + "_auroc"), b.auroc(), 1e-9, b.toString());
            assertEquals(stored.get("baseline_" + b.name() + "_average_precision"), b.averagePrecision(), 1e-9);
        }
        assertEquals("distance to the 5th nearest of 1,350 training samples", e.baseline(Evaluation.KNN)
                .orElseThrow().description(), "the training part after the 10% validation split, all of it");
        System.out.printf("BaselinesPipelineTest: model AUROC %.4f AP %.4f; %s%n", e.auroc(), e.averagePrecision(),
                e.baselines());

        // Labelled samples given in the call get the same: all of the test slice reproduces the configured figures.
        Dataset test = Configurations.await(context, DataSource.class, evaluationData, TIMEOUT).load();
        float[][] rows = new float[test.count()][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = test.samples().row(i);
        }
        Evaluation given = p.evaluate(rows, test.labels());
        assertEquals(e.baselines(), given.baselines());
        assertEquals(e.auroc(), given.auroc(), 1e-12);
    }
}
