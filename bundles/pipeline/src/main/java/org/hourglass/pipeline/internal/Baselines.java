package org.hourglass.pipeline.internal;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hourglass.api.executor.OnnxExecutor;
import org.hourglass.api.pipeline.Evaluation;
import org.hourglass.api.pipeline.Evaluation.Baseline;

/**
 * The reference detectors an evaluation reports beside the pipeline's figures, fitted on the normalised training
 * part (the samples and units the model was trained on) and applied to normalised evaluation samples. Nothing is
 * stored: the k-NN reference is the training data itself and the forest is seeded, so fitting again from the
 * training data gives the same detectors.
 */
final class Baselines {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Baselines.class);

    private final KnnDetector knn;
    private final IsolationForest forest;
    /** Null when it could not be fitted. */
    private final PcaDetector pca;

    private Baselines(KnnDetector knn, IsolationForest forest, PcaDetector pca) {
        this.knn = knn;
        this.forest = forest;
        this.pca = pca;
    }

    /** @param train normalised training samples, {@code n} rows of {@code width} */
    static Baselines fit(float[] train, int n, int width, long seed) {
        PcaDetector pca;
        try {
            pca = PcaDetector.fit(train, n, width, seed);
        } catch (RuntimeException e) {
            // The other two do not depend on it: report them, and say why this one is missing.
            LOG.warn("The PCA baseline was left out: {}", e.getMessage());
            pca = null;
        }
        return new Baselines(KnnDetector.fit(train, n, width, seed), IsolationForest.fit(train, n, width, seed), pca);
    }

    /**
     * The detectors' figures on normalised samples with their 0/1 labels; the k-NN search runs on the executor in
     * a session named {@code session}.
     */
    List<Baseline> evaluate(OnnxExecutor executor, String session, float[] samples, int count, int[] labels) {
        List<Baseline> out = new java.util.ArrayList<>(List.of(
                baseline(Evaluation.KNN, String.format(Locale.ROOT, "distance to the %s nearest of %,d training samples",
                        ordinal(knn.k()), knn.referenceCount()), knn.score(executor, session, samples, count), labels),
                baseline(Evaluation.IFOREST, String.format(Locale.ROOT,
                        "isolation forest, %d trees of %d training samples", IsolationForest.TREES, forest.subsample()),
                        forest.score(samples, count), labels)));
        if (pca != null) {
            out.add(baseline(Evaluation.PCA, String.format(Locale.ROOT,
                    "PCA reconstruction error, %d components (%.0f%% of the variance of %,d training samples)",
                    pca.components(), PcaDetector.EXPLAINED * 100, pca.rows()), pca.score(samples, count), labels));
        }
        return List.copyOf(out);
    }

    private static Baseline baseline(String name, String description, double[] scores, int[] labels) {
        return new Baseline(name, description, Metrics.auroc(scores, labels), Metrics.averagePrecision(scores, labels));
    }

    /** Adds {@code baseline_<name>_auroc} and {@code baseline_<name>_average_precision} for each baseline. */
    static void putMetrics(Map<String, Double> metrics, List<Baseline> baselines) {
        for (Baseline b : baselines) {
            metrics.put("baseline_" + b.name() + "_auroc", b.auroc());
            metrics.put("baseline_" + b.name() + "_average_precision", b.averagePrecision());
        }
    }

    private static String ordinal(int k) {
        return switch (k) {
            case 1 -> "1st";
            case 2 -> "2nd";
            case 3 -> "3rd";
            default -> k + "th";
        };
    }
}
