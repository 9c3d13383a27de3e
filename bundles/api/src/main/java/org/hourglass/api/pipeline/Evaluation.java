package org.hourglass.api.pipeline;

import java.util.List;
import java.util.Optional;

/**
 * Quality of a pipeline's scores against labels (0 = normal, 1 = anomalous), with the same figures for reference
 * detectors fitted on the pipeline's training data, so a figure can be judged against what a plain method gets.
 *
 * @param count            samples evaluated
 * @param anomalies        samples labelled anomalous
 * @param auroc            area under the ROC curve of the scores
 * @param averagePrecision average precision (area under the precision-recall curve, step-wise)
 * @param f1               F1 of the labels given at {@code threshold}
 * @param threshold        the score above which a sample is labelled anomalous
 * @param baselines        the reference detectors' figures on the same samples (empty when none could be fitted,
 *                         e.g. by implementations before 1.3)
 * @since 1.3 for {@code baselines}
 */
public record Evaluation(int count, int anomalies, double auroc, double averagePrecision, double f1,
                         double threshold, List<Baseline> baselines) {

    /** Reference detector names of the pipelines shipped with Hourglass. */
    public static final String KNN = "knn";
    public static final String IFOREST = "iforest";
    /** @since 1.4 */
    public static final String PCA = "pca";

    public Evaluation {
        baselines = baselines == null ? List.of() : List.copyOf(baselines);
    }

    /** Without baselines (the form before 1.3). */
    public Evaluation(int count, int anomalies, double auroc, double averagePrecision, double f1, double threshold) {
        this(count, anomalies, auroc, averagePrecision, f1, threshold, List.of());
    }

    /** The same evaluation with these baselines. */
    public Evaluation withBaselines(List<Baseline> list) {
        return new Evaluation(count, anomalies, auroc, averagePrecision, f1, threshold, list);
    }

    /** The baseline of that name ({@link #KNN}, {@link #IFOREST}, {@link #PCA}), if it was computed. */
    public Optional<Baseline> baseline(String name) {
        return baselines.stream().filter(b -> b.name().equals(name)).findFirst();
    }

    /**
     * A reference detector's figures on the evaluated samples; it has no threshold, so no F1.
     *
     * @param name             short name: {@code knn}, {@code iforest}
     * @param description      what was fitted, in words (e.g. "distance to the 5th nearest of 5,400 training samples")
     * @param auroc            area under its ROC curve
     * @param averagePrecision its average precision
     */
    public record Baseline(String name, String description, double auroc, double averagePrecision) {
    }
}
