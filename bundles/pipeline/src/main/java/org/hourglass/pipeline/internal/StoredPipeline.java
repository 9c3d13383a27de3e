package org.hourglass.pipeline.internal;

import java.util.Map;

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
 * @param scorer      the scoring method's fitted state
 * @param threshold   score threshold
 * @param metrics     training and evaluation metrics
 * @param trainedAt   ISO-8601 instant
 * @param modelFile   file name of the inference model in the same folder
 * @param modelSha256 SHA-256 of that file
 */
record StoredPipeline(int format, String pipeline, String fingerprint, Map<String, Object> definition,
                      Map<String, Object> config, Map<String, Map<String, Object>> plugins, long[] inputShape,
                      Map<String, Object> normalizer, Map<String, Object> scorer, double threshold,
                      Map<String, Double> metrics, String trainedAt, String modelFile, String modelSha256) {

    static final int FORMAT = 1;
}
