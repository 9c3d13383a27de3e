package org.hourglass.pipeline.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pipeline configuration as Config Admin holds it (strings from .cfg files, typed values from the console). */
class ConfigValuesTest {

    @TempDir
    Path dir;

    private static Map<String, Object> minimal() {
        Map<String, Object> m = new HashMap<>();
        m.put("hourglass.name", "p");
        m.put("training.data", "t");
        m.put("service.pid", "org.hourglass.pipeline~p");
        return m;
    }

    private static Settings settings(Map<String, Object> raw, Map<String, String> framework) {
        return Settings.of(new ConfigValues(raw), framework::get);
    }

    private static String problem(Map<String, Object> raw) {
        return assertThrows(IllegalArgumentException.class, () -> settings(raw, Map.of())).getMessage();
    }

    @Test
    void unsetAttributesTakeTheDefaultsOfTheConsoleForm() {
        Settings s = settings(minimal(), Map.of());
        assertEquals(Settings.AUTO, s.epochs(), "chosen from the data");
        assertEquals(Settings.AUTO, s.latentSize());
        assertEquals(Settings.AUTO, s.batchSize());
        assertEquals(Settings.AUTO, s.patience());
        assertEquals("auto", s.normalization());
        assertEquals(0.05, s.contamination());
        assertEquals(1L, s.seed());
        assertTrue(s.autoTrain());
        assertEquals(Path.of("data/models", "p"), s.storeDir());
    }

    @Test
    void textFromCfgFilesAndTypedValuesFromTheConsoleReadAlike() {
        Map<String, Object> text = minimal();
        text.put("epochs", "7");
        text.put("learning.rate", "0.01");
        text.put("seed", "9000000000");
        text.put("auto.train", "false");
        Map<String, Object> typed = minimal();
        typed.put("epochs", 7);
        typed.put("learning.rate", 0.01);
        typed.put("seed", 9000000000L);
        typed.put("auto.train", Boolean.FALSE);
        for (Map<String, Object> raw : java.util.List.of(text, typed)) {
            Settings s = settings(raw, Map.of());
            assertEquals(7, s.epochs());
            assertEquals(0.01, s.learningRate());
            assertEquals(9000000000L, s.seed());
            assertEquals(false, s.autoTrain());
        }
        Map<String, Object> listed = minimal();
        listed.put("epochs", new String[] {"5"});
        assertEquals(5, settings(listed, Map.of()).epochs(), "a one-element array counts as its element");
    }

    @Test
    void badNumbersFailNamingTheAttributeAndTheValue() {
        Object[][] cases = {
            {"epochs", "abc", "epochs must be a whole number"},
            {"seed", "abc", "seed must be a whole number"},
            {"epochs", "2147483648", "epochs must be a whole number from -2147483648 to 2147483647"},
            {"latent.size", "99999999999", "latent.size must be a whole number"},
            {"learning.rate", "fast", "learning.rate must be a number"},
            {"contamination", "NaN", "contamination must be a finite number"},
            {"auto.train", "yes", "auto.train must be true or false"},
            {"epochs", new String[] {"1", "2"}, "epochs takes one value; it has 2"},
            {"smoothing", "soft", "smoothing must be a number"},
        };
        for (Object[] c : cases) {
            Map<String, Object> raw = minimal();
            raw.put((String) c[0], c[1]);
            String message = problem(raw);
            assertTrue(message.contains((String) c[2]), message);
            if (c[1] instanceof String v) {
                assertTrue(message.contains("'" + v + "'"), "names the value: " + message);
            }
        }
    }

    @Test
    void aSnapshotShowsWhatWasReadAndTheRawValueWhereReadingFailed() {
        Map<String, Object> raw = minimal();
        raw.put("epochs", "abc");
        ConfigValues values = new ConfigValues(raw);
        assertThrows(IllegalArgumentException.class, () -> Settings.of(values, k -> null));
        Map<String, Object> snapshot = values.snapshot(Settings.ATTRIBUTES);
        assertEquals(Settings.ATTRIBUTES, java.util.List.copyOf(snapshot.keySet()));
        assertEquals("abc", snapshot.get("epochs"));
        assertEquals("p", snapshot.get("hourglass.name"));
        assertEquals("auto", snapshot.get("batch.size"), "never read: its default");
        Map<String, Object> stated = minimal();
        stated.put("epochs", "20");
        ConfigValues ok = new ConfigValues(stated);
        Settings.of(ok, k -> null);
        assertEquals(20, ok.snapshot(Settings.ATTRIBUTES).get("epochs"), "read as a number");
        assertEquals("auto", ok.snapshot(Settings.ATTRIBUTES).get("latent.size"));
    }

    @Test
    void autoSettingsAreChosenFromTheSampleShapeAndCountAndStatedOnesWin() {
        Settings auto = settings(minimal(), Map.of());
        // 28x28 images, 5,400 training samples (Fashion-MNIST's 6,000 of a class less 10 % for validation).
        Settings images = auto.resolvedFor(org.hourglass.spi.InputSpec.of(28, 28), 5400);
        assertEquals(32, images.latentSize());
        assertEquals(128, images.batchSize());
        assertEquals(94, images.epochs(), "43 steps an epoch: 94 epochs make about 4,000 steps");
        assertEquals("minmax", images.normalization());
        assertEquals(10, images.patience(), "early stopping with a validation split");
        assertEquals(1.0, images.smoothing(), "images of 28 x 28 are smoothed with a Gaussian of one pixel");
        // 9 columns, 300 samples.
        Settings table = auto.resolvedFor(org.hourglass.spi.InputSpec.of(9), 300);
        assertEquals(3, table.latentSize());
        assertEquals(16, table.batchSize());
        assertEquals(211, table.epochs());
        assertEquals("zscore", table.normalization());
        assertEquals(0.0, table.smoothing(), "rows of features are not images");
        assertEquals("latent.size 3, batch.size 16, epochs 211, normalization zscore, early.stopping.patience 10, "
                + "smoothing 0 (off)", auto.autoChoices(table));
        assertEquals("smoothing 1", auto.autoChoices(images).replaceAll(".*, ", ""));
        assertEquals(1.0, Settings.autoSmoothing(org.hourglass.spi.InputSpec.of(3, 8, 8)), "planes of 8 x 8");
        assertEquals(0.0, Settings.autoSmoothing(org.hourglass.spi.InputSpec.of(8, 7)), "7 pixels are too few");
        assertEquals(0.0, Settings.autoSmoothing(org.hourglass.spi.InputSpec.of(784)));
        // Bounds: 2 to 32 latent, 16 to 128 batch, 20 to 300 epochs.
        assertEquals(2, Settings.autoLatentSize(4));
        assertEquals(32, Settings.autoLatentSize(3072));
        assertEquals(16, Settings.autoBatchSize(10));
        assertEquals(128, Settings.autoBatchSize(1_000_000));
        assertEquals(64, Settings.autoBatchSize(2048 + 2047), "a 32nd, rounded down to a power of two");
        assertEquals(20, Settings.autoEpochs(1_000_000, 128));
        assertEquals(300, Settings.autoEpochs(10, 16));

        Map<String, Object> raw = minimal();
        raw.put("latent.size", 7);
        raw.put("epochs", "5");
        raw.put("batch.size", "AUTO");
        raw.put("normalization", "none");
        raw.put("early.stopping.patience", 0);
        raw.put("validation.fraction", 0.0);
        raw.put("smoothing", "0.5");
        Settings stated = settings(raw, Map.of()).resolvedFor(org.hourglass.spi.InputSpec.of(28, 28), 5400);
        assertEquals(7, stated.latentSize());
        assertEquals(5, stated.epochs());
        assertEquals(128, stated.batchSize(), "auto in any case");
        assertEquals("none", stated.normalization());
        assertEquals(0, stated.patience());
        assertEquals(0.5, stated.smoothing());
        Map<String, Object> negative = new java.util.HashMap<>(raw);
        negative.put("smoothing", "-1.5");
        assertTrue(problem(negative).contains("smoothing must be auto or a Gaussian sigma in pixels from 0 (off) to "
                + "10.0, was -1.5"), problem(negative));
        assertEquals("", settings(raw, Map.of()).autoChoices(stated).replace("batch.size 128", ""));
    }

    @Test
    void namesLongerThanAFolderNameCanBeAreRefused() {
        Map<String, Object> raw = minimal();
        raw.put("hourglass.name", "n".repeat(300));
        assertTrue(problem(raw).contains("hourglass.name must be at most 100 characters"), problem(raw));
        raw.put("hourglass.name", "n".repeat(100));
        assertEquals(100, settings(raw, Map.of()).name().length());
        raw.remove("hourglass.name");
        assertTrue(problem(raw).contains("hourglass.name must be set"), problem(raw));
    }

    @Test
    void modelFoldersAreConfinedLikeDataFolders() throws Exception {
        Path models = Files.createDirectories(dir.resolve("models"));
        Map<String, String> framework = Map.of(Settings.MODEL_DIRS, models.toString());
        Map<String, Object> raw = minimal();
        assertEquals(Path.of("data/models", "p"), settings(raw, Map.of()).storeDir(), "nothing set: anywhere");

        raw.put("model.dir", "/etc");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> settings(raw, framework));
        assertTrue(e.getMessage().contains("model.dir '/etc' is outside the model folders")
                && e.getMessage().contains(Settings.MODEL_DIRS), e.getMessage());
        raw.put("model.dir", models.resolve("..").resolve("elsewhere").toString());
        assertThrows(IllegalArgumentException.class, () -> settings(raw, framework), "'..' does not lead out");
        Path link = Files.createSymbolicLink(models.resolve("link"), dir);
        raw.put("model.dir", link.resolve("x").toString());
        assertThrows(IllegalArgumentException.class, () -> settings(raw, framework), "nor does a link");

        raw.put("model.dir", models.resolve("team-a").toString());
        assertEquals(models.resolve("team-a").resolve("p"), settings(raw, framework).storeDir());
        raw.remove("model.dir");
        assertEquals(models.resolve("p"), settings(raw, Map.of(Settings.MODEL_DIRS, models.toString(),
                Settings.MODEL_DIR, models.toString())).storeDir(), "the framework's default folder");
        raw.put("model.dir", "/etc");
        assertEquals(Path.of("/etc", "p"), settings(raw, Map.of(Settings.MODEL_DIRS, models.toString(),
                Settings.MODEL_ANYWHERE, "true")).storeDir(), "lifted explicitly");
    }

    @Test
    void theThresholdDefinitionComparesStoredAndCurrentSettings() {
        Map<String, Object> raw = minimal();
        raw.put("contamination", "0.1");
        Settings s = settings(raw, Map.of());
        assertEquals(Map.of("threshold.policy", "quantile", "contamination", 0.1), s.thresholdDefinition());
        assertEquals(s.thresholdDefinition(), Settings.thresholdDefinition(Map.of("threshold.policy", "quantile",
                "contamination", 0.1, "threshold", 3.0)), "the fixed value does not matter for a quantile");
        assertEquals(null, Settings.thresholdDefinition(Map.of("epochs", 3)), "an older record does not say");
        assertEquals(0.9, s.thresholdFor(new double[] {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0}), 0.1);
        raw.put("threshold.policy", "fixed");
        raw.put("threshold", "2.5");
        assertEquals(2.5, settings(raw, Map.of()).thresholdFor(null));
    }
}
