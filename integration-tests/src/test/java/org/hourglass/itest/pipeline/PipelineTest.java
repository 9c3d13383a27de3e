package org.hourglass.itest.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.hourglass.api.pipeline.Evaluation;
import org.hourglass.api.pipeline.Pipeline;
import org.hourglass.api.pipeline.PipelineException;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.itest.Configurations;
import org.hourglass.spi.DataSource;
import org.hourglass.spi.Dataset;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;
import org.osgi.service.cm.Configuration;

/**
 * A pipeline configured through ConfigurationAdmin from the first plug-ins (idx data, dense family, mse loss,
 * reconstruction-error scoring), trained on a Fashion-MNIST slice inside the framework.
 */
class PipelineTest extends FashionMnistPipelineTest {

    private static final String PIPELINE_PID = Pipeline.FACTORY_PID;
    PipelineTest() {
        super("itest-fashion", 0, 1500, 2000);
    }

    private Configuration pipeline(String name, String family, int latent, boolean autoTrain) throws Exception {
        return configs.factory(PIPELINE_PID, name, "family", family, "loss", "mse", "scoring",
                "reconstruction-error", "training.data", "itest-fashion-train", "evaluation.data",
                "itest-fashion-test", "latent.size", latent, "epochs", 8, "batch.size", 64, "learning.rate", 0.002,
                "auto.train", autoTrain, "model.dir", models.toString());
    }

    private Pipeline awaitPipeline(String name) throws Exception {
        return Configurations.await(context, Pipeline.class, name, TIMEOUT);
    }

    private static void awaitState(Pipeline p, PipelineState wanted) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (p.status().state() != wanted) {
            assertTrue(System.nanoTime() < end, "pipeline stayed " + p.status() + ", wanted " + wanted);
            Thread.sleep(50);
        }
    }

    @Test
    void trainsBeatsTheMeanBaselineAndServesIdenticalScoresAfterARestart() throws Exception {
        pipeline("itest-fashion", "dense", 16, true);
        Pipeline p = awaitPipeline("itest-fashion");
        assertEquals(PipelineState.TRAINED, p.awaitTraining(TimeUnit.MINUTES.toMillis(3)), p.status().toString());
        assertTrue(p.status().progress().epochLosses().size() == 8, p.status().toString());

        Dataset train = Configurations.await(context, DataSource.class, "itest-fashion-train", TIMEOUT).load();
        Dataset test = Configurations.await(context, DataSource.class, "itest-fashion-test", TIMEOUT).load();
        float[][] samples = rows(test);
        Evaluation model = p.evaluate(samples, test.labels());
        double baseline = auroc(distanceToMean(train, test), test.labels());
        assertTrue(model.auroc() > baseline, "pipeline AUROC " + model.auroc() + " vs distance-to-mean " + baseline);
        assertEquals(model.auroc(), p.evaluate().auroc(), 1e-12, "the configured evaluation data gives the same");
        assertEquals(p.status().metrics().get("eval_auroc"), model.auroc(), 1e-12);

        double[] before = p.score(samples);
        double threshold = p.threshold();
        Bundle pipelines = FrameworkUtil.getBundle(p.getClass());
        pipelines.stop();
        pipelines.start();
        Pipeline restarted = awaitPipeline("itest-fashion");
        awaitState(restarted, PipelineState.TRAINED); // served from the store, not retrained
        assertTrue(restarted.status().progress() == null, "no training job ran after the restart");
        assertArrayEquals(before, restarted.score(samples), 0.0);
        assertEquals(threshold, restarted.threshold(), 0.0);
        boolean[] labels = restarted.label(samples);
        assertEquals(samples.length, labels.length);
        assertEquals(16, restarted.encode(Arrays.copyOf(samples, 3))[0].length);
        assertEquals(784, restarted.reconstruct(Arrays.copyOf(samples, 3))[0].length);
    }

    @Test
    void waitsForAMissingPluginAndFollowsItComingAndGoing() throws Exception {
        pipeline("itest-waiting", "itest-late-family", 8, false);
        Pipeline p = awaitPipeline("itest-waiting");
        awaitState(p, PipelineState.WAITING);
        assertTrue(p.status().message().contains("family 'itest-late-family'"), p.status().message());
        PipelineException e = assertThrows(PipelineException.class, p::train);
        assertTrue(e.getMessage().contains("itest-late-family"), e.getMessage());

        Configuration family = configs.factory("org.hourglass.family.dense", "itest-late-family",
                "hidden.sizes", new Integer[] {32});
        awaitState(p, PipelineState.READY);
        assertTrue(p.status().message().contains("not trained"), p.status().message());
        configs.delete(family);
        awaitState(p, PipelineState.WAITING);
    }

    @Test
    void badInputDamagedModelsAndInvalidatingConfigurationChangesAreNamed() throws Exception {
        pipeline("itest-stale", "dense", 4, false);
        Pipeline p = awaitPipeline("itest-stale");
        awaitState(p, PipelineState.READY);
        PipelineException noModel = assertThrows(PipelineException.class, () -> p.score(new float[][] {new float[784]}));
        assertTrue(noModel.getMessage().contains("no trained model"), noModel.getMessage());
        p.train();
        assertEquals(PipelineState.TRAINED, p.awaitTraining(TimeUnit.MINUTES.toMillis(3)), p.status().toString());

        PipelineException wrongWidth = assertThrows(PipelineException.class, () -> p.score(new float[][] {new float[10]}));
        assertTrue(wrongWidth.getMessage().contains("expects 784"), wrongWidth.getMessage());
        float[] nan = new float[784];
        nan[5] = Float.NaN;
        PipelineException notFinite = assertThrows(PipelineException.class, () -> p.score(new float[][] {nan}));
        assertTrue(notFinite.getMessage().contains("feature 5 is NaN"), notFinite.getMessage());
        assertThrows(PipelineException.class, () -> p.score(new float[0][]));

        // A damaged model file is refused on restart, named, and left for the user to inspect.
        Bundle pipelines = FrameworkUtil.getBundle(p.getClass());
        pipelines.stop();
        Path modelFile;
        try (var files = Files.list(models.resolve("itest-stale"))) {
            modelFile = files.filter(f -> f.getFileName().toString().endsWith(".onnx")).findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(modelFile);
        bytes[bytes.length / 2] ^= 0x5A;
        Files.write(modelFile, bytes);
        pipelines.start();
        Pipeline damaged = awaitPipeline("itest-stale");
        awaitState(damaged, PipelineState.FAILED);
        assertTrue(damaged.status().message().contains("does not match pipeline.json"), damaged.status().message());
        assertArrayEquals(bytes, Files.readAllBytes(modelFile), "the damaged file is left as it was");

        pipeline("itest-stale", "dense", 6, false); // a new latent size invalidates the weights
        Pipeline changed = awaitPipeline("itest-stale");
        assertTrue(changed == damaged, "an edit is applied in place: the service stays registered");
        awaitState(changed, PipelineState.READY);
        assertTrue(changed.status().message().contains("stale") && changed.status().message().contains("latent.size"),
                changed.status().message());
        assertTrue(Files.exists(models.resolve("itest-stale").resolve("pipeline.json")), "stored model kept");
    }

    @Test
    void anInvalidConfigurationStillRegistersAFailedPipelineThatSaysWhy() throws Exception {
        configs.factory(PIPELINE_PID, "itest-invalid", "training.data", "itest-fashion-train", "latent.size", 0,
                "input.shape", "1,28,28", "model.dir", models.toString());
        Pipeline p = awaitPipeline("itest-invalid");
        assertEquals(PipelineState.FAILED, p.status().state());
        assertTrue(p.status().message().contains("latent.size must be >= 1"), p.status().message());
        PipelineException e = assertThrows(PipelineException.class, p::train);
        assertTrue(e.getMessage().contains("latent.size"), e.getMessage());
    }

    @Test
    void editsKeepTheServiceAndTheModelServingAndThresholdSettingsTakeEffectWithoutRetraining() throws Exception {
        Pipeline p = trainedOnRequest("itest-edits", 4);
        Path model = p.modelFile();
        double quantile05 = p.threshold();
        float[][] samples = rows(Configurations.await(context, DataSource.class, "itest-fashion-test", TIMEOUT).load());

        // contamination 0.05 -> 0.3: the threshold is the 0.7 quantile of the same training scores, same model.
        edit("itest-edits", 4, false, "contamination", 0.3);
        awaitThreshold(p, quantile05);
        double quantile30 = p.threshold();
        assertTrue(quantile30 < quantile05, quantile30 + " vs " + quantile05);
        assertEquals(PipelineState.TRAINED, p.status().state(), p.status().toString());
        assertEquals(model, p.modelFile(), "not retrained");
        assertEquals(quantile30, p.status().metrics().get("threshold"), 0.0, "what is shown is what is used");
        assertTrue(Files.readString(p.recordFile()).contains("threshold re-fitted"), "the record says so");
        double[] scores = p.score(samples);
        boolean[] labels = p.label(samples);
        for (int i = 0; i < scores.length; i++) {
            assertEquals(scores[i] > quantile30, labels[i], "labels use the new threshold");
        }

        edit("itest-edits", 4, false, "threshold.policy", "fixed", "threshold", 0.125);
        awaitThreshold(p, quantile30);
        assertEquals(0.125, p.threshold(), 0.0);
        edit("itest-edits", 4, false, "contamination", 0.05);
        awaitThreshold(p, 0.125);
        assertEquals(quantile05, p.threshold(), Math.abs(quantile05) * 1e-6, "back to the policy it was trained with");
        assertTrue(awaitPipeline("itest-edits") == p, "edits are applied in place");

        // A model-affecting edit retrains while the previous model keeps answering.
        edit("itest-edits", 8, true, "epochs", 40);
        long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        int answeredWhileTraining = 0;
        while (p.status().state() != PipelineState.TRAINED || p.modelFile().equals(model)) {
            assertTrue(System.nanoTime() < end, p.status().toString());
            PipelineState state = p.status().state();
            assertEquals(samples.length, p.score(samples).length, "the previous model serves: " + p.status());
            if (state == PipelineState.TRAINING) {
                answeredWhileTraining++;
            }
            Thread.sleep(20);
        }
        assertTrue(answeredWhileTraining > 0, "scored while retraining");
        assertEquals(8, p.encode(Arrays.copyOf(samples, 1))[0].length, "the new model serves now");
    }

    @Test
    void anotherScoringMethodIsFittedOnTheStoredModelWithoutRetraining() throws Exception {
        Pipeline p = trainedOnRequest("itest-rescore", 8);
        Path model = p.modelFile();
        double reconstructionAuroc = p.status().metrics().get("eval_auroc");
        double reconstructionThreshold = p.threshold();

        edit("itest-rescore", 8, false, "scoring", "latent-knn");
        awaitThreshold(p, reconstructionThreshold);
        assertEquals(PipelineState.TRAINED, p.status().state(), p.status().toString());
        assertEquals(model, p.modelFile(), "not retrained");
        String record = Files.readString(p.recordFile());
        assertTrue(record.contains("scorer 'latent-knn' fitted"), record);
        double latentAuroc = p.status().metrics().get("eval_auroc");
        assertTrue(latentAuroc > 0.6 && latentAuroc != reconstructionAuroc, latentAuroc + " vs " + reconstructionAuroc);
        Dataset test = Configurations.await(context, DataSource.class, "itest-fashion-test", TIMEOUT).load();
        assertEquals(latentAuroc, p.evaluate().auroc(), 1e-9, "the stored figures are the new scorer's");
        assertEquals(test.count(), p.score(rows(test)).length);
    }

    /** A dense pipeline configured with auto.train=false, trained once on request. */
    private Pipeline trainedOnRequest(String name, int latent) throws Exception {
        pipeline(name, "dense", latent, false);
        Pipeline p = awaitPipeline(name);
        awaitState(p, PipelineState.READY);
        p.train();
        assertEquals(PipelineState.TRAINED, p.awaitTraining(TimeUnit.MINUTES.toMillis(3)), p.status().toString());
        return p;
    }

    /** Updates the pipeline's configuration as the console does: every value again, some changed. */
    private void edit(String name, int latent, boolean autoTrain, Object... changes) throws Exception {
        Object[] base = {"family", "dense", "loss", "mse", "scoring", "reconstruction-error", "training.data",
            "itest-fashion-train", "evaluation.data", "itest-fashion-test", "latent.size", latent, "epochs", 8,
            "batch.size", 64, "learning.rate", 0.002, "auto.train", autoTrain, "model.dir", models.toString()};
        java.util.Map<Object, Object> values = new java.util.LinkedHashMap<>();
        for (int i = 0; i < base.length; i += 2) {
            values.put(base[i], base[i + 1]);
        }
        for (int i = 0; i < changes.length; i += 2) {
            values.put(changes[i], changes[i + 1]);
        }
        configs.factory(PIPELINE_PID, name, values.entrySet().stream()
                .flatMap(e -> java.util.stream.Stream.of(e.getKey(), e.getValue())).toArray());
    }

    private static void awaitThreshold(Pipeline p, double old) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (p.threshold() == old) {
            assertTrue(System.nanoTime() < end, "threshold stayed " + old + ": " + p.status());
            Thread.sleep(20);
        }
    }

    @Test
    void aSecondConfigurationWithATakenNameIsRefusedAndTakesOverWhenTheFirstGoes() throws Exception {
        Configuration first = pipeline("itest-owner", "dense", 4, false);
        Pipeline owner = awaitPipeline("itest-owner");
        awaitState(owner, PipelineState.READY);
        owner.train();
        assertEquals(PipelineState.TRAINED, owner.awaitTraining(TimeUnit.MINUTES.toMillis(3)), owner.status().toString());
        Path model = owner.modelFile();

        // Another configuration (another PID) giving the same hourglass.name and a model that would be "stale".
        configs.factory(PIPELINE_PID, "itest-owner-copy", "hourglass.name", "itest-owner", "family", "dense",
                "loss", "mse", "scoring", "reconstruction-error", "training.data", "itest-fashion-train",
                "latent.size", 6, "epochs", 4, "auto.train", true, "model.dir", models.toString());
        Pipeline copy = awaitOther(owner, "itest-owner");
        awaitState(copy, PipelineState.FAILED);
        assertTrue(copy.status().message().contains("is already used by configuration " + first.getPid()),
                copy.status().message());
        PipelineException refused = assertThrows(PipelineException.class, copy::train);
        assertTrue(refused.getMessage().contains("is already used by configuration"), refused.getMessage());
        Thread.sleep(500);
        assertTrue(Files.exists(model), "the owner's model is untouched");
        assertEquals(PipelineState.TRAINED, owner.status().state());
        assertEquals(1, owner.score(new float[][] {new float[784]}).length);

        configs.delete(first);
        // The name is free: the waiting configuration takes it (and trains its own model, auto.train=true).
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (copy.status().state() == PipelineState.FAILED) {
            assertTrue(System.nanoTime() < end, copy.status().toString());
            Thread.sleep(50);
        }
    }

    /** The pipeline registered under {@code name} that is not {@code known}. */
    private Pipeline awaitOther(Pipeline known, String name) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            for (var ref : context.getServiceReferences(Pipeline.class, "(hourglass.name=" + name + ")")) {
                Pipeline p = context.getService(ref);
                if (p != known) {
                    return p;
                }
            }
            assertTrue(System.nanoTime() < end, "no second pipeline named " + name);
            Thread.sleep(50);
        }
    }

    @Test
    void badNumbersInACfgFileGiveAFailedPipelineNamingTheAttribute() throws Exception {
        // A .cfg file holds text; these once failed inside Declarative Services and no pipeline existed at all.
        for (String[] bad : new String[][] {{"epochs", "abc"}, {"seed", "abc"}, {"epochs", "2147483648"},
            {"latent.size", "99999999999"}}) {
            String name = "itest-bad-" + bad[0].replace('.', '-');
            configs.factory(PIPELINE_PID, name, "training.data", "itest-fashion-train", bad[0], bad[1],
                    "model.dir", models.toString());
            Pipeline p = awaitPipeline(name);
            awaitState(p, PipelineState.FAILED);
            assertTrue(p.status().message().contains(bad[0] + " must be a whole number")
                    && p.status().message().contains("'" + bad[1] + "'"), p.status().message());
            assertEquals(bad[1], p.configuration().get(bad[0]), "the configuration shows what it holds");
            configs.factory(PIPELINE_PID, name, "training.data", "itest-fashion-train", bad[0], "3",
                    "auto.train", false, "model.dir", models.toString());
            awaitState(p, PipelineState.READY); // corrected in place
        }
    }

    private static float[][] rows(Dataset d) {
        float[][] out = new float[d.count()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = d.samples().row(i);
        }
        return out;
    }

    /** The simple baseline: squared distance to the mean training image. */
    private static double[] distanceToMean(Dataset train, Dataset test) {
        int w = train.samples().width();
        double[] mean = new double[w];
        for (int i = 0; i < train.count(); i++) {
            for (int j = 0; j < w; j++) {
                mean[j] += train.samples().values()[i * w + j] / (double) train.count();
            }
        }
        double[] s = new double[test.count()];
        for (int i = 0; i < s.length; i++) {
            for (int j = 0; j < w; j++) {
                double d = test.samples().values()[i * w + j] - mean[j];
                s[i] += d * d;
            }
        }
        return s;
    }

    /** AUROC by ranks (no ties expected in continuous scores). */
    private static double auroc(double[] scores, int[] labels) {
        Integer[] order = IntStream.range(0, scores.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(i -> scores[i]));
        double rankSum = 0;
        long pos = 0;
        for (int r = 0; r < order.length; r++) {
            if (labels[order[r]] == 1) {
                rankSum += r + 1;
                pos++;
            }
        }
        long neg = scores.length - pos;
        return (rankSum - pos * (pos + 1) / 2.0) / (pos * (double) neg);
    }
}
