package org.hourglass.data.onnxactivations;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hourglass.data.paths.DataPaths;
import org.hourglass.testing.Configs;
import org.hourglass.testing.GraphRunner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The set-up of the tests that run the data source on the real all-MiniLM-L6-v2: one executor per test class, a
 * corpus of {@link #SENTENCES} in a temporary folder, and sources over it.
 */
abstract class MiniLmSources {

    static final List<String> SENTENCES = List.of(
            "A man is playing a guitar.",
            "Someone plays the guitar on stage.",
            "The stock market fell sharply today.",
            "Shares dropped as investors sold.",
            "The cat sleeps on the warm windowsill.",
            "Rain is expected tomorrow afternoon.");

    static GraphRunner runner;

    @TempDir
    Path dir;

    @BeforeAll
    static void executor() {
        runner = new GraphRunner();
    }

    @AfterAll
    static void close() {
        runner.close();
    }

    /** The corpus file: the sentences one a line, then a blank line, which the reader skips. */
    Path corpus() throws Exception {
        return Files.writeString(dir.resolve("corpus.txt"), String.join("\n", SENTENCES) + "\n\n");
    }

    /** A source named minilm on the corpus, with the settings in {@code extra} on top. */
    OnnxActivationsDataSource source(Map<String, Object> extra, DataPaths paths) throws Exception {
        Map<String, Object> c = new HashMap<>(Map.of("hourglass_name", "minilm", "model", MiniLm.jar().toString(),
                "corpus", new String[] {corpus().toString()}));
        c.putAll(extra);
        return new OnnxActivationsDataSource(Configs.of(OnnxActivationsDataSource.Config.class, c),
                runner.executor(), paths);
    }

    OnnxActivationsDataSource source(Map<String, Object> extra) throws Exception {
        return source(extra, DataPaths.unrestricted());
    }
}
