package org.hourglass.itest.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.hourglass.api.pipeline.Pipeline;
import org.hourglass.api.pipeline.PipelineException;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.itest.Configurations;
import org.hourglass.spi.DataSource;
import org.hourglass.spi.Dataset;
import org.junit.jupiter.api.Test;

/**
 * The variational families inside the framework on a small Fashion-MNIST slice: vae with a Bernoulli decoder and
 * reconstruction-probability scoring (with the posterior-collapse report per epoch), ce-vae with its anomaly map,
 * conditional VAEs (feature and label conditions), and the failures of mismatched plug-ins.
 */
class VaePipelineTest extends FashionMnistPipelineTest {

    private static final long TRAINING = TimeUnit.MINUTES.toMillis(2);

    VaePipelineTest() {
        super("itest-vae", 7, 500, 400);
    }

    private Pipeline pipeline(String name, String family, String loss, String scoring, String data, String eval,
                              Object... extra) throws Exception {
        Object[] base = {"family", family, "loss", loss, "scoring", scoring, "training.data", data,
                "latent.size", 8, "epochs", 2, "batch.size", 64, "learning.rate", 0.003, "auto.train", true,
                "model.dir", models.toString()};
        Object[] all = java.util.Arrays.copyOf(base, base.length + extra.length + (eval == null ? 0 : 2));
        System.arraycopy(extra, 0, all, base.length, extra.length);
        if (eval != null) {
            all[all.length - 2] = "evaluation.data";
            all[all.length - 1] = eval;
        }
        configs.factory(Pipeline.FACTORY_PID, name, all);
        return Configurations.await(context, Pipeline.class, name, TIMEOUT);
    }

    private float[][] testSamples() throws Exception {
        Dataset test = Configurations.await(context, DataSource.class, "itest-vae-test", TIMEOUT).load();
        float[][] samples = new float[test.count()][];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = test.samples().row(i);
        }
        return samples;
    }

    @Test
    void bernoulliVaeWithReconstructionProbabilityReportsCollapseAndScores() throws Exception {
        configs.factory("org.hourglass.family.vae", "itest-vae-bernoulli", "decoder", "bernoulli",
                "kl.warmup.steps", 8, "likelihood.samples", 8);
        Pipeline p = pipeline("itest-vae-rp", "itest-vae-bernoulli", "bce", "reconstruction-probability",
                "itest-vae-train", "itest-vae-test");
        assertEquals(PipelineState.TRAINED, p.awaitTraining(TRAINING), p.status().toString());
        List<Map<String, Object>> diagnostics = p.status().progress().epochDiagnostics();
        assertEquals(2, diagnostics.size(), p.status().toString());
        for (Map<String, Object> epoch : diagnostics) {
            assertEquals(8, ((List<?>) epoch.get("kl_per_dimension")).size(), epoch.toString());
            int active = ((Number) epoch.get("active_dimensions")).intValue();
            assertTrue(active >= 0 && active <= 8, epoch.toString());
        }
        float[][] samples = testSamples();
        double[] scores = p.score(samples);
        for (double s : scores) {
            assertTrue(Double.isFinite(s) && s > 0, "score = -log-likelihood per entry of a Bernoulli decoder: " + s);
        }
        float[][] ll = p.output("log_likelihood", new float[][] {samples[0]});
        assertEquals(-scores[0], ll[0][0], 1e-5, "the score negates the log_likelihood output");
        assertTrue(p.evaluate().auroc() > 0.5, "AUROC " + p.evaluate().auroc());
    }

    @Test
    void ceVaeTrainsBothBranchesAndServesAnomalyMaps() throws Exception {
        configs.factory("org.hourglass.scoring.reconstructionprobability", "itest-neg-elbo", "include.kl", true);
        Pipeline p = pipeline("itest-cevae", "ce-vae", "mse", "itest-neg-elbo", "itest-vae-train", "itest-vae-test",
                "input.shape", "1,28,28");
        assertEquals(PipelineState.TRAINED, p.awaitTraining(TRAINING), p.status().toString());
        float[][] samples = testSamples();
        double[] scores = p.score(samples);
        for (double s : scores) {
            assertTrue(Double.isFinite(s), "score " + s);
        }
        float[][] maps = p.output("anomaly_map", java.util.Arrays.copyOf(samples, 5));
        assertEquals(5, maps.length);
        for (float[] map : maps) {
            assertEquals(784, map.length);
            double sum = 0;
            for (float v : map) {
                assertTrue(v >= 0 && Float.isFinite(v), "map value " + v);
                sum += v;
            }
            assertTrue(sum > 0, "a map with something in it");
        }
        PipelineException e = assertThrows(PipelineException.class, () -> p.output("no-such-output", samples));
        assertTrue(e.getMessage().contains("no output 'no-such-output'"), e.getMessage());
        assertTrue(p.evaluate().auroc() > 0.5, "AUROC " + p.evaluate().auroc());
    }

    @Test
    void aFamilyWithoutTheLikelihoodFailsNamingTheOutput() throws Exception {
        Pipeline p = pipeline("itest-dense-rp", "dense", "mse", "reconstruction-probability", "itest-vae-train", null);
        assertEquals(PipelineState.FAILED, p.awaitTraining(TRAINING), p.status().toString());
        String message = String.valueOf(p.status().message());
        assertTrue(message.contains("log_likelihood"), message);
    }

    @Test
    void bernoulliDecoderWithAnotherLossFailsNamingBoth() throws Exception {
        configs.factory("org.hourglass.family.vae", "itest-vae-bernoulli-mse", "decoder", "bernoulli");
        Pipeline p = pipeline("itest-vae-bernoulli-mse", "itest-vae-bernoulli-mse", "mse", "reconstruction-error",
                "itest-vae-train", null);
        assertEquals(PipelineState.FAILED, p.awaitTraining(TRAINING), p.status().toString());
        String message = String.valueOf(p.status().message());
        assertTrue(message.contains("decoder=bernoulli") && message.contains("org.hourglass.loss.mse"), message);
    }

    @Test
    void conditionFromAFeatureTrainsAndServesConditionFromTheLabelTrainsButRefusesRequests() throws Exception {
        // Two contexts (column c, the first feature) with opposite patterns in the other features.
        StringBuilder csv = new StringBuilder("c,a,b,d,e\n");
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        for (int i = 0; i < 300; i++) {
            int c = i % 2;
            csv.append(c);
            for (int j = 0; j < 4; j++) {
                double v = ((j + c) % 2 == 0 ? 0.8 : 0.2) + 0.05 * r.nextGaussian();
                csv.append(',').append(String.format(java.util.Locale.ROOT, "%.4f", v));
            }
            csv.append('\n');
        }
        Path file = Files.writeString(models.resolve("contexts.csv"), csv);
        configs.factory("org.hourglass.data.csv", "itest-contexts", "path", file.toString());
        configs.factory("org.hourglass.family.vae", "itest-cvae-feature", "hidden.sizes", new Integer[] {16},
                "condition.classes", 2, "condition.source", "column:c");
        Pipeline p = pipeline("itest-cvae-feature", "itest-cvae-feature", "mse", "reconstruction-probability",
                "itest-contexts", null, "latent.size", 2);
        assertEquals(PipelineState.TRAINED, p.awaitTraining(TRAINING), p.status().toString());
        double[] s = p.score(new float[][] {{0, 0.8f, 0.2f, 0.8f, 0.2f}, {1, 0.2f, 0.8f, 0.2f, 0.8f}});
        assertTrue(Double.isFinite(s[0]) && Double.isFinite(s[1]), java.util.Arrays.toString(s));
        PipelineException e = assertThrows(PipelineException.class,
                () -> p.score(new float[][] {{5, 0.8f, 0.2f, 0.8f, 0.2f}}));
        assertTrue(e.getMessage().contains("condition 5") && e.getMessage().contains("0..1"), e.getMessage());

        configs.factory("org.hourglass.family.vae", "itest-cvae-label", "condition.classes", 10);
        Pipeline labelled = pipeline("itest-cvae-label", "itest-cvae-label", "mse", "reconstruction-error",
                "itest-vae-train", null);
        assertEquals(PipelineState.TRAINED, labelled.awaitTraining(TRAINING), labelled.status().toString());
        assertEquals(2, labelled.status().progress().epochLosses().size());
        e = assertThrows(PipelineException.class, () -> labelled.score(testSamples()));
        assertTrue(e.getMessage().contains("condition.source=label"), e.getMessage());
    }
}
