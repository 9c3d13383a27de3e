package org.hourglass.itest.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.hourglass.api.pipeline.Evaluation;
import org.hourglass.api.pipeline.Pipeline;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.itest.Configurations;
import org.hourglass.spi.DataSource;
import org.hourglass.spi.Dataset;
import org.junit.jupiter.api.Test;

/**
 * Dense and conv instances with a variance head trained with the apre loss and scored with apre scoring, on a
 * small Fashion-MNIST slice inside the framework; and the failure a family without a variance head gives with apre.
 */
class VarianceHeadTest extends FashionMnistPipelineTest {

    VarianceHeadTest() {
        super("itest-variance", 7, 500, 400);
    }

    private Pipeline pipeline(String name, String family) throws Exception {
        return pipeline(name, family, 2);
    }

    private Pipeline pipeline(String name, String family, int epochs) throws Exception {
        configs.factory(Pipeline.FACTORY_PID, name, "family", family, "loss", "apre", "scoring", "apre",
                "training.data", "itest-variance-train", "evaluation.data", "itest-variance-test",
                "latent.size", 8, "epochs", epochs, "batch.size", 64, "learning.rate", 0.003,
                "auto.train", true, "model.dir", models.toString());
        return Configurations.await(context, Pipeline.class, name, TIMEOUT);
    }

    @Test
    void denseWithVarianceHeadTrainsWithApreAndScores() throws Exception {
        configs.factory("org.hourglass.family.dense", "itest-dense-variance", "variance.head", true);
        trainsWithApreAndScores(pipeline("itest-variance-apre", "itest-dense-variance"));
    }

    @Test
    void convWithVarianceHeadTrainsWithApreAndScores() throws Exception {
        configs.factory("org.hourglass.family.conv", "itest-conv-variance", "variance.head", true, "channels",
                new Integer[] {4, 8});
        // The small conv net needs more steps than the dense one before its errors rank anomalies.
        trainsWithApreAndScores(pipeline("itest-conv-variance-apre", "itest-conv-variance", 8));
    }

    private void trainsWithApreAndScores(Pipeline p) throws Exception {
        assertEquals(PipelineState.TRAINED, p.awaitTraining(TimeUnit.MINUTES.toMillis(1)), p.status().toString());
        assertEquals(p.status().progress().epochs(), p.status().progress().epochLosses().size(), p.status().toString());
        for (double l : p.status().progress().epochLosses()) {
            assertTrue(Double.isFinite(l), "epoch loss " + l);
        }

        Dataset test = Configurations.await(context, DataSource.class, "itest-variance-test", TIMEOUT).load();
        float[][] samples = new float[test.count()][];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = test.samples().row(i);
        }
        double[] scores = p.score(samples);
        assertEquals(samples.length, scores.length);
        for (double s : scores) {
            assertTrue(Double.isFinite(s), "score " + s);
        }
        Evaluation e = p.evaluate();
        assertTrue(e.auroc() > 0.5, "AUROC " + e.auroc());
    }

    @Test
    void apreWithoutAVarianceHeadFailsNamingTheOption() throws Exception {
        Pipeline p = pipeline("itest-apre-plain-dense", "dense");
        assertEquals(PipelineState.FAILED, p.awaitTraining(TimeUnit.MINUTES.toMillis(1)), p.status().toString());
        String message = p.status().message();
        assertTrue(message != null && message.contains("variance head") && message.contains("variance.head=true"),
                String.valueOf(message));
    }
}
