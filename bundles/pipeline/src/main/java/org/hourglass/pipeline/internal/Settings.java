package org.hourglass.pipeline.internal;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.hourglass.graph.Optimizer;
import org.hourglass.spi.PluginProperties;

/** A pipeline's configuration, checked: every bad value fails with a message naming the attribute. */
record Settings(String name, String family, String loss, String masking, String scoring, String trainingData,
                String evaluationData, int[] inputShape, int latentSize, int epochs, int batchSize,
                double learningRate, String optimizer, double weightDecay, long seed, String normalization,
                double validationFraction, int patience, String thresholdPolicy, double contamination,
                double threshold, boolean autoTrain, Path modelDir) {

    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9._-]+");

    Settings {
        check(name != null && SAFE_NAME.matcher(name).matches() && !name.startsWith("."), "hourglass.name",
                "must be letters, digits, '.', '_' or '-' (it names a folder), was '" + name + "'");
        check(!family.isBlank(), "family", "must name a family");
        check(!loss.isBlank(), "loss", "must name a loss");
        check(!scoring.isBlank(), "scoring", "must name a scoring method");
        check(!trainingData.isBlank(), "training.data", "must name a data source");
        check(latentSize >= 1, "latent.size", "must be >= 1, was " + latentSize);
        check(epochs >= 1, "epochs", "must be >= 1, was " + epochs);
        check(batchSize >= 1, "batch.size", "must be >= 1, was " + batchSize);
        check(learningRate > 0 && Double.isFinite(learningRate), "learning.rate", "must be > 0, was " + learningRate);
        check(weightDecay >= 0, "weight.decay", "must be >= 0, was " + weightDecay);
        check(validationFraction >= 0 && validationFraction < 1, "validation.fraction",
                "must be in [0, 1), was " + validationFraction);
        check(patience >= 0, "early.stopping.patience", "must be >= 0, was " + patience);
        check(contamination > 0 && contamination < 1, "contamination", "must be in (0, 1), was " + contamination);
        for (int d : inputShape) {
            check(d > 0, "input.shape", "dimensions must be > 0");
        }
        inputShape = inputShape.clone();
    }

    private static void check(boolean ok, String attribute, String problem) {
        if (!ok) {
            throw new IllegalArgumentException("pipeline configuration: " + attribute + " " + problem);
        }
    }

    static Settings of(PipelineConfig c, String frameworkModelDir) {
        String dir = !c.model_dir().isBlank() ? c.model_dir()
                : frameworkModelDir != null && !frameworkModelDir.isBlank() ? frameworkModelDir : "data/models";
        return new Settings(c.hourglass_name() == null ? null : c.hourglass_name().trim(), c.family().trim(),
                c.loss().trim(), c.masking().trim(), c.scoring().trim(),
                c.training_data() == null ? "" : c.training_data().trim(), c.evaluation_data().trim(),
                shape(c.input_shape()), c.latent_size(), c.epochs(), c.batch_size(), c.learning_rate(),
                oneOf(c.optimizer(), "optimizer", "auto", "sgd", "adam", "adamw"), c.weight_decay(), c.seed(),
                oneOf(c.normalization(), "normalization", "minmax", "zscore", "none"), c.validation_fraction(),
                c.early_stopping_patience(), oneOf(c.threshold_policy(), "threshold.policy", "quantile", "fixed"),
                c.contamination(), c.threshold(), c.auto_train(), Path.of(dir));
    }

    /** "1,28,28" → {1, 28, 28}; blank → {} (take the data's shape). */
    static int[] shape(String text) {
        if (text == null || text.isBlank()) {
            return new int[0];
        }
        try {
            return java.util.Arrays.stream(text.split("[,x\\s]+")).filter(t -> !t.isEmpty())
                    .mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("pipeline configuration: input.shape must be comma-separated sizes "
                    + "like 1,28,28; was '" + text + "'", e);
        }
    }

    private static String oneOf(String value, String attribute, String... allowed) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        for (String a : allowed) {
            if (a.equals(v)) {
                return v;
            }
        }
        throw new IllegalArgumentException("pipeline configuration: " + attribute + " must be one of "
                + String.join(", ", allowed) + "; was '" + value + "'");
    }

    Path storeDir() {
        return modelDir.resolve(name);
    }

    /**
     * The configured optimizer; with {@code auto}, the one the family recommends in its service properties
     * ({@link PluginProperties#OPTIMIZER}, {@link PluginProperties#WEIGHT_DECAY}), else Adam.
     */
    Optimizer newOptimizer(Map<String, Object> familyProperties) {
        String name = optimizer;
        double decay = weightDecay;
        Object recommended = familyProperties.get(PluginProperties.OPTIMIZER);
        if ("auto".equals(name)) {
            name = recommended == null ? "adam" : recommended.toString().trim();
            decay = recommended == null ? 0 : familyDecay(familyProperties.get(PluginProperties.WEIGHT_DECAY));
        }
        switch (name) {
            case "sgd": return Optimizer.sgd(0.9, decay);
            case "adamw": return Optimizer.adamW(0.9, 0.999, 1e-8, decay);
            case "adam": return Optimizer.adam();
            default: throw new IllegalArgumentException("family '" + family + "' recommends optimizer '" + name
                    + "' (" + PluginProperties.OPTIMIZER + "); known: sgd, adam, adamw");
        }
    }

    private double familyDecay(Object value) {
        if (value == null) {
            return 0;
        }
        try {
            double d = Double.parseDouble(value.toString().trim());
            if (d >= 0 && Double.isFinite(d)) {
                return d;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("family '" + family + "' recommends weight decay '" + value + "' ("
                + PluginProperties.WEIGHT_DECAY + "); it must be a number >= 0");
    }

    /**
     * What the trained weights depend on. A stored model whose snapshot differs from this is stale. Epochs,
     * thresholds and evaluation data do not change the weights' meaning and are left out.
     */
    Map<String, Object> modelDefinition() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("family", family);
        m.put("loss", loss);
        m.put("masking", masking);
        m.put("training.data", trainingData);
        m.put("input.shape", java.util.Arrays.toString(inputShape));
        m.put("latent.size", latentSize);
        m.put("normalization", normalization);
        m.put("optimizer", optimizer);
        m.put("seed", seed);
        return m;
    }
}
