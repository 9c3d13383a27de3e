package org.hourglass.scoring.meanshift;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.hourglass.api.executor.OnnxExecutor;
import org.hourglass.scoring.neighbours.ReferenceSets;
import org.hourglass.scoring.neighbours.StateCache;
import org.hourglass.spi.FamilyOutputs;
import org.hourglass.spi.ModelOutputs;
import org.hourglass.spi.PluginProperties;
import org.hourglass.spi.Samples;
import org.hourglass.spi.ScoringMethod;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.configurator.annotations.RequireConfigurator;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * Mean-shift scoring. Fitting takes the reference (training) samples, at most {@code reference.max} of them,
 * and shifts them {@code t} times: each point is replaced by the mean of its {@code k} nearest neighbours in the
 * current set, itself included. Scoring shifts a sample {@code t} times too: at each pass it is replaced by the
 * mean of itself and its {@code k - 1} nearest neighbours in the stored shifted set. The score compares the
 * model's reconstruction of the original sample with the shifted sample {@code x^MS} (mean squared error, or
 * APRE with the model's predicted variance).
 *
 * <p>Why the reconstruction of {@code x} and not of {@code x^MS}: a scoring method sees the outputs the served
 * model computed for the given samples and cannot run the model itself; comparing {@code r(x)} with
 * {@code x^MS} is also the comparison the method defines ("the model's output for the original x against the
 * shifted point").
 */
@RequireConfigurator // default instances: OSGI-INF/configurator/defaults.json
@Component(service = ScoringMethod.class, configurationPid = MeanShiftScoring.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = PluginProperties.NAME_HINT)
@Designate(ocd = MeanShiftScoring.Config.class, factory = true)
public class MeanShiftScoring implements ScoringMethod {

    static final String PID = "org.hourglass.scoring.meanshift";

    static final String MSE = "mse";
    static final String APRE = "apre";

    @ObjectClassDefinition(name = "Hourglass scoring: mean-shift",
            description = "Shifts the training samples t times towards the mean of their k nearest neighbours, "
                    + "shifts each scored sample likewise (itself and its k-1 nearest shifted training samples), "
                    + "and scores the error between the model's reconstruction and the shifted sample.")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "Name pipelines use to pick this scoring instance.")
        String hourglass_name();

        @AttributeDefinition(name = "k", description = "Neighbours averaged per pass, the point itself included "
                + "(>= 2).")
        int k() default 5;

        @AttributeDefinition(name = "t", description = "Number of mean-shift passes (1 to 3).")
        int t() default 1;

        @AttributeDefinition(name = "Metric", description = "Error between the reconstruction and the shifted "
                + "sample: mse, or apre (needs a family with a variance head).",
                options = {@Option(label = "mean squared error", value = MSE),
                        @Option(label = "APRE with the predicted variance", value = APRE)})
        String metric() default MSE;

        @AttributeDefinition(name = "Alpha", description = "APRE weight of the precision-weighted squared error "
                + "(>= 0; metric apre only).")
        double alpha() default 0.5;

        @AttributeDefinition(name = "Beta", description = "APRE weight of the mean log-variance (>= 0; metric "
                + "apre only).")
        double beta() default 2.0;

        @AttributeDefinition(name = "Reference maximum", description = "At most this many training samples "
                + "(a seeded random subset) are shifted and stored with the model (>= k).")
        int reference_max() default 1000;

        @AttributeDefinition(name = "Block size", description = "Rows per block of the nearest-neighbour "
                + "search; one run holds block size² distances (>= 1).")
        int block_size() default 1024;

        @AttributeDefinition(name = "Seed", description = "Seed of the reference subset.")
        long seed() default 1;
    }

    /** The validated settings; also what the fitted state records. */
    record Settings(int k, int t, String metric, double alpha, double beta, int referenceMax, int blockSize,
                    long seed) {
        Settings {
            if (k < 2) {
                throw new IllegalArgumentException("k must be >= 2 (the point and at least one neighbour), was " + k);
            }
            if (t < 1 || t > 3) {
                throw new IllegalArgumentException("t (mean-shift passes) must be 1, 2 or 3, was " + t);
            }
            metric = metric == null ? "" : metric.trim().toLowerCase(Locale.ROOT);
            if (!metric.equals(MSE) && !metric.equals(APRE)) {
                throw new IllegalArgumentException("metric must be mse or apre, was '" + metric + "'");
            }
            nonNegative("alpha", alpha);
            nonNegative("beta", beta);
            if (referenceMax < k) {
                throw new IllegalArgumentException("reference.max must be >= k=" + k + ", was " + referenceMax);
            }
            if (blockSize < 1) {
                throw new IllegalArgumentException("block.size must be >= 1, was " + blockSize);
            }
        }

        private static void nonNegative(String name, double v) {
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException(name + " must be a finite number >= 0, was " + v);
            }
        }
    }

    private final Settings settings;
    private final NeighbourSearch search;
    /** The last stored reference sets decoded from their state maps (a state read back from JSON holds lists). */
    private final StateCache<float[]> cache = new StateCache<>();

    @Activate
    public MeanShiftScoring(Config config, @Reference(name = "executor") OnnxExecutor executor) {
        this(settings(config), executor);
    }

    MeanShiftScoring(Settings settings, OnnxExecutor executor) {
        this.settings = settings;
        this.search = new NeighbourSearch(executor, settings.blockSize());
    }

    private static Settings settings(Config c) {
        PluginProperties.requireName(c.hourglass_name(), PID);
        return new Settings(c.k(), c.t(), c.metric(), c.alpha(), c.beta(), c.reference_max(), c.block_size(),
                c.seed());
    }

    @Deactivate
    void deactivate() {
        search.close();
    }

    @Override
    public Set<String> requiredOutputs() {
        return settings.metric().equals(APRE) ? Set.of(ModelOutputs.RECONSTRUCTION, FamilyOutputs.LOG_VARIANCE)
                : Set.of(ModelOutputs.RECONSTRUCTION);
    }

    @Override
    public Map<String, Object> fit(ModelOutputs reference) {
        Samples x = reference.input();
        int w = x.width();
        if (x.count() < settings.k()) {
            throw new IllegalArgumentException("mean-shift scoring with k=" + settings.k() + " needs at least "
                    + settings.k() + " reference samples, got " + x.count());
        }
        float[] set = subsample(x, settings.referenceMax(), settings.seed());
        int m = set.length / w;
        for (int pass = 0; pass < settings.t(); pass++) {
            set = shiftReference(set, m, w, settings.k());
        }
        // The decimal form of the float keeps the JSON short and reads back to the same float.
        double[] stored = ReferenceSets.encode(set);
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("k", settings.k());
        state.put("t", settings.t());
        state.put("metric", settings.metric());
        state.put("alpha", settings.alpha());
        state.put("beta", settings.beta());
        state.put("reference_count", m);
        state.put("reference_width", w);
        state.put("shifted_reference", stored);
        return state;
    }

    @Override
    public double[] score(ModelOutputs batch, Map<String, Object> state) {
        // The stored settings win over this instance's: a model keeps the scores it was fitted with.
        int k = (int) number(state, "k", settings.k());
        int t = (int) number(state, "t", settings.t());
        Object storedMetric = state.get("metric");
        String metric = storedMetric == null ? settings.metric() : storedMetric.toString();
        double alpha = number(state, "alpha", settings.alpha());
        double beta = number(state, "beta", settings.beta());
        Samples x = batch.input();
        Samples r = batch.output(ModelOutputs.RECONSTRUCTION);
        Samples lv = metric.equals(APRE) ? batch.output(FamilyOutputs.LOG_VARIANCE) : null;
        for (Samples o : lv == null ? new Samples[] {r} : new Samples[] {r, lv}) {
            if (o.width() != x.width() || o.count() != x.count()) {
                throw new IllegalArgumentException("model outputs have " + o.count() + "x" + o.width()
                        + " values, input " + x.count() + "x" + x.width());
            }
        }
        float[] reference = reference(state);
        int w = (int) number(state, "reference_width", Double.NaN);
        int m = (int) number(state, "reference_count", Double.NaN);
        if (w != x.width()) {
            throw new IllegalArgumentException("mean-shift scoring was fitted on samples of " + w
                    + " values; these have " + x.width());
        }
        if ((long) m * w != reference.length || m < k - 1) {
            throw new IllegalArgumentException("the stored mean-shift state is inconsistent: " + reference.length
                    + " values for " + m + " reference samples of " + w + " (k=" + k + ")");
        }
        if (x.count() == 0) {
            return new double[0];
        }
        float[] shifted = x.values();
        for (int pass = 0; pass < t; pass++) {
            shifted = shiftQueries(shifted, x.count(), reference, m, w, k);
        }
        return error(r.values(), shifted, lv == null ? null : lv.values(), x.count(), w, metric, alpha, beta);
    }

    /** One pass over the reference set: every point becomes the mean of its k nearest points, itself included. */
    float[] shiftReference(float[] set, int m, int w, int k) {
        NeighbourSearch.Neighbours nn = search.search(set, m, set, m, w, k);
        float[] out = new float[set.length];
        double[] acc = new double[w];
        for (int i = 0; i < m; i++) {
            Arrays.fill(acc, 0);
            for (int c = 0; c < k; c++) {
                add(acc, set, nn.index()[i * k + c] * w);
            }
            for (int j = 0; j < w; j++) {
                out[i * w + j] = (float) (acc[j] / k);
            }
        }
        return out;
    }

    /** One pass for scored samples: each becomes the mean of itself and its k-1 nearest reference points. */
    float[] shiftQueries(float[] queries, int n, float[] reference, int m, int w, int k) {
        NeighbourSearch.Neighbours nn = search.search(queries, n, reference, m, w, k - 1);
        float[] out = new float[queries.length];
        double[] acc = new double[w];
        for (int i = 0; i < n; i++) {
            Arrays.fill(acc, 0);
            add(acc, queries, i * w);
            for (int c = 0; c < k - 1; c++) {
                add(acc, reference, nn.index()[i * (k - 1) + c] * w);
            }
            for (int j = 0; j < w; j++) {
                out[i * w + j] = (float) (acc[j] / k);
            }
        }
        return out;
    }

    private static void add(double[] acc, float[] rows, int offset) {
        for (int j = 0; j < acc.length; j++) {
            acc[j] += rows[offset + j];
        }
    }

    static double[] error(float[] recon, float[] target, float[] logVar, int n, int w, String metric, double alpha,
                          double beta) {
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            double err = 0;
            double logVarSum = 0;
            for (int j = i * w; j < (i + 1) * w; j++) {
                double d = recon[j] - target[j];
                if (metric.equals(APRE)) {
                    err += d * d * Math.exp(-logVar[j]);
                    logVarSum += logVar[j];
                } else {
                    err += d * d;
                }
            }
            s[i] = metric.equals(APRE) ? alpha * err / w + beta * logVarSum / w : err / w;
        }
        return s;
    }

    /** At most {@code max} rows, a seeded uniform subset kept in the original order. */
    static float[] subsample(Samples x, int max, long seed) {
        return ReferenceSets.rows(x.values(), x.width(), ReferenceSets.subset(x.count(), max, seed));
    }

    private float[] reference(Map<String, Object> state) {
        return cache.get(state, st -> ReferenceSets.decode(st.get("shifted_reference"), "mean-shift",
                "shifted_reference"));
    }

    private static double number(Map<String, Object> state, String key, double fallback) {
        Object v = state.get(key);
        if (v == null) {
            if (Double.isNaN(fallback)) {
                throw new IllegalArgumentException("the scorer state has no '" + key + "'; fit mean-shift scoring first");
            }
            return fallback;
        }
        return v instanceof Number n ? n.doubleValue() : Double.parseDouble(v.toString());
    }
}
