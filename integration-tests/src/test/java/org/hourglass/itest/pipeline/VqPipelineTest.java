package org.hourglass.itest.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * The vq family in a pipeline, with a trained codebook and with an EMA codebook and dead-code restarts: trains on
 * a Fashion-MNIST slice, reports perplexity and dead codes per epoch, scores, and its codes are codebook vectors.
 */
class VqPipelineTest extends FashionMnistPipelineTest {

    private static final int CODES = 16;
    private static final int CODE_DIM = 4;
    private static final int LATENT = 8;

    VqPipelineTest() {
        super("itest-vq", 1, 500, 300);
    }

    private void trainScoreAndCheckCodes(String family, String pipeline) throws Exception {
        configs.factory(Pipeline.FACTORY_PID, pipeline, "family", family, "loss", "mse", "scoring",
                "reconstruction-error", "training.data", "itest-vq-train", "evaluation.data", "itest-vq-test",
                "latent.size", LATENT, "epochs", 3, "batch.size", 64, "learning.rate", 0.003, "auto.train", true,
                "normalization", "minmax", "model.dir", models.toString());
        Pipeline p = Configurations.await(context, Pipeline.class, pipeline, TIMEOUT);
        assertEquals(PipelineState.TRAINED, p.awaitTraining(TimeUnit.MINUTES.toMillis(1)), p.status().toString());

        List<Map<String, Object>> diagnostics = p.status().progress().epochDiagnostics();
        assertEquals(3, diagnostics.size(), p.status().toString());
        for (Map<String, Object> epoch : diagnostics) {
            double perplexity = ((Number) epoch.get("perplexity")).doubleValue();
            int used = ((Number) epoch.get("codes_used")).intValue();
            int dead = ((Number) epoch.get("dead_codes")).intValue();
            assertEquals(CODES, used + dead, epoch.toString());
            assertTrue(perplexity >= 1 && perplexity <= used + 1e-6, epoch.toString());
        }

        Dataset test = Configurations.await(context, DataSource.class, "itest-vq-test", TIMEOUT).load();
        float[][] samples = new float[test.count()][];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = test.samples().row(i);
        }
        double[] scores = p.score(samples);
        assertEquals(samples.length, scores.length);
        for (double s : scores) {
            assertTrue(Double.isFinite(s), "score " + s);
        }
        assertTrue(p.evaluate().auroc() > 0.5, "AUROC " + p.evaluate().auroc());
        // every code is LATENT / CODE_DIM vectors, each one of at most CODES codebook vectors
        float[][] codes = p.encode(samples);
        assertEquals(LATENT, codes[0].length);
        Set<List<Float>> vectors = new HashSet<>();
        for (float[] code : codes) {
            for (int v = 0; v < LATENT / CODE_DIM; v++) {
                List<Float> vector = new java.util.ArrayList<>();
                for (int i = 0; i < CODE_DIM; i++) {
                    vector.add(code[v * CODE_DIM + i]);
                }
                vectors.add(vector);
            }
        }
        assertTrue(vectors.size() >= 2 && vectors.size() <= CODES, vectors.size() + " distinct code vectors");
    }

    @Test
    void trainedCodebook() throws Exception {
        configs.factory("org.hourglass.family.vq", "itest-vq-plain", "codebook.size", CODES, "code.dim", CODE_DIM,
                "hidden.sizes", new Integer[] {64}, "output.activation", "sigmoid");
        trainScoreAndCheckCodes("itest-vq-plain", "itest-vq-plain");
    }

    @Test
    void emaCodebookWithDeadCodeRestarts() throws Exception {
        configs.factory("org.hourglass.family.vq", "itest-vq-ema", "codebook.size", CODES, "code.dim", CODE_DIM,
                "hidden.sizes", new Integer[] {64}, "output.activation", "sigmoid", "ema", true,
                "dead.code.steps", 4);
        trainScoreAndCheckCodes("itest-vq-ema", "itest-vq-ema");
    }

    @Test
    void latentSizeNotAMultipleOfTheCodeDimensionFailsNamingBoth() throws Exception {
        configs.factory("org.hourglass.family.vq", "itest-vq-odd", "code.dim", 3);
        configs.factory(Pipeline.FACTORY_PID, "itest-vq-odd", "family", "itest-vq-odd", "loss", "mse", "scoring",
                "reconstruction-error", "training.data", "itest-vq-train", "latent.size", LATENT, "epochs", 1,
                "auto.train", true, "model.dir", models.toString());
        Pipeline p = Configurations.await(context, Pipeline.class, "itest-vq-odd", TIMEOUT);
        assertEquals(PipelineState.FAILED, p.awaitTraining(TimeUnit.MINUTES.toMillis(1)), p.status().toString());
        String message = p.status().message();
        assertTrue(message != null && message.contains("latent.size") && message.contains("code.dim"),
                String.valueOf(message));
    }
}
