package org.hourglass.api.pipeline;

/**
 * Distribution of a trained model's scores, made once after training: on the evaluation data (split by label)
 * when there is one, else on the training data (all normal).
 *
 * @param edges     bin edges, one more than bins; the last bin also holds larger scores
 * @param normal    count of normal samples per bin
 * @param anomalous count of anomalous samples per bin (all zero without labels)
 * @param threshold the pipeline's threshold
 * @param source    which data: the evaluation or training data source's name
 */
public record ScoreHistogram(double[] edges, int[] normal, int[] anomalous, double threshold, String source) {

    public ScoreHistogram {
        if (edges.length != normal.length + 1 || normal.length != anomalous.length) {
            throw new IllegalArgumentException("a histogram needs one more edge than bins");
        }
        edges = edges.clone();
        normal = normal.clone();
        anomalous = anomalous.clone();
    }

    @Override
    public double[] edges() {
        return edges.clone();
    }

    @Override
    public int[] normal() {
        return normal.clone();
    }

    @Override
    public int[] anomalous() {
        return anomalous.clone();
    }
}
