package org.hourglass.data.onnxactivations;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.hourglass.api.executor.ModelSession;
import org.hourglass.api.executor.OnnxExecutor;
import org.hourglass.spi.DataException;

/**
 * The downstream metric of an autoencoder trained on a tensor's per-token rows: the tensor is replaced, at the
 * token positions the rows come from, by the autoencoder's reconstruction of those rows, and the model's sentence
 * embedding (mean of {@code output} over the attended tokens, L2-normalised) is compared with the unchanged one.
 * Zero-ablation (the same positions set to 0) is the reference: {@code preserved = (cos_splice − cos_zero) /
 * (1 − cos_zero)} is 1 when the splice changes nothing and 0 when it is as bad as deleting the tensor.
 *
 * <p>A transcoder's rows are {@code [source | target]} of two tensors; it predicts the target from the source, so
 * the target tensor is the one replaced: by the second part of the reconstruction of rows built from the
 * unchanged model's values of both (the source lies before the target, so replacing the target leaves it as it
 * was), and zero-ablation sets the target to 0.
 */
final class Splice {

    /**
     * @param documents    documents measured
     * @param tokens       token positions replaced
     * @param cosineSplice mean cosine similarity of the embeddings with and without the splice
     * @param cosineZero   the same with the positions set to zero
     * @param preserved    {@code (cosineSplice − cosineZero) / (1 − cosineZero)}
     */
    record Result(int documents, int tokens, double cosineSplice, double cosineZero, double preserved) {

        /** The figures a pipeline reports per epoch and stores with the model; an undefined ratio is left out. */
        Map<String, Double> figures() {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("downstream_cosine", cosineSplice);
            m.put("downstream_cosine_zero", cosineZero);
            if (Double.isFinite(preserved)) { // undefined where zero-ablation changes nothing (cosine 1)
                m.put("downstream_preserved", preserved);
            }
            return m;
        }
    }

    private Splice() {
    }

    /**
     * @param output        the model output the embedding is pooled from ({@code last_hidden_state} for MiniLM)
     * @param specialTokens whether {@code [CLS]}/{@code [SEP]} positions are replaced too (as the rows were taken)
     * @param reconstruct   the autoencoder: rows of the tensor in, reconstructed rows out, same units
     */
    static Result measure(OnnxExecutor executor, ModelFiles files, String tensor, String output,
                          List<String> documents, int maxTokens, boolean specialTokens,
                          UnaryOperator<float[][]> reconstruct) {
        return measure(executor, files, tensor, null, output, documents, maxTokens, specialTokens, false,
                reconstruct);
    }

    /**
     * @param target      a transcoder's target tensor, or null: rows are {@code [tensor | target]}, and the second
     *                    part of the reconstruction replaces {@code target}
     * @param sensitivity the autoencoder reads rows {@code [x | g]} (the data source's gradient=embedding, the
     *                    tensor being {@code output}): each row gets its document's
     *                    {@link EmbeddingSensitivity#vector} appended, and the first half of the reconstruction
     *                    replaces the tensor
     */
    static Result measure(OnnxExecutor executor, ModelFiles files, String tensor, String target, String output,
                          List<String> documents, int maxTokens, boolean specialTokens, boolean sensitivity,
                          UnaryOperator<float[][]> reconstruct) {
        return measure(executor, files, tensor, target, output, documents, maxTokens, specialTokens, sensitivity, 0,
                reconstruct);
    }

    /**
     * @param probes with {@code sensitivity} on a tensor inside the model: rows are {@code [x | g_1 .. g_probes]}
     *               ({@link EmbeddingProbes}, directions of the document's index in {@code documents}); 0 for the
     *               closed form {@code [x | g]}
     */
    static Result measure(OnnxExecutor executor, ModelFiles files, String tensor, String target, String output,
                          List<String> documents, int maxTokens, boolean specialTokens, boolean sensitivity,
                          int probes, UnaryOperator<float[][]> reconstruct) {
        if (documents.isEmpty()) {
            throw new DataException("the corpus has no documents");
        }
        if (target != null && sensitivity) {
            throw new DataException("a transcoder's rows [source | target] carry no embedding sensitivity");
        }
        ModelProto model = TensorTap.parse(files.description(), files.model());
        String replaced = target == null ? tensor : target;
        if (target != null) {
            requireBefore(model, tensor, target);
        }
        // When the replaced tensor is the output itself, no layer lies between: the spliced rows are pooled directly.
        boolean direct = replaced.equals(output);
        List<String> tapList = new java.util.ArrayList<>(List.of(tensor));
        for (String t : new String[] {target, output}) {
            if (t != null && !tapList.contains(t)) {
                tapList.add(t);
            }
        }
        ModelProto tapped = TensorTap.tap(model, tapList);
        ModelProto spliced = direct ? null : TensorTap.splice(model, replaced, output);
        double sumSplice = 0;
        double sumZero = 0;
        int tokens = 0;
        int gradients = !sensitivity ? 0 : probes > 0 ? probes : 1;
        try (ModelSession original = executor.load("splice source of " + files.description(), tapped);
             ModelSession cut = direct ? null : executor.load("spliced " + files.description(), spliced);
             ActivationExtractor.Probing probing = sensitivity && probes > 0
                     ? new ActivationExtractor.Probing(executor, files.description(), model, tensor, probes) : null) {
            for (int start = 0; start < documents.size(); start += ActivationExtractor.BATCH) {
                List<String> batch = documents.subList(start, Math.min(documents.size(),
                        start + ActivationExtractor.BATCH));
                Batch b = Batch.of(files.tokenizer(), batch, maxTokens);
                Map<String, Out> base = run(executor, original, b, null, Set.copyOf(tapList));
                float[] t = perToken(base, tensor, b);
                int width = t.length / (b.size * b.length);
                float[] tt = target == null ? t : perToken(base, target, b);
                int targetWidth = tt.length / (b.size * b.length);
                // Row layout: [x], [x | g] or [source | target]; the replaced part starts at 'offset'.
                int rowWidth = target != null ? width + targetWidth : (1 + gradients) * width;
                int offset = target != null ? width : 0;
                boolean[] replace = new boolean[b.size * b.length];
                int rows = 0;
                for (int i = 0; i < b.size; i++) {
                    int from = specialTokens ? 0 : 1;
                    int to = specialTokens ? b.lengths[i] : b.lengths[i] - 1;
                    for (int p = from; p < to; p++) {
                        replace[i * b.length + p] = true;
                        rows++;
                    }
                }
                float[][] g = new float[b.size][];
                for (int i = 0; sensitivity && probing == null && i < b.size; i++) {
                    g[i] = EmbeddingSensitivity.vector(t, i * b.length * width, b.lengths[i], width);
                }
                float[][] probeGrads = probing == null ? null
                        : probing.gradients(t, b.mask, b.size, b.length, width, start);
                float[][] x = new float[rows][];
                int r = 0;
                for (int pos = 0; pos < replace.length; pos++) {
                    if (replace[pos]) {
                        x[r] = Arrays.copyOf(Arrays.copyOfRange(t, pos * width, (pos + 1) * width), rowWidth);
                        if (probeGrads != null) {
                            for (int k = 0; k < probes; k++) {
                                System.arraycopy(probeGrads[k], pos * width, x[r], (1 + k) * width, width);
                            }
                        } else if (sensitivity) {
                            System.arraycopy(g[pos / b.length], 0, x[r], width, width);
                        } else if (target != null) {
                            System.arraycopy(tt, pos * targetWidth, x[r], width, targetWidth);
                        }
                        r++;
                    }
                }
                float[][] xh = reconstruct.apply(x);
                if (xh == null || xh.length != rows) {
                    throw new IllegalStateException("the reconstruction has " + (xh == null ? 0 : xh.length)
                            + " rows for " + rows);
                }
                float[] withSplice = tt.clone();
                float[] zeroed = tt.clone();
                r = 0;
                for (int pos = 0; pos < replace.length; pos++) {
                    if (replace[pos]) {
                        if (xh[r] == null || xh[r].length != rowWidth) {
                            throw new IllegalStateException("reconstructed rows have "
                                    + (xh[r] == null ? 0 : xh[r].length) + " values, the rows " + rowWidth);
                        }
                        System.arraycopy(xh[r++], offset, withSplice, pos * targetWidth, targetWidth);
                        Arrays.fill(zeroed, pos * targetWidth, (pos + 1) * targetWidth, 0f);
                    }
                }
                long[] replacedShape = base.get(replaced).shape();
                float[] e0 = embed(base.get(output).values(), b);
                float[] eSplice = embed(direct ? withSplice : run(executor, cut, b, new Out(withSplice,
                        replacedShape), Set.of(output)).get(output).values(), b);
                float[] eZero = embed(direct ? zeroed : run(executor, cut, b, new Out(zeroed, replacedShape),
                        Set.of(output)).get(output).values(), b);
                int dim = e0.length / b.size;
                for (int i = 0; i < b.size; i++) {
                    sumSplice += dot(e0, eSplice, i * dim, dim);
                    sumZero += dot(e0, eZero, i * dim, dim);
                }
                tokens += rows;
            }
        }
        int n = documents.size();
        double cs = sumSplice / n;
        double cz = sumZero / n;
        return new Result(n, tokens, cs, cz, (cs - cz) / (1 - cz));
    }

    /** The values of a [batch, sequence, ...] tensor of the run; other shapes are refused by name. */
    private static float[] perToken(Map<String, Out> outputs, String name, Batch b) {
        long[] shape = outputs.get(name).shape();
        if (shape.length < 3 || shape[0] != b.size || shape[1] != b.length) {
            throw new DataException("tensor '" + name + "' has shape " + Arrays.toString(shape)
                    + "; splicing needs [batch, sequence, ...]");
        }
        return outputs.get(name).values();
    }

    /**
     * A transcoder's prediction of {@code target} is computed from {@code source}'s unchanged values, which holds
     * only when {@code source} does not depend on {@code target}.
     */
    static void requireBefore(ModelProto model, String source, String target) {
        ModelProto upToSource = TensorTap.tap(model, List.of(source));
        boolean dependsOnTarget = upToSource.getGraph().getNodeList().stream()
                .anyMatch(n -> n.getOutputList().contains(target))
                || upToSource.getGraph().getInputList().stream().anyMatch(v -> v.getName().equals(target));
        if (dependsOnTarget) {
            throw new DataException("tensor '" + source + "' is computed from target.tensor '" + target + "'; a "
                    + "transcoder splice replaces the target by a prediction from the source, so the source must "
                    + "lie before the target");
        }
    }

    /** One padded batch of encoded documents. */
    private record Batch(int size, int length, long[] ids, long[] mask, int[] lengths) {
        static Batch of(WordPieceTokenizer tokenizer, List<String> docs, int maxTokens) {
            List<WordPieceTokenizer.Encoding> enc = docs.stream().map(d -> tokenizer.encode(d, maxTokens)).toList();
            int s = enc.stream().mapToInt(WordPieceTokenizer.Encoding::length).max().orElse(0);
            long[] ids = new long[enc.size() * s];
            long[] mask = new long[ids.length];
            int[] lengths = new int[enc.size()];
            Arrays.fill(ids, tokenizer.padId());
            for (int i = 0; i < enc.size(); i++) {
                long[] e = enc.get(i).ids();
                System.arraycopy(e, 0, ids, i * s, e.length);
                Arrays.fill(mask, i * s, i * s + e.length, 1L);
                lengths[i] = e.length;
            }
            return new Batch(enc.size(), s, ids, mask, lengths);
        }
    }

    /** A float tensor's values and shape. */
    private record Out(float[] values, long[] shape) {
    }

    private static Map<String, Out> run(OnnxExecutor executor, ModelSession session, Batch b, Out spliced,
                                        Set<String> outputs) {
        Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
        long[] shape = {b.size, b.length};
        try {
            for (String name : session.inputs().keySet()) {
                OnnxTensor t = switch (name) {
                    case "input_ids" -> OnnxTensor.createTensor(executor.environment(), LongBuffer.wrap(b.ids), shape);
                    case "attention_mask" -> OnnxTensor.createTensor(executor.environment(), LongBuffer.wrap(b.mask),
                            shape);
                    case "token_type_ids" -> OnnxTensor.createTensor(executor.environment(),
                            LongBuffer.wrap(new long[b.ids.length]), shape);
                    case TensorTap.SPLICE_INPUT -> OnnxTensor.createTensor(executor.environment(),
                            FloatBuffer.wrap(spliced.values()), spliced.shape());
                    default -> throw new DataException("the model has an input '" + name + "'; only input_ids, "
                            + "attention_mask and token_type_ids can be fed");
                };
                inputs.put(name, t);
            }
            try (OrtSession.Result result = session.run(inputs, outputs)) {
                Map<String, Out> out = new LinkedHashMap<>();
                for (String o : outputs) {
                    OnnxTensor t = (OnnxTensor) result.get(o).orElseThrow();
                    FloatBuffer fb = t.getFloatBuffer();
                    float[] v = new float[fb.remaining()];
                    fb.get(v);
                    out.put(o, new Out(v, t.getInfo().getShape()));
                }
                return out;
            }
        } catch (OrtException e) {
            throw new DataException("running " + session.name() + " failed: " + e.getMessage(), e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    /** Sentence embeddings: the mean of {@code hidden [B, S, H]} over each document's tokens, L2-normalised. */
    static float[] embed(float[] hidden, Batch b) {
        int h = hidden.length / (b.size * b.length);
        float[] out = new float[b.size * h];
        for (int i = 0; i < b.size; i++) {
            double[] sum = new double[h];
            for (int p = 0; p < b.lengths[i]; p++) {
                for (int j = 0; j < h; j++) {
                    sum[j] += hidden[(i * b.length + p) * h + j];
                }
            }
            double norm = 0;
            for (double v : sum) {
                norm += v * v;
            }
            norm = Math.sqrt(norm);
            for (int j = 0; j < h; j++) {
                out[i * h + j] = (float) (norm > 0 ? sum[j] / norm : 0);
            }
        }
        return out;
    }

    private static double dot(float[] a, float[] b, int offset, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += (double) a[offset + i] * b[offset + i];
        }
        return s;
    }
}
