package org.hourglass.pipeline.internal;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.hourglass.data.paths.DataPaths;
import org.hourglass.graph.Optimizer;
import org.hourglass.spi.InputSpec;
import org.hourglass.spi.PluginProperties;

/** A pipeline's configuration, checked: every bad value fails with a message naming the attribute. */
record Settings(String name, String family, String loss, String masking, String scoring, String trainingData,
                String evaluationData, int[] inputShape, int latentSize, int epochs, int batchSize,
                double learningRate, String optimizer, double weightDecay, long seed, String normalization,
                double validationFraction, int patience, String thresholdPolicy, double contamination,
                double threshold, boolean autoTrain, Path modelDir, double clipNorm, double smoothing) {

    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9._-]+");
    /** Longest name: it names a folder, and file systems refuse names over 255 bytes. */
    static final int MAX_NAME = 100;
    /** Framework property: folders pipelines may store models in, separated by commas (unset: anywhere). */
    static final String MODEL_DIRS = "hourglass.model.dirs";
    /** Framework property: {@code true} lets {@code model.dir} name any folder even when {@value #MODEL_DIRS} is set. */
    static final String MODEL_ANYWHERE = "hourglass.model.anywhere";
    /** Framework property: where models go when a pipeline names no {@code model.dir}. */
    static final String MODEL_DIR = "hourglass.model.dir";

    /** A setting left to be chosen from the training data (the value of an int setting; the text "auto"). */
    static final int AUTO = -1;
    static final String AUTO_TEXT = "auto";
    /** The settings that can be auto. */
    static final List<String> AUTOMATIC = List.of("latent.size", "epochs", "batch.size", "normalization",
            "early.stopping.patience");
    /** About this many steps make a training job when epochs are auto. */
    static final int AUTO_STEPS = 4000;
    /** Largest smoothing sigma accepted, in pixels. */
    static final double MAX_SMOOTHING = 10;
    /** Smallest image side auto smoothing applies to. */
    static final int MIN_SMOOTHED_SIDE = 8;

    /** The configuration attributes in the order a pipeline shows them. */
    static final List<String> ATTRIBUTES = List.of("hourglass.name", "family", "loss", "masking", "scoring",
            "training.data", "evaluation.data", "input.shape", "latent.size", "epochs", "batch.size", "learning.rate",
            "optimizer", "weight.decay", "seed", "normalization", "validation.fraction", "early.stopping.patience",
            "threshold.policy", "contamination", "threshold", "auto.train", "gradient.clip.norm", "smoothing");

    Settings {
        check(name != null && !name.isEmpty(), "hourglass.name", "must be set: it names the pipeline");
        check(SAFE_NAME.matcher(name).matches() && !name.startsWith("."), "hourglass.name",
                "must be letters, digits, '.', '_' or '-' (it names a folder), was '" + name + "'");
        check(name.length() <= MAX_NAME, "hourglass.name", "must be at most " + MAX_NAME + " characters (it names a "
                + "folder), has " + name.length());
        check(!family.isBlank(), "family", "must name a family");
        check(!loss.isBlank(), "loss", "must name a loss");
        check(!scoring.isBlank(), "scoring", "must name a scoring method");
        check(!trainingData.isBlank(), "training.data", "must name a data source");
        check(latentSize >= 1 || latentSize == AUTO, "latent.size", "must be >= 1 or auto, was " + latentSize);
        check(epochs >= 1 || epochs == AUTO, "epochs", "must be >= 1 or auto, was " + epochs);
        check(batchSize >= 1 || batchSize == AUTO, "batch.size", "must be >= 1 or auto, was " + batchSize);
        check(learningRate > 0 && Double.isFinite(learningRate), "learning.rate", "must be > 0, was " + learningRate);
        check(weightDecay >= 0, "weight.decay", "must be >= 0, was " + weightDecay);
        check(validationFraction >= 0 && validationFraction < 1, "validation.fraction",
                "must be in [0, 1), was " + validationFraction);
        check(patience >= 0 || patience == AUTO, "early.stopping.patience", "must be >= 0 or auto, was " + patience);
        check(contamination > 0 && contamination < 1, "contamination", "must be in (0, 1), was " + contamination);
        for (int d : inputShape) {
            check(d > 0, "input.shape", "dimensions must be > 0");
        }
        check(clipNorm >= 0, "gradient.clip.norm", "must be >= 0 (0 = off), was " + clipNorm);
        check((smoothing >= 0 && smoothing <= MAX_SMOOTHING) || smoothing == AUTO, "smoothing",
                "must be auto or a Gaussian sigma in pixels from 0 (off) to " + MAX_SMOOTHING + ", was " + smoothing);
        inputShape = inputShape.clone();
    }

    /** Without gradient clipping. */
    Settings(String name, String family, String loss, String masking, String scoring, String trainingData,
             String evaluationData, int[] inputShape, int latentSize, int epochs, int batchSize, double learningRate,
             String optimizer, double weightDecay, long seed, String normalization, double validationFraction,
             int patience, String thresholdPolicy, double contamination, double threshold, boolean autoTrain,
             Path modelDir) {
        this(name, family, loss, masking, scoring, trainingData, evaluationData, inputShape, latentSize, epochs,
                batchSize, learningRate, optimizer, weightDecay, seed, normalization, validationFraction, patience,
                thresholdPolicy, contamination, threshold, autoTrain, modelDir, 0, 0);
    }

    /** Without smoothing. */
    Settings(String name, String family, String loss, String masking, String scoring, String trainingData,
             String evaluationData, int[] inputShape, int latentSize, int epochs, int batchSize, double learningRate,
             String optimizer, double weightDecay, long seed, String normalization, double validationFraction,
             int patience, String thresholdPolicy, double contamination, double threshold, boolean autoTrain,
             Path modelDir, double clipNorm) {
        this(name, family, loss, masking, scoring, trainingData, evaluationData, inputShape, latentSize, epochs,
                batchSize, learningRate, optimizer, weightDecay, seed, normalization, validationFraction, patience,
                thresholdPolicy, contamination, threshold, autoTrain, modelDir, clipNorm, 0);
    }

    /** The same settings with another learning rate and gradient clipping (a retry after the loss diverged). */
    Settings withStepSize(double rate, double clip) {
        return new Settings(name, family, loss, masking, scoring, trainingData, evaluationData, inputShape, latentSize,
                epochs, batchSize, rate, optimizer, weightDecay, seed, normalization, validationFraction, patience,
                thresholdPolicy, contamination, threshold, autoTrain, modelDir, clip, smoothing);
    }

    private static void check(boolean ok, String attribute, String problem) {
        if (!ok) {
            throw new IllegalArgumentException("pipeline configuration: " + attribute + " " + problem);
        }
    }

    /**
     * Reads and checks a configuration; {@code framework} gives framework properties (the default model folder
     * and the folders models may be stored in).
     */
    static Settings of(ConfigValues c, UnaryOperator<String> framework) {
        String name = c.text("hourglass.name");
        String family = c.text("family");
        String loss = c.text("loss");
        String masking = c.text("masking");
        String scoring = c.text("scoring");
        String trainingData = c.text("training.data");
        String evaluationData = c.text("evaluation.data");
        int[] shape = shape(c.text("input.shape"));
        int latent = c.integerOrAuto("latent.size", AUTO);
        int epochs = c.integerOrAuto("epochs", AUTO);
        int batch = c.integerOrAuto("batch.size", AUTO);
        double rate = c.number("learning.rate");
        String optimizer = oneOf(c.text("optimizer"), "optimizer", "auto", "sgd", "adam", "adamw");
        double decay = c.number("weight.decay");
        long seed = c.longValue("seed");
        String normalization = oneOf(c.text("normalization"), "normalization", AUTO_TEXT, "minmax", "zscore",
                "none");
        double validation = c.number("validation.fraction");
        int patience = c.integerOrAuto("early.stopping.patience", AUTO);
        String policy = oneOf(c.text("threshold.policy"), "threshold.policy", "quantile", "fixed");
        double contamination = c.number("contamination");
        double threshold = c.number("threshold");
        boolean autoTrain = c.flag("auto.train");
        double clipNorm = c.number("gradient.clip.norm");
        double smoothing = c.numberOrAuto("smoothing", AUTO);
        String frameworkDir = framework.apply(MODEL_DIR);
        String dir = !c.text("model.dir").isEmpty() ? c.text("model.dir")
                : frameworkDir != null && !frameworkDir.isBlank() ? frameworkDir.trim() : "data/models";
        Settings s = new Settings(name, family, loss, masking, scoring, trainingData, evaluationData, shape, latent,
                epochs, batch, rate, optimizer, decay, seed, normalization, validation, patience, policy,
                contamination, threshold, autoTrain, Path.of(dir), clipNorm, smoothing);
        DataPaths allowed = DataPaths.of(framework, MODEL_DIRS, MODEL_ANYWHERE);
        check(allowed.allows(s.storeDir()), "model.dir", "'" + dir + "' is outside the model folders "
                + allowed.roots() + "; store models there, add the folder to framework property " + MODEL_DIRS
                + " (HOURGLASS_MODEL_DIRS), or set " + MODEL_ANYWHERE + "=true");
        return s;
    }

    /**
     * These settings with every auto setting chosen for the data: {@code spec} the sample shape, {@code count} the
     * number of samples training sees (after the validation split). A stated setting is kept as it is.
     */
    Settings resolvedFor(InputSpec spec, int count) {
        int batch = batchSize == AUTO ? autoBatchSize(count) : batchSize;
        return new Settings(name, family, loss, masking, scoring, trainingData, evaluationData, inputShape,
                latentSize == AUTO ? autoLatentSize(spec.features()) : latentSize,
                epochs == AUTO ? autoEpochs(count, batch) : epochs, batch, learningRate, optimizer, weightDecay, seed,
                AUTO_TEXT.equals(normalization) ? autoNormalization(spec) : normalization, validationFraction,
                patience == AUTO ? (validationFraction > 0 ? 10 : 0) : patience, thresholdPolicy, contamination,
                threshold, autoTrain, modelDir, clipNorm, smoothing == AUTO ? autoSmoothing(spec) : smoothing);
    }

    /** What {@link #resolvedFor} chose, as "attribute value" pairs; empty when nothing was auto. */
    String autoChoices(Settings resolved) {
        List<String> chosen = new java.util.ArrayList<>();
        if (latentSize == AUTO) {
            chosen.add("latent.size " + resolved.latentSize);
        }
        if (batchSize == AUTO) {
            chosen.add("batch.size " + resolved.batchSize);
        }
        if (epochs == AUTO) {
            chosen.add("epochs " + resolved.epochs);
        }
        if (AUTO_TEXT.equals(normalization)) {
            chosen.add("normalization " + resolved.normalization);
        }
        if (patience == AUTO) {
            chosen.add("early.stopping.patience " + resolved.patience);
        }
        if (smoothing == AUTO) {
            chosen.add("smoothing " + (resolved.smoothing == 0 ? "0 (off)"
                    : java.math.BigDecimal.valueOf(resolved.smoothing).stripTrailingZeros().toPlainString()));
        }
        return String.join(", ", chosen);
    }

    /** A third of the features, at least 2 and at most 32 (784 pixels: 32; 9 columns: 3). */
    static int autoLatentSize(int features) {
        return Math.max(2, Math.min(32, Math.round(features / 3f)));
    }

    /** A 32nd of the samples rounded down to a power of two, 16 to 128: small data sets get more, smaller steps. */
    static int autoBatchSize(int count) {
        return Math.max(16, Math.min(128, Integer.highestOneBit(Math.max(1, count / 32))));
    }

    /** Enough epochs for about {@value #AUTO_STEPS} steps, 20 to 300. */
    static int autoEpochs(int count, int batch) {
        int stepsPerEpoch = Math.max(1, (count + batch - 1) / batch);
        return Math.max(20, Math.min(300, (AUTO_STEPS + stepsPerEpoch - 1) / stepsPerEpoch));
    }

    /** Images (samples of two or more dimensions) share one range; rows of features each have their own scale. */
    static String autoNormalization(InputSpec spec) {
        return spec.sampleShape().length >= 2 ? "minmax" : "zscore";
    }

    /**
     * Images whose two last axes have at least {@value #MIN_SMOOTHED_SIDE} pixels each get a Gaussian of one pixel;
     * anything else none. One pixel is the scale of the small shifts and stroke-width changes that separate two
     * images of the same kind; on one-class Fashion-MNIST it raised every detector (docs/results.md).
     */
    static double autoSmoothing(InputSpec spec) {
        long[] shape = spec.sampleShape();
        int n = shape.length;
        return n >= 2 && shape[n - 1] >= MIN_SMOOTHED_SIDE && shape[n - 2] >= MIN_SMOOTHED_SIDE ? 1.0 : 0.0;
    }

    /** The threshold for these scores of the training data under the configured policy. */
    double thresholdFor(double[] trainingScores) {
        return "fixed".equals(thresholdPolicy) ? threshold : Metrics.quantile(trainingScores, 1 - contamination);
    }

    /** The values that decide the threshold, as the configuration snapshot names them. */
    Map<String, Object> thresholdDefinition() {
        return thresholdDefinition(thresholdPolicy, contamination, threshold);
    }

    /**
     * The same from a stored configuration snapshot; null where it does not say (a record written before
     * snapshots had these values).
     */
    static Map<String, Object> thresholdDefinition(Map<String, Object> config) {
        Object policy = config == null ? null : config.get("threshold.policy");
        Object contamination = config == null ? null : config.get("contamination");
        Object threshold = config == null ? null : config.get("threshold");
        if (policy == null || !(contamination instanceof Number c) || !(threshold instanceof Number t)) {
            return null;
        }
        return thresholdDefinition(policy.toString(), c.doubleValue(), t.doubleValue());
    }

    private static Map<String, Object> thresholdDefinition(String policy, double contamination, double threshold) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("threshold.policy", policy);
        if ("fixed".equals(policy)) {
            m.put("threshold", threshold);
        } else {
            m.put("contamination", contamination);
        }
        return m;
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
        m.put("latent.size", latentSize == AUTO ? AUTO_TEXT : latentSize);
        m.put("normalization", normalization);
        if (smoothing != AUTO) {
            // Only when stated: models stored before the setting existed were trained as auto meant then.
            m.put("smoothing", smoothing);
        }
        m.put("optimizer", optimizer);
        m.put("seed", seed);
        return m;
    }
}
