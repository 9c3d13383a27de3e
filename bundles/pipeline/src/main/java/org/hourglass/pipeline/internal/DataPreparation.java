package org.hourglass.pipeline.internal;

import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.hourglass.spi.DataException;
import org.hourglass.spi.DataSource;
import org.hourglass.spi.Dataset;
import org.hourglass.spi.InputSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first part of a training job: the training data loaded and checked, split into a training and a validation
 * part, the auto settings chosen for it, and the normaliser fitted on the training part.
 *
 * @param settings   the configured settings with every auto setting chosen for the data
 * @param spec       the shape of one sample (the data's own, or {@code input.shape})
 * @param trainPart  the samples trained on, in the data's units
 * @param valPart    the samples held out for validation (may be empty)
 * @param normalizer fitted on the training part
 * @param train      the training part normalised
 * @param val        the validation part normalised
 */
record DataPreparation(Settings settings, InputSpec spec, Dataset trainPart, Dataset valPart, Normalizer normalizer,
                       float[] train, float[] val) {

    private static final Logger LOG = LoggerFactory.getLogger(DataPreparation.class);

    static DataPreparation prepare(Settings configured, DataSource source) {
        Dataset all = load(source, Role.TRAINING_DATA, configured);
        InputSpec spec = inputSpec(all, configured);
        Dataset[] parts = split(all, configured.validationFraction(), configured);
        Settings s = configured.resolvedFor(spec, parts[0].count());
        String chosen = configured.autoChoices(s);
        if (!chosen.isEmpty()) {
            LOG.info("Pipeline '{}': chosen for {} samples of {}: {}", s.name(), parts[0].count(), spec, chosen);
        }
        Normalizer normalizer = Normalizer.fit(s.normalization(), Smoothing.of(s.smoothing(), spec.sampleShape()),
                parts[0].samples().values(), spec.features());
        return new DataPreparation(s, spec, parts[0], parts[1], normalizer,
                normalizer.apply(parts[0].samples().values()), normalizer.apply(parts[1].samples().values()));
    }

    /** The source's data, refused when it is empty or holds a value that is not finite (named by sample). */
    static Dataset load(DataSource source, Role role, Settings s) {
        Dataset d = source.load();
        if (d.count() == 0) {
            throw new DataException(role.label + " '" + role.nameIn(s) + "' has no samples");
        }
        float[] v = d.samples().values();
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                throw new DataException(role.label + " '" + role.nameIn(s) + "': sample " + (i / d.samples().width())
                        + ", feature " + (i % d.samples().width()) + " is " + v[i]);
            }
        }
        return d;
    }

    private static InputSpec inputSpec(Dataset data, Settings s) {
        if (s.inputShape().length == 0) {
            return data.spec();
        }
        InputSpec configured = InputSpec.of(Arrays.stream(s.inputShape()).asLongStream().toArray());
        if (configured.features() != data.spec().features()) {
            throw new DataException("input.shape " + configured + " has " + configured.features() + " values per "
                    + "sample, but training data '" + s.trainingData() + "' has " + data.spec().features() + " ("
                    + data.spec() + ")");
        }
        return configured;
    }

    /**
     * The training and the validation part of the data: a seeded permutation decides which samples validate,
     * independent of the data's order, so the same settings give the same parts again (a threshold re-fitted
     * later scores the same training part).
     */
    static Dataset[] split(Dataset all, double validationFraction, Settings s) {
        int validation = (int) Math.round(all.count() * validationFraction);
        if (all.count() - validation < 1) {
            throw new DataException("training data '" + s.trainingData() + "' has " + all.count()
                    + " samples: too few to hold out a validation fraction of " + validationFraction);
        }
        int[] order = permutation(all.count(), s.seed());
        return new Dataset[] {
            all.select(Arrays.copyOfRange(order, validation, order.length), "training"),
            all.select(Arrays.copyOfRange(order, 0, validation), "validation")};
    }

    static int[] permutation(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /**
     * The part of the training data a stored model was trained on: loaded again and split as in training (the seed
     * and the validation fraction the record was trained with), so calibration and baselines see the same samples.
     */
    static Dataset trainingPart(DataSource source, ServedModel model, Settings settings) {
        if (source == null) {
            throw new IllegalStateException("training data '" + settings.trainingData() + "' is not available");
        }
        Dataset all = source.load();
        int width = model.spec().features();
        if (all.samples().width() != width) {
            throw new IllegalStateException("training data '" + settings.trainingData() + "' has "
                    + all.samples().width() + " values per sample now; the model was trained on " + width);
        }
        Map<String, Object> config = model.record().config();
        Object fraction = config == null ? null : config.get("validation.fraction");
        return split(all, fraction instanceof Number f ? f.doubleValue() : settings.validationFraction(), settings)[0];
    }
}
