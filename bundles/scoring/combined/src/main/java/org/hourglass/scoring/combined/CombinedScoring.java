package org.hourglass.scoring.combined;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
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
 * Combined scoring: the average of several scores, each put on a common scale by the distribution of its
 * leave-one-out scores on the training samples. Components: {@code reconstruction} (mean squared error of the
 * reconstruction), {@code latent} (distance to the k-th nearest training code) and {@code input} (distance to the
 * k-th nearest training sample in the normalised input space). {@code combination=z}: each component becomes
 * {@code (s - mean) / std} of its training scores; {@code combination=rank}: its empirical CDF among the training
 * scores (mid-rank, in [0, 1]).
 *
 * <p>Training samples leave themselves out of the k-NN components, as in latent-knn: the standardising
 * statistics and the threshold come from the scores a training sample gets without itself as a neighbour.
 */
@RequireConfigurator // default instances: OSGI-INF/configurator/defaults.json
@Component(service = ScoringMethod.class, configurationPid = CombinedScoring.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = PluginProperties.NAME_HINT)
@Designate(ocd = CombinedScoring.Config.class, factory = true)
public class CombinedScoring implements ScoringMethod {

    static final String PID = "org.hourglass.scoring.combined";
    static final String METHOD = "combined";

    static final String RECONSTRUCTION = "reconstruction";
    static final String LATENT = "latent";
    static final String INPUT = "input";
    static final List<String> KNOWN = List.of(RECONSTRUCTION, LATENT, INPUT);

    static final String Z = "z";
    static final String RANK = "rank";

    @ObjectClassDefinition(name = "Hourglass scoring: combined",
            description = "Averages reconstruction error, latent k-NN distance and (optionally) input k-NN "
                    + "distance, each standardised by its leave-one-out training scores (z-scores or ranks).")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "Name pipelines use to pick this scoring instance.")
        String hourglass_name();

        @AttributeDefinition(name = "Components", description = "Scores combined, separated by commas: "
                + "reconstruction, latent, input.")
        String components() default "reconstruction,latent";

        @AttributeDefinition(name = "Combination", description = "How each component is standardised before "
                + "averaging: z ((s - mean) / std of its training scores) or rank (its empirical CDF among them).",
                options = {@Option(label = "z-score", value = Z), @Option(label = "rank (empirical CDF)", value = RANK)})
        String combination() default Z;

        @AttributeDefinition(name = "Latent k", description = "k of the latent k-NN distance (>= 1).")
        int latent_k() default 5;

        @AttributeDefinition(name = "Latent metric", description = "Distance between codes.",
                options = {@Option(label = "Euclidean", value = "euclidean"),
                        @Option(label = "cosine (1 - cos)", value = "cosine")})
        String latent_metric() default "euclidean";

        @AttributeDefinition(name = "Latent reference maximum", description = "At most this many training codes "
                + "(a seeded subset) are stored and searched (> latent k).")
        int latent_reference_max() default 10_000;

        @AttributeDefinition(name = "Input k", description = "k of the input-space k-NN distance (>= 1).")
        int input_k() default 5;

        @AttributeDefinition(name = "Input reference maximum", description = "At most this many normalised "
                + "training samples (a seeded subset) are stored and searched (> input k); each stores all its "
                + "input values.")
        int input_reference_max() default 1000;

        @AttributeDefinition(name = "Rank points", description = "combination=rank: at most this many quantiles "
                + "of each component's training scores are stored for its empirical CDF (>= 2).")
        int rank_points() default 1000;

        @AttributeDefinition(name = "Block size", description = "Rows per block of the nearest-neighbour "
                + "search; one run holds block size² distances (>= 1).")
        int block_size() default 1024;

        @AttributeDefinition(name = "Seed", description = "Seed of the reference subsets.")
        long seed() default 1;
    }

    /** The validated settings. */
    record Settings(List<String> components, String combination, int latentK, Metric latentMetric,
                    int latentReferenceMax, int inputK, int inputReferenceMax, int rankPoints, int blockSize,
                    long seed) {
        Settings {
            components = List.copyOf(components);
            if (components.isEmpty()) {
                throw new IllegalArgumentException("components must name at least one of " + String.join(", ", KNOWN));
            }
            for (String c : components) {
                if (!KNOWN.contains(c)) {
                    throw new IllegalArgumentException("components: unknown component '" + c + "' (known: "
                            + String.join(", ", KNOWN) + ")");
                }
            }
            if (new LinkedHashSet<>(components).size() != components.size()) {
                throw new IllegalArgumentException("components names a component twice: " + components);
            }
            if (!combination.equals(Z) && !combination.equals(RANK)) {
                throw new IllegalArgumentException("combination must be z or rank, was '" + combination + "'");
            }
            knn("latent", latentK, latentReferenceMax);
            knn("input", inputK, inputReferenceMax);
            if (rankPoints < 2) {
                throw new IllegalArgumentException("rank.points must be >= 2, was " + rankPoints);
            }
            if (blockSize < 1) {
                throw new IllegalArgumentException("block.size must be >= 1, was " + blockSize);
            }
        }

        private static void knn(String prefix, int k, int max) {
            if (k < 1) {
                throw new IllegalArgumentException(prefix + ".k must be >= 1, was " + k);
            }
            if (max <= k) {
                throw new IllegalArgumentException(prefix + ".reference.max must be > " + prefix + ".k=" + k
                        + " (a training sample leaves itself out of its k neighbours), was " + max);
            }
        }

        static Settings of(String components, String combination, int latentK, String latentMetric,
                           int latentReferenceMax, int inputK, int inputReferenceMax, int rankPoints, int blockSize,
                           long seed) {
            List<String> names = new ArrayList<>();
            for (String part : (components == null ? "" : components).split(",")) {
                String c = part.trim().toLowerCase(Locale.ROOT);
                if (!c.isEmpty()) {
                    names.add(c);
                }
            }
            String comb = combination == null ? "" : combination.trim().toLowerCase(Locale.ROOT);
            return new Settings(names, comb, latentK, Metric.parse("latent.metric", latentMetric),
                    latentReferenceMax, inputK, inputReferenceMax, rankPoints, blockSize, seed);
        }
    }

    /** A component read from a state: its stored k-NN set (null for reconstruction) and standardisation. */
    private record Part(String name, KnnReference.Stored knn, double mean, double std, double[] ranks) {
    }

    private record Decoded(String combination, List<Part> components, int fittedCount, Object fingerprint,
                           long seed) {
    }

    private final Settings settings;
    private final NeighbourSearch search;
    private final StateCache<Decoded> cache = new StateCache<>();

    @Activate
    public CombinedScoring(Config config, @Reference(name = "executor") OnnxExecutor executor) {
        this(settings(config), executor);
    }

    CombinedScoring(Settings settings, OnnxExecutor executor) {
        this.settings = settings;
        this.search = new NeighbourSearch(executor, settings.blockSize(), METHOD);
    }

    private static Settings settings(Config c) {
        PluginProperties.requireName(c.hourglass_name(), PID);
        return Settings.of(c.components(), c.combination(), c.latent_k(), c.latent_metric(),
                c.latent_reference_max(), c.input_k(), c.input_reference_max(), c.rank_points(), c.block_size(),
                c.seed());
    }

    @Deactivate
    void deactivate() {
        search.close();
    }

    @Override
    public Set<String> requiredOutputs() {
        Set<String> out = new LinkedHashSet<>();
        if (settings.components().contains(RECONSTRUCTION)) {
            out.add(ModelOutputs.RECONSTRUCTION);
        }
        if (settings.components().contains(LATENT)) {
            out.add(ModelOutputs.LATENT);
        }
        // input alone reads only the inputs; the model still runs, so ask for its smallest output.
        return out.isEmpty() ? Set.of(ModelOutputs.LATENT) : Set.copyOf(out);
    }

    @Override
    public Map<String, Object> fit(ModelOutputs reference) {
        Samples x = reference.input();
        int n = x.count();
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("combination", settings.combination());
        state.put("components", settings.components());
        state.put("seed", settings.seed());
        state.put("reference_fingerprint", ReferenceSets.fingerprint(x.values(), n));
        double[][] standardised = new double[settings.components().size()][];
        int c = 0;
        for (String name : settings.components()) {
            Map<String, Object> part;
            double[] scores;
            switch (name) {
                case RECONSTRUCTION -> {
                    part = new LinkedHashMap<>();
                    scores = meanSquaredError(reference);
                }
                case LATENT -> {
                    KnnReference.Fitted f = KnnReference.fit(search, output(reference, ModelOutputs.LATENT),
                            settings.latentK(), settings.latentReferenceMax(), settings.seed(),
                            settings.latentMetric(), METHOD, "latent.k");
                    part = new LinkedHashMap<>(f.state());
                    scores = f.scores();
                }
                default -> {
                    KnnReference.Fitted f = KnnReference.fit(search, x, settings.inputK(),
                            settings.inputReferenceMax(), settings.seed(), Metric.EUCLIDEAN, METHOD, "input.k");
                    part = new LinkedHashMap<>(f.state());
                    scores = f.scores();
                }
            }
            Map<String, Object> stats = ScoringMethod.referenceStatistics(METHOD, scores);
            part.put("mean", stats.get("reference_mean"));
            part.put("std", stats.get("reference_std"));
            if (settings.combination().equals(RANK)) {
                part.put("ranks", quantiles(scores, settings.rankPoints()));
            }
            state.put(name, part);
            Part comp = part(name, part);
            standardised[c++] = standardise(scores, comp, settings.combination());
        }
        // Statistics of the combined leave-one-out training scores, the scores the threshold is set from.
        state.putAll(ScoringMethod.referenceStatistics(METHOD, average(standardised, n)));
        return state;
    }

    @Override
    public double[] score(ModelOutputs batch, Map<String, Object> state) {
        // The stored combination, components and their settings win: a model keeps the scores it was fitted with.
        Decoded d = cache.get(state, CombinedScoring::decode);
        Samples x = batch.input();
        double[][] standardised = new double[d.components().size()][];
        int c = 0;
        for (Part comp : d.components()) {
            double[] scores;
            if (comp.knn() == null) {
                scores = meanSquaredError(batch);
            } else {
                Samples points = comp.name().equals(LATENT) ? output(batch, ModelOutputs.LATENT) : x;
                int[] self = KnnReference.selfPositions(x, d.fittedCount(), d.fingerprint(), d.seed(),
                        comp.knn().count());
                scores = KnnReference.score(search, points, comp.knn(), self, METHOD,
                        comp.name().equals(LATENT) ? "codes" : "inputs");
            }
            standardised[c++] = standardise(scores, comp, d.combination());
        }
        return average(standardised, x.count());
    }

    static double[] meanSquaredError(ModelOutputs outputs) {
        Samples x = outputs.input();
        Samples r = output(outputs, ModelOutputs.RECONSTRUCTION);
        if (r.width() != x.width()) {
            throw new IllegalArgumentException("the reconstruction has " + r.width() + " values per sample, the input "
                    + x.width());
        }
        int w = x.width();
        double[] e = new double[x.count()];
        for (int i = 0; i < e.length; i++) {
            double s = 0;
            for (int j = i * w; j < (i + 1) * w; j++) {
                double d = (double) r.values()[j] - x.values()[j];
                s += d * d;
            }
            e[i] = s / w;
        }
        return e;
    }

    /**
     * The empirical CDF's support: all training scores sorted when there are at most {@code points}, else the
     * {@code points} quantiles {@code sorted[floor((j + 0.5) n / points)]}.
     */
    static double[] quantiles(double[] scores, int points) {
        double[] sorted = scores.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        if (n <= points) {
            return sorted;
        }
        double[] q = new double[points];
        for (int j = 0; j < points; j++) {
            q[j] = sorted[(int) Math.floor((j + 0.5) * n / points)];
        }
        return q;
    }

    /** Mid-rank empirical CDF: (#points below s + #points at or below s) / (2 · #points), in [0, 1]. */
    static double rank(double[] sortedPoints, double s) {
        int below = lowerBound(sortedPoints, s, false);
        int atOrBelow = lowerBound(sortedPoints, s, true);
        return (below + atOrBelow) / (2.0 * sortedPoints.length);
    }

    /** Number of points {@code < s} (or {@code <= s} when {@code inclusive}). */
    private static int lowerBound(double[] a, double s, boolean inclusive) {
        int lo = 0;
        int hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] < s || (inclusive && a[mid] == s)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private static double[] standardise(double[] scores, Part c, String combination) {
        double[] out = new double[scores.length];
        // A component whose training scores are all equal has no spread to divide by; only its shift counts.
        double std = c.std() > 0 ? c.std() : 1;
        for (int i = 0; i < out.length; i++) {
            out[i] = combination.equals(RANK) ? rank(c.ranks(), scores[i]) : (scores[i] - c.mean()) / std;
        }
        return out;
    }

    private static double[] average(double[][] parts, int n) {
        double[] out = new double[n];
        for (double[] p : parts) {
            for (int i = 0; i < n; i++) {
                out[i] += p[i] / parts.length;
            }
        }
        return out;
    }

    private static Samples output(ModelOutputs outputs, String name) {
        Samples s = outputs.output(name);
        if (s.count() != outputs.input().count()) {
            throw new IllegalArgumentException("the model gave " + s.count() + " rows of '" + name + "' for "
                    + outputs.input().count() + " samples");
        }
        return s;
    }

    private static Decoded decode(Map<String, Object> state) {
        Object comb = state.get("combination");
        Object names = state.get("components");
        if (comb == null || !(names instanceof List<?> list) || list.isEmpty()) {
            throw new IllegalArgumentException("the scorer state has no 'combination' and 'components'; fit "
                    + METHOD + " scoring first");
        }
        String combination = comb.toString();
        List<Part> components = new ArrayList<>();
        for (Object o : list) {
            String name = String.valueOf(o);
            if (!KNOWN.contains(name) || !(state.get(name) instanceof Map<?, ?> part)) {
                throw new IllegalArgumentException("the stored " + METHOD + " state has no fitted component '"
                        + name + "'");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> p = (Map<String, Object>) part;
            components.add(part(name, p));
        }
        if (!combination.equals(Z) && !combination.equals(RANK)) {
            throw new IllegalArgumentException("the stored combination must be z or rank, was '" + combination + "'");
        }
        for (Part p : components) {
            if (combination.equals(RANK) && (p.ranks() == null || p.ranks().length == 0)) {
                throw new IllegalArgumentException("the stored " + METHOD + " component '" + p.name()
                        + "' has no 'ranks' for combination=rank");
            }
        }
        return new Decoded(combination, components,
                (int) KnnReference.number(state, "reference_count", METHOD), state.get("reference_fingerprint"),
                (long) KnnReference.number(state, "seed", METHOD));
    }

    private static Part part(String name, Map<String, Object> part) {
        KnnReference.Stored knn = name.equals(RECONSTRUCTION) ? null : KnnReference.read(part, METHOD + " " + name);
        Object ranks = part.get("ranks");
        double[] r = null;
        if (ranks instanceof double[] a) {
            r = a;
        } else if (ranks instanceof List<?> l) {
            r = new double[l.size()];
            for (int i = 0; i < r.length; i++) {
                r[i] = ((Number) l.get(i)).doubleValue();
            }
        }
        return new Part(name, knn, KnnReference.number(part, "mean", METHOD),
                KnnReference.number(part, "std", METHOD), r);
    }
}
