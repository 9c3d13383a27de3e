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
 * The conv family with the image losses (ms-ssim, l1, bce, huber), each in a pipeline trained on a small
 * Fashion-MNIST slice inside the framework, then scoring.
 */
class ImageLossesTest extends FashionMnistPipelineTest {

    ImageLossesTest() {
        super("itest-images", 7, 500, 400);
    }

    /** Trains family + loss for 2 epochs and checks the pipeline scores the test slice. */
    private void trainsAndScores(String family, String loss) throws Exception {
        String name = "itest-" + family + "-" + loss;
        configs.factory(Pipeline.FACTORY_PID, name, "family", family, "loss", loss, "scoring",
                "reconstruction-error", "training.data", "itest-images-train", "evaluation.data",
                "itest-images-test", "latent.size", 8, "epochs", 2, "batch.size", 64, "learning.rate", 0.003,
                "auto.train", true, "model.dir", models.toString());
        Pipeline p = Configurations.await(context, Pipeline.class, name, TIMEOUT);
        assertEquals(PipelineState.TRAINED, p.awaitTraining(TimeUnit.MINUTES.toMillis(1)), p.status().toString());
        assertEquals(2, p.status().progress().epochLosses().size(), p.status().toString());
        for (double l : p.status().progress().epochLosses()) {
            assertTrue(Double.isFinite(l) && l >= 0, name + ": epoch loss " + l);
        }

        Dataset test = Configurations.await(context, DataSource.class, "itest-images-test", TIMEOUT).load();
        float[][] samples = new float[test.count()][];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = test.samples().row(i);
        }
        double[] scores = p.score(samples);
        assertEquals(samples.length, scores.length);
        for (double s : scores) {
            assertTrue(Double.isFinite(s), name + ": score " + s);
        }
        assertEquals(784, p.reconstruct(new float[][] {samples[0]})[0].length);
        Evaluation e = p.evaluate();
        assertTrue(e.auroc() >= 0 && e.auroc() <= 1, name + ": AUROC " + e.auroc());
    }

    @Test
    void convWithMsSsim() throws Exception {
        trainsAndScores("conv", "ms-ssim");
    }

    @Test
    void convWithMixedMsSsimAndL1() throws Exception {
        configs.factory("org.hourglass.loss.msssim", "itest-ms-ssim-mixed", "alpha", 0.84);
        trainsAndScores("conv", "itest-ms-ssim-mixed");
    }

    @Test
    void convWithL1() throws Exception {
        trainsAndScores("conv", "l1");
    }

    @Test
    void vaeWithMse() throws Exception {
        trainsAndScores("vae", "mse"); // the KL term rides along as a family loss term
    }

    @Test
    void convWithLinearOutputAndBce() throws Exception {
        // bce takes logits: a conv instance with a linear output
        configs.factory("org.hourglass.family.conv", "itest-conv-logits", "output.activation", "linear");
        trainsAndScores("itest-conv-logits", "bce");
    }

    @Test
    void convWithHuber() throws Exception {
        configs.factory("org.hourglass.loss.huber", "itest-huber-small", "delta", 0.1);
        trainsAndScores("conv", "itest-huber-small");
    }
}
