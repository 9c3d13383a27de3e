package org.hourglass.embedding.example;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.hourglass.api.pipeline.Pipeline;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.launcher.Hourglass;
import org.hourglass.launcher.HourglassPlatform;

/**
 * A minimal host that {@link LongClassPathTest} starts in a child JVM: it starts the platform from a bundle folder,
 * trains a small dense pipeline on a CSV file it writes, scores two rows and stops. Arguments: bundle folder,
 * working folder.
 */
public final class LongClassPathHost {

    private LongClassPathHost() {
    }

    public static void main(String[] args) throws Exception {
        Path bundles = Path.of(args[0]);
        Path work = Path.of(args[1]);
        Files.createDirectories(work);
        Random random = new Random(7);
        StringBuilder csv = new StringBuilder("a,b,c,d\n");
        for (int i = 0; i < 256; i++) {
            double x = random.nextGaussian();
            csv.append(String.format(Locale.ROOT, "%.4f,%.4f,%.4f,%.4f%n", x, -x, 0.5 * x,
                    random.nextGaussian() * 0.1));
        }
        Path data = Files.writeString(work.resolve("rows.csv"), csv);
        try (HourglassPlatform hourglass = Hourglass.builder().bundles(bundles).modelDir(work.resolve("models"))
                .configuration("org.hourglass.executor", Map.of("intra.op.threads", 1))
                .factoryConfiguration("org.hourglass.data.csv", "rows", Map.of("path", data.toString()))
                .factoryConfiguration(Pipeline.FACTORY_PID, "small", Map.of("family", "dense", "training.data", "rows",
                        "latent.size", 2, "epochs", 2, "batch.size", 32, "auto.train", false))
                .start()) {
            Pipeline pipeline = hourglass.pipeline("small", Duration.ofSeconds(60));
            pipeline.train();
            pipeline.awaitTraining(Duration.ofMinutes(2).toMillis());
            if (pipeline.status().state() != PipelineState.TRAINED) {
                throw new IllegalStateException("pipeline 'small' is " + pipeline.status().state() + ": "
                        + pipeline.status().message());
            }
            double[] scores = pipeline.score(new float[][] {{1, -1, 0.5f, 0}, {1, 1, 1, 1}});
            System.out.println("scores " + Arrays.toString(scores));
        }
    }
}
