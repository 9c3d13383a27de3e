package org.hourglass.api.pipeline;

/**
 * Quality of a pipeline's scores against labels (0 = normal, 1 = anomalous).
 *
 * @param count            samples evaluated
 * @param anomalies        samples labelled anomalous
 * @param auroc            area under the ROC curve of the scores
 * @param averagePrecision average precision (area under the precision-recall curve, step-wise)
 * @param f1               F1 of the labels given at {@code threshold}
 * @param threshold        the score above which a sample is labelled anomalous
 */
public record Evaluation(int count, int anomalies, double auroc, double averagePrecision, double f1,
                         double threshold) {
}
