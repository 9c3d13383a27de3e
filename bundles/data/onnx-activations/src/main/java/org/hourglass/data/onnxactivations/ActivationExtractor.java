package org.hourglass.data.onnxactivations;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hourglass.api.executor.ModelSession;
import org.hourglass.api.executor.OnnxExecutor;
import org.hourglass.spi.DataException;

/**
 * Runs a tapped model over documents on the shared executor, in batches padded to their longest document, and
 * collects the tapped tensor: one row per real token (padding never), or one row per document (mean over its
 * tokens). A tensor of shape [batch, sequence, ...] gives per-token rows of the flattened trailing dims; a tensor
 * of shape [batch, ...] without a sequence dim gives one row per document.
 */
final class ActivationExtractor {

    /** Documents per model run. */
    static final int BATCH = 16;

    /** What to take from each document. */
    enum Vectors {
        /** One row per token. */
        TOKEN,
        /** One row per document: the mean over its tokens (as the sentence transformer pools). */
        MEAN
    }

    /**
     * The rows, row-major.
     *
     * @param values    the activations
     * @param count     rows
     * @param width     values per row
     * @param documents the document each row came from
     * @param truncated documents cut to the token limit
     */
    record Activations(float[] values, int count, int width, int[] documents, int truncated) {
    }

    private ActivationExtractor() {
    }

    /**
     * @param specialTokens keep the rows of {@code [CLS]} and {@code [SEP]} (per-token vectors only; the mean
     *                      always covers every token, as the model's pooling does)
     */
    static Activations extract(OnnxExecutor executor, ModelFiles files, String tensor, List<String> documents,
                               int maxTokens, Vectors vectors, boolean specialTokens) {
        return extract(executor, files, tensor, documents, maxTokens, vectors, specialTokens, false);
    }

    /**
     * @param sensitivity per-token rows carry, after the tensor's values, the document's
     *                    {@link EmbeddingSensitivity#vector} (the tensor must be the output the sentence embedding
     *                    is pooled from, which the caller checks)
     */
    static Activations extract(OnnxExecutor executor, ModelFiles files, String tensor, List<String> documents,
                               int maxTokens, Vectors vectors, boolean specialTokens, boolean sensitivity) {
        return extract(executor, files, tensor, documents, maxTokens, vectors, specialTokens, sensitivity, 0);
    }

    /**
     * @param probes with {@code sensitivity}: 0 for the closed form (rows {@code [x | g]}, the tensor being the
     *               pooled output), else rows {@code [x | g_1 .. g_probes]} of {@link EmbeddingProbes}
     */
    static Activations extract(OnnxExecutor executor, ModelFiles files, String tensor, List<String> documents,
                               int maxTokens, Vectors vectors, boolean specialTokens, boolean sensitivity,
                               int probes) {
        if (documents.isEmpty()) {
            throw new DataException("the corpus has no documents");
        }
        ModelProto parsed = TensorTap.parse(files.description(), files.model());
        ModelProto tapped = TensorTap.tap(parsed, List.of(tensor));
        List<WordPieceTokenizer.Encoding> encodings = new ArrayList<>();
        int truncated = 0;
        for (String d : documents) {
            WordPieceTokenizer.Encoding e = files.tokenizer().encode(d, maxTokens);
            encodings.add(e);
            truncated += e.truncated() ? 1 : 0;
        }
        Rows rows = new Rows();
        Probing probing = sensitivity && probes > 0 ? new Probing(executor, files.description(), parsed, tensor,
                probes) : null;
        try (ModelSession session = executor.load("activations of " + files.description(), tapped)) {
            for (int start = 0; start < encodings.size(); start += BATCH) {
                List<WordPieceTokenizer.Encoding> batch = encodings.subList(start,
                        Math.min(encodings.size(), start + BATCH));
                runBatch(executor, session, tensor, batch, start, files.tokenizer().padId(), vectors, specialTokens,
                        sensitivity, probing, rows);
            }
        } finally {
            if (probing != null) {
                probing.close();
            }
        }
        if (rows.count == 0) {
            throw new DataException("the corpus yields no activation rows (documents without tokens?)");
        }
        return new Activations(Arrays.copyOf(rows.values, rows.count * rows.width), rows.count, rows.width,
                Arrays.copyOf(rows.documents, rows.count), truncated);
    }

    private static void runBatch(OnnxExecutor executor, ModelSession session, String tensor,
                                 List<WordPieceTokenizer.Encoding> batch, int firstDocument, int pad,
                                 Vectors vectors, boolean specialTokens, boolean sensitivity, Probing probing,
                                 Rows rows) {
        int b = batch.size();
        int s = batch.stream().mapToInt(WordPieceTokenizer.Encoding::length).max().orElse(0);
        long[] ids = new long[b * s];
        long[] mask = new long[b * s];
        Arrays.fill(ids, pad);
        for (int i = 0; i < b; i++) {
            long[] e = batch.get(i).ids();
            System.arraycopy(e, 0, ids, i * s, e.length);
            Arrays.fill(mask, i * s, i * s + e.length, 1L);
        }
        long[] shape = {b, s};
        Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
        try {
            for (String name : session.inputs().keySet()) {
                long[] data = switch (name) {
                    case "input_ids" -> ids;
                    case "attention_mask" -> mask;
                    case "token_type_ids" -> new long[b * s];
                    default -> throw new DataException("the model has an input '" + name + "'; only input_ids, "
                            + "attention_mask and token_type_ids (a BERT-style text model) can be fed");
                };
                inputs.put(name, OnnxTensor.createTensor(executor.environment(), LongBuffer.wrap(data), shape));
            }
            try (OrtSession.Result result = session.run(inputs, Set.of(tensor))) {
                OnnxValue v = result.get(0);
                if (!(v instanceof OnnxTensor t)
                        || t.getInfo().type != ai.onnxruntime.OnnxJavaType.FLOAT) {
                    throw new DataException("tensor '" + tensor + "' is not a float tensor ("
                            + v.getInfo() + ")");
                }
                FloatBuffer fb = t.getFloatBuffer();
                long[] out = t.getInfo().getShape();
                collect(tensor, fb, out, batch, s, firstDocument, vectors, specialTokens, sensitivity, probing, mask,
                        rows);
            }
        } catch (OrtException e) {
            throw new DataException("running the model for tensor '" + tensor + "' failed: " + e.getMessage(), e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private static void collect(String tensor, FloatBuffer fb, long[] shape, List<WordPieceTokenizer.Encoding> batch,
                                int s, int firstDocument, Vectors vectors, boolean specialTokens, boolean sensitivity,
                                Probing probing, long[] mask, Rows rows) {
        int b = batch.size();
        if (shape.length < 2 || shape[0] != b) {
            throw new DataException("tensor '" + tensor + "' has shape " + Arrays.toString(shape) + "; need the "
                    + "batch (" + b + ") as the first dimension");
        }
        float[] all = new float[fb.remaining()];
        fb.get(all);
        boolean perToken = shape.length >= 3 && shape[1] == s;
        int width = (int) (all.length / b / (perToken ? s : 1));
        if (sensitivity && (!perToken || vectors != Vectors.TOKEN)) {
            throw new DataException("gradient=embedding needs per-token rows of a [batch, sequence, width] tensor; "
                    + "tensor '" + tensor + "' has shape " + Arrays.toString(shape) + " and vectors=" + vectors);
        }
        int copies = sensitivity ? 1 + (probing == null ? 1 : probing.probes) : 1;
        rows.width(copies * width, tensor);
        float[][] probeGrads = null;
        if (probing != null) {
            probeGrads = probing.gradients(all, mask, batch.size(), s, width, firstDocument);
        }
        for (int i = 0; i < b; i++) {
            int len = batch.get(i).length();
            int doc = firstDocument + i;
            if (!perToken) {
                rows.add(all, i * width, width, doc);
                continue;
            }
            int base = i * s * width;
            if (vectors == Vectors.MEAN) {
                float[] mean = new float[width];
                for (int t = 0; t < len; t++) {
                    for (int j = 0; j < width; j++) {
                        mean[j] += all[base + t * width + j];
                    }
                }
                for (int j = 0; j < width; j++) {
                    mean[j] /= len;
                }
                rows.add(mean, 0, width, doc);
            } else {
                int from = specialTokens ? 0 : 1;
                int to = specialTokens ? len : len - 1;
                // Rows [x | g]: the document's g (its embedding's sensitivity) repeated after each token's values;
                // with probes, rows [x | g_1 .. g_r]: each probe's gradient at the token
                float[] row = sensitivity ? new float[copies * width] : null;
                if (sensitivity && probing == null) {
                    System.arraycopy(EmbeddingSensitivity.vector(all, base, len, width), 0, row, width, width);
                }
                for (int t = from; t < to; t++) {
                    if (sensitivity) {
                        System.arraycopy(all, base + t * width, row, 0, width);
                        for (int k = 0; probeGrads != null && k < probeGrads.length; k++) {
                            System.arraycopy(probeGrads[k], base + t * width, row, (1 + k) * width, width);
                        }
                        rows.add(row, 0, copies * width, doc);
                    } else {
                        rows.add(all, base + t * width, width, doc);
                    }
                }
            }
        }
    }

    /** The probe model of a tensor, built when the first batch gives the tensor's width. */
    static final class Probing implements AutoCloseable {
        final int probes;
        private final OnnxExecutor executor;
        private final String description;
        private final ModelProto model;
        private final String tensor;
        private EmbeddingProbes built;

        Probing(OnnxExecutor executor, String description, ModelProto model, String tensor, int probes) {
            this.executor = executor;
            this.description = description;
            this.model = model;
            this.tensor = tensor;
            this.probes = probes;
        }

        float[][] gradients(float[] x, long[] mask, int b, int s, int width, int firstDocument) {
            if (built == null) {
                built = new EmbeddingProbes(executor, description, model, tensor, width);
            }
            float[][] directions = new float[b][];
            for (int i = 0; i < b; i++) {
                directions[i] = EmbeddingProbes.directions(firstDocument + i, probes, built.embeddingWidth());
            }
            return built.gradients(x, mask, b, s, directions, probes);
        }

        @Override
        public void close() {
            if (built != null) {
                built.close();
            }
        }
    }

    /** A growing row buffer. */
    private static final class Rows {
        float[] values = new float[0];
        int[] documents = new int[16];
        int count;
        int width = -1;

        void width(int w, String tensor) {
            if (width >= 0 && width != w) {
                throw new DataException("tensor '" + tensor + "' changes its row width between batches (" + width
                        + " then " + w + "); only tensors of shape [batch, sequence, ...] or [batch, ...] work");
            }
            width = w;
        }

        void add(float[] src, int offset, int w, int document) {
            if ((long) (count + 1) * w > Integer.MAX_VALUE - 8) {
                throw new DataException("too many activation rows to hold in memory; lower the corpus size or "
                        + "the limit");
            }
            if ((count + 1) * w > values.length) {
                values = Arrays.copyOf(values, Math.max((count + 1) * w, values.length * 2));
            }
            if (count == documents.length) {
                documents = Arrays.copyOf(documents, count * 2);
            }
            System.arraycopy(src, offset, values, count * w, w);
            documents[count++] = document;
        }
    }
}
