package org.hourglass.scoring.latentknn;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.hourglass.api.executor.OnnxExecutor;
import org.hourglass.scoring.neighbours.KnnReference;
import org.hourglass.scoring.neighbours.KnnReference.Metric;
import org.hourglass.scoring.neighbours.NeighbourSearch;
import org.hourglass.scoring.neighbours.ReferenceSets;
import org.hourglass.scoring.neighbours.StateCache;
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
 * Latent k-NN scoring: the score of a sample is the distance from its code (the model's {@code latent} output) to
 * the k-th nearest code of the training samples. Fitting keeps the training codes (a seeded subset of at most
 * {@code reference.max}); scoring searches them exactly on the shared executor, in blocks.
 *
 * <p>Training samples leave themselves out: the pipeline sets its threshold from {@code score} of the very samples
 * it fitted on, and a kept sample would otherwise find itself at distance 0 and score low. The state records a
 * fingerprint of the fitted samples; a batch with exactly those samples (same count, same values) is scored with
 * each kept sample's own code excluded ({@link KnnReference}).
 */
@RequireConfigurator // default instances: OSGI-INF/configurator/defaults.json
@Component(service = ScoringMethod.class, configurationPid = LatentKnnScoring.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = PluginProperties.NAME_HINT)
@Designate(ocd = LatentKnnScoring.Config.class, factory = true)
public class LatentKnnScoring implements ScoringMethod {

    static final String PID = "org.hourglass.scoring.latentknn";
    static final String METHOD = "latent-knn";
    static final String SEED = "seed";
    static final String FINGERPRINT = "reference_fingerprint";

    @ObjectClassDefinition(name = "Hourglass scoring: latent k-NN",
            description = "Score = distance from a sample's code to the k-th nearest code of the training samples "
                    + "(a training sample leaves itself out).")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "Name pipelines use to pick this scoring instance.")
        String hourglass_name();

        @AttributeDefinition(name = "k", description = "The score is the distance to the k-th nearest training "
                + "code (>= 1).")
        int k() default 5;

        @AttributeDefinition(name = "Metric", description = "Distance between codes.",
                options = {@Option(label = "Euclidean", value = "euclidean"),
                        @Option(label = "cosine (1 - cos)", value = "cosine")})
        String metric() default "euclidean";

        @AttributeDefinition(name = "Reference maximum", description = "At most this many training codes (a "
                + "seeded random subset) are stored with the model and searched (> k).")
        int reference_max() default 10_000;

        @AttributeDefinition(name = "Block size", description = "Rows per block of the nearest-neighbour "
                + "search; one run holds block size² distances (>= 1).")
        int block_size() default 1024;

        @AttributeDefinition(name = "Seed", description = "Seed of the reference subset.")
        long seed() default 1;
    }

    /** The validated settings. */
    record Settings(int k, Metric metric, int referenceMax, int blockSize, long seed) {
        Settings {
            if (k < 1) {
                throw new IllegalArgumentException("k must be >= 1, was " + k);
            }
            if (referenceMax <= k) {
                throw new IllegalArgumentException("reference.max must be > k=" + k + " (a training sample leaves "
                        + "itself out of its k neighbours), was " + referenceMax);
            }
            if (blockSize < 1) {
                throw new IllegalArgumentException("block.size must be >= 1, was " + blockSize);
            }
        }

        static Settings of(int k, String metric, int referenceMax, int blockSize, long seed) {
            return new Settings(k, Metric.parse("metric", metric), referenceMax, blockSize, seed);
        }
    }

    private final Settings settings;
    private final NeighbourSearch search;
    private final StateCache<KnnReference.Stored> cache = new StateCache<>();

    @Activate
    public LatentKnnScoring(Config config, @Reference(name = "executor") OnnxExecutor executor) {
        this(settings(config), executor);
    }

    LatentKnnScoring(Settings settings, OnnxExecutor executor) {
        this.settings = settings;
        this.search = new NeighbourSearch(executor, settings.blockSize(), METHOD);
    }

    private static Settings settings(Config c) {
        PluginProperties.requireName(c.hourglass_name(), PID);
        return Settings.of(c.k(), c.metric(), c.reference_max(), c.block_size(), c.seed());
    }

    @Deactivate
    void deactivate() {
        search.close();
    }

    @Override
    public Set<String> requiredOutputs() {
        return Set.of(ModelOutputs.LATENT);
    }

    @Override
    public Map<String, Object> fit(ModelOutputs reference) {
        Samples codes = codes(reference);
        KnnReference.Fitted fitted = KnnReference.fit(search, codes, settings.k(), settings.referenceMax(),
                settings.seed(), settings.metric(), METHOD, "k");
        Map<String, Object> state = new LinkedHashMap<>(fitted.state());
        state.put(SEED, settings.seed());
        state.put(FINGERPRINT, ReferenceSets.fingerprint(reference.input().values(), reference.input().count()));
        // Statistics of the leave-one-out training scores, the scores the threshold is set from.
        state.putAll(ScoringMethod.referenceStatistics(METHOD, fitted.scores()));
        return state;
    }

    @Override
    public double[] score(ModelOutputs batch, Map<String, Object> state) {
        // The stored k, metric and codes win over this instance's settings: a model keeps its scores.
        KnnReference.Stored stored = cache.get(state, st -> KnnReference.read(st, METHOD));
        Samples codes = codes(batch);
        int[] self = KnnReference.selfPositions(batch.input(),
                (int) KnnReference.number(state, "reference_count", METHOD), state.get(FINGERPRINT),
                (long) KnnReference.number(state, SEED, METHOD), stored.count());
        return KnnReference.score(search, codes, stored, self, METHOD, "codes");
    }

    private static Samples codes(ModelOutputs outputs) {
        Samples codes = outputs.output(ModelOutputs.LATENT);
        if (codes.count() != outputs.input().count()) {
            throw new IllegalArgumentException("the model gave " + codes.count() + " codes for "
                    + outputs.input().count() + " samples");
        }
        return codes;
    }
}
