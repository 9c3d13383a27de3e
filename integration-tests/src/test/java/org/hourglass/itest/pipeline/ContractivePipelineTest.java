package org.hourglass.itest.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.hourglass.api.pipeline.Pipeline;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.itest.Configurations;
import org.hourglass.spi.DataSource;
import org.hourglass.spi.Dataset;
import org.junit.jupiter.api.Test;

/**
 * The dense family's contractive option in a pipeline: the same training with and without the penalty; the
 * penalised encoder moves its codes less under small input perturbations.
 */
class ContractivePipelineTest extends FashionMnistPipelineTest {

    ContractivePipelineTest() {
        super("itest-cae", 7, 500, 300);
    }

    private Pipeline trained(String family) throws Exception {
        configs.factory(Pipeline.FACTORY_PID, family, "family", family, "loss", "mse", "scoring",
                "reconstruction-error", "training.data", "itest-cae-train", "evaluation.data", "itest-cae-test",
                "latent.size", 8, "epochs", 3, "batch.size", 64, "learning.rate", 0.003, "auto.train", true,
                "normalization", "minmax", "model.dir", models.toString());
        Pipeline p = Configurations.await(context, Pipeline.class, family, TIMEOUT);
        assertEquals(PipelineState.TRAINED, p.awaitTraining(TimeUnit.MINUTES.toMillis(1)), p.status().toString());
        return p;
    }

    /** Mean squared change of the code per unit of squared input noise, over the test images. */
    private static double sensitivity(Pipeline p, float[][] samples, float[][] noisy) {
        float[][] a = p.encode(samples);
        float[][] b = p.encode(noisy);
        double change = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                change += (a[i][j] - b[i][j]) * (double) (a[i][j] - b[i][j]);
            }
        }
        return change / a.length;
    }

    @Test
    void thePenaltyMakesTheEncoderLessSensitive() throws Exception {
        configs.factory("org.hourglass.family.dense", "itest-cae-64", "hidden.sizes", new Integer[] {64},
                "activation", "tanh", "contractive.weight", 0.05);
        configs.factory("org.hourglass.family.dense", "itest-tanh-64", "hidden.sizes", new Integer[] {64},
                "activation", "tanh");
        Pipeline plain = trained("itest-tanh-64");
        Pipeline contractive = trained("itest-cae-64");

        Dataset test = Configurations.await(context, DataSource.class, "itest-cae-test", TIMEOUT).load();
        float[][] samples = new float[test.count()][];
        float[][] noisy = new float[test.count()][];
        Random r = new Random(3);
        for (int i = 0; i < samples.length; i++) {
            samples[i] = test.samples().row(i);
            noisy[i] = samples[i].clone();
            for (int j = 0; j < noisy[i].length; j++) {
                noisy[i][j] += (float) (4 * r.nextGaussian()); // pixel units (0..255)
            }
        }
        double plainChange = sensitivity(plain, samples, noisy);
        double contractiveChange = sensitivity(contractive, samples, noisy);
        assertTrue(contractiveChange < 0.5 * plainChange,
                "code change under noise: contractive " + contractiveChange + ", plain " + plainChange);
        assertTrue(contractive.evaluate().auroc() > 0.5, "AUROC " + contractive.evaluate().auroc());
    }
}
