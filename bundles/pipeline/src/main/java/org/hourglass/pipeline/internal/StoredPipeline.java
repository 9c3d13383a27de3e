package org.hourglass.pipeline.internal;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import org.hourglass.api.pipeline.ScoreHistogram;

/**
 * {@code pipeline.json}: everything needed to serve a trained model again and to tell where it came from.
 *
 * @param format      file format version
 * @param pipeline    pipeline name
 * @param fingerprint hash of {@code definition} and the plug-ins' names and properties
 * @param definition  the configuration values the weights depend on
 * @param config      the whole pipeline configuration when trained
 * @param plugins     per role (family, loss, ...): name, bundle, version and service properties
 * @param inputShape  shape of one sample
 * @param normalizer  fitted input normalisation
 * @param scorerState the scoring method's fitted state, typed and versioned ({@link ScorerState}); JSON key
 *                    {@code scorer}
 * @param threshold   score threshold
 * @param metrics     training and evaluation metrics
 * @param trainedAt   ISO-8601 instant
 * @param histogram   score distribution after training
 * @param notes       what happened to the model since training (e.g. a plug-in bundle replaced by a new version)
 * @param modelFile   file name of the inference model in the same folder
 * @param modelSha256 SHA-256 of that file
 * @param diagnostics the family's per-epoch diagnostics (null in files written before they existed)
 */
record StoredPipeline(int format, String pipeline, String fingerprint, Map<String, Object> definition,
                      Map<String, Object> config, Map<String, Map<String, Object>> plugins, long[] inputShape,
                      Map<String, Object> normalizer, @JsonProperty("scorer") ScorerState scorerState,
                      double threshold,
                      Map<String, Double> metrics, ScoreHistogram histogram, List<String> notes, String trainedAt,
                      String modelFile, String modelSha256, List<Map<String, Object>> diagnostics) {

    static final int FORMAT = 1;

    StoredPipeline {
        if (scorerState != null && scorerState.method() == null && plugins != null
                && plugins.get(Role.SCORING.key()) != null) {
            // A record from before the state was typed: the method is the scoring plug-in it names.
            Object name = plugins.get(Role.SCORING.key()).get("name");
            scorerState = scorerState.withMethod(name == null ? null : name.toString());
        }
    }

    /** With the state just fitted by the scoring plug-in {@code plugins} names. */
    StoredPipeline(int format, String pipeline, String fingerprint, Map<String, Object> definition,
                   Map<String, Object> config, Map<String, Map<String, Object>> plugins, long[] inputShape,
                   Map<String, Object> normalizer, Map<String, Object> scorer, double threshold,
                   Map<String, Double> metrics, ScoreHistogram histogram, List<String> notes, String trainedAt,
                   String modelFile, String modelSha256, List<Map<String, Object>> diagnostics) {
        this(format, pipeline, fingerprint, definition, config, plugins, inputShape, normalizer,
                ScorerState.fitted(scoringName(plugins), scorer), threshold, metrics, histogram, notes, trainedAt,
                modelFile, modelSha256, diagnostics);
    }

    /** The scorer's fitted values, as the scoring method's {@code score} reads them. */
    Map<String, Object> scorer() {
        return scorerState == null ? null : scorerState.values();
    }

    private static String scoringName(Map<String, Map<String, Object>> plugins) {
        Map<String, Object> scoring = plugins == null ? null : plugins.get(Role.SCORING.key());
        return scoring == null || scoring.get("name") == null ? null : scoring.get("name").toString();
    }

    /** The same record with other plug-in descriptions and one more note. */
    StoredPipeline withPlugins(Map<String, Map<String, Object>> newPlugins, String note) {
        List<String> n = new java.util.ArrayList<>(notes == null ? List.of() : notes);
        n.add(note);
        return new StoredPipeline(format, pipeline, fingerprint, definition, config, newPlugins, inputShape, normalizer,
                scorerState, threshold, metrics, histogram, n, trainedAt, modelFile, modelSha256, diagnostics);
    }

    /** The same record naming another model file. */
    StoredPipeline withModel(String file, String sha256) {
        return new StoredPipeline(format, pipeline, fingerprint, definition, config, plugins, inputShape, normalizer,
                scorerState, threshold, metrics, histogram, notes, trainedAt, file, sha256, diagnostics);
    }

    /**
     * The same model calibrated again: another scorer state (and the scoring plug-in it belongs to in
     * {@code newPlugins}), a threshold, the threshold values of {@code config}, metrics and histogram, and one more
     * note saying what happened.
     */
    StoredPipeline withCalibration(Map<String, Object> newScorer, Map<String, Map<String, Object>> newPlugins,
                                   double newThreshold, Map<String, Object> thresholdConfig,
                                   Map<String, Double> newMetrics, ScoreHistogram newHistogram, String note) {
        Map<String, Object> c = new java.util.LinkedHashMap<>(config == null ? Map.of() : config);
        c.putAll(thresholdConfig);
        List<String> n = new java.util.ArrayList<>(notes == null ? List.of() : notes);
        n.add(note);
        ScoreHistogram h = newHistogram == null ? null : new ScoreHistogram(newHistogram.edges(),
                newHistogram.normal(), newHistogram.anomalous(), newThreshold, newHistogram.source());
        return new StoredPipeline(format, pipeline, fingerprint, definition, c, newPlugins, inputShape, normalizer,
                ScorerState.fitted(scoringName(newPlugins), newScorer), newThreshold, newMetrics, h, n, trainedAt,
                modelFile, modelSha256, diagnostics);
    }
}
