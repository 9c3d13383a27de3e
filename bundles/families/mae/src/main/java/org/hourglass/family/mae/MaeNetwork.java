package org.hourglass.family.mae;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.hourglass.family.mae.Transformer.Block;
import org.hourglass.family.mae.Transformer.Dense;
import org.hourglass.family.mae.Transformer.Norm;
import org.hourglass.family.mae.Transformer.Params;
import org.hourglass.graph.Graph;
import org.hourglass.graph.HostTensor;
import org.hourglass.graph.Init;
import org.hourglass.graph.Ops;
import org.hourglass.graph.Shape;
import org.hourglass.graph.ShapeOps;
import org.hourglass.graph.Tensor;
import org.hourglass.spi.FamilyContext;
import org.hourglass.spi.FamilyOutputs;
import org.hourglass.spi.InputSpec;

/**
 * Builds a masked autoencoder (He et al., "Masked Autoencoders Are Scalable Vision Learners", 2021) from graph ops.
 *
 * <p>Training: the image is cut into P patch tokens; per-patch visibility is the mean of the pipeline's mask over
 * the patch; TopK picks the k most visible patches and a one-hot selection matrix {@code S [N, k, P]} gathers them
 * ({@code S @ tokens}: a MatMul, so gradients flow without a new op). The encoder sees only those k tokens. The
 * decoder gets them back at their positions ({@code S^T @ tokens}) and a learned mask token elsewhere, and predicts
 * every patch's pixels; the pipeline's loss counts the hidden entries only.
 *
 * <p>Inference has no mask. The latent is the mean of the encoder's tokens over all P patches. The reconstruction
 * predicts every patch from context, as in training: G fixed masked views, each showing k patches, together hiding
 * every patch at least once; each patch is the mean of its predictions from the views that hid it. So the
 * reconstruction error (and {@value #PATCH_ERROR}, per patch) measures how well a patch follows from its
 * surroundings, never a copy of what the encoder saw.
 */
final class MaeNetwork {

    /** Extra inference output: squared error per patch, {@code [batch, patches]}, in normalised units. */
    static final String PATCH_ERROR = "patch_error";
    /** Diagnostic: mean mask value of the k patches the encoder took (1 when the strategy's ratio matches). */
    static final String SELECTED_VISIBILITY = "selected_visibility";
    /** Diagnostic: fraction of the image the masking strategy left visible. */
    static final String VISIBLE_FRACTION = "visible_fraction";

    private MaeNetwork() {
    }

    /** Image layout and patch grid. */
    record Geometry(long channels, long height, long width, int patch, long[] batchShape) {

        static Geometry of(InputSpec spec, int patch) {
            long[] s = spec.sampleShape();
            if (s.length != 2 && s.length != 3) {
                throw new IllegalArgumentException("family mae needs image samples [H, W] or [C, H, W], got " + spec
                        + "; give flat data the pipeline's input.shape (e.g. 28,28)");
            }
            long c = s.length == 3 ? s[0] : 1;
            long h = s[s.length - 2];
            long w = s[s.length - 1];
            if (h % patch != 0 || w % patch != 0) {
                throw new IllegalArgumentException("patch.size " + patch + " must divide the image's height and width "
                        + h + "x" + w);
            }
            return new Geometry(c, h, w, patch, spec.batchShape());
        }

        long rows() {
            return height / patch;
        }

        long cols() {
            return width / patch;
        }

        int patches() {
            return Math.toIntExact(rows() * cols());
        }

        long patchDim() {
            return channels * patch * patch;
        }

        /** {@code [N, ...sample]} to patch tokens {@code [N, P, C*p*p]}, patches in row-major grid order. */
        Tensor patchify(Graph g, Tensor x) {
            Tensor grid = ShapeOps.reshape(x, -1, channels, rows(), patch, cols(), patch);
            return ShapeOps.reshape(ShapeOps.transpose(grid, 0, 2, 4, 1, 3, 5), -1, patches(), patchDim());
        }

        /** The inverse of {@link #patchify}. */
        Tensor unpatchify(Graph g, Tensor tokens) {
            Tensor grid = ShapeOps.reshape(tokens, -1, rows(), cols(), channels, patch, patch);
            return ShapeOps.reshape(ShapeOps.transpose(grid, 0, 3, 1, 4, 2, 5), batchShape);
        }
    }

    /** All parameters, created once per graph under the same names in training and inference. */
    record Model(MaeSettings s, Geometry geo, Dense patchEmbed, Tensor encoderPositions, List<Block> encoder,
                 Norm encoderNorm, Dense decoderEmbed, Tensor maskToken, Tensor decoderPositions, List<Block> decoder,
                 Norm decoderNorm, Dense head) {

        static Model create(Graph g, Params p, MaeSettings s, Geometry geo) {
            Dense embed = Dense.create(p, "encoder/patch_embed", geo.patchDim(), s.embedDim());
            Tensor encPos = positions(g, p, "encoder/position", s, geo, s.embedDim());
            List<Block> enc = new ArrayList<>();
            for (int i = 1; i <= s.depth(); i++) {
                enc.add(Block.create(p, "encoder/block" + i, s.embedDim(), s.heads(), s.mlpRatio()));
            }
            Norm encNorm = Norm.create(p, "encoder/norm", s.embedDim());
            Dense decEmbed = Dense.create(p, "decoder/embed", s.embedDim(), s.decoderDim());
            Tensor mask = p.create("decoder/mask_token", Shape.of(s.decoderDim()), Init.normal(0, 0.02));
            Tensor decPos = positions(g, p, "decoder/position", s, geo, s.decoderDim());
            List<Block> dec = new ArrayList<>();
            for (int i = 1; i <= s.decoderDepth(); i++) {
                dec.add(Block.create(p, "decoder/block" + i, s.decoderDim(), s.decoderHeads(), s.mlpRatio()));
            }
            Norm decNorm = Norm.create(p, "decoder/norm", s.decoderDim());
            Dense head = Dense.create(p, "decoder/head", s.decoderDim(), geo.patchDim());
            return new Model(s, geo, embed, encPos, List.copyOf(enc), encNorm, decEmbed, mask, decPos, List.copyOf(dec),
                    decNorm, head);
        }

        /** Patch tokens with positions: {@code [N, P, embed.dim]}. */
        Tensor embed(Graph g, Tensor patches) {
            return Ops.add(patchEmbed.apply(g, patches), encoderPositions);
        }

        /** The encoder on any number of tokens {@code [N, T, embed.dim]}. */
        Tensor encode(Graph g, Tensor tokens) {
            Tensor h = tokens;
            for (Block b : encoder) {
                h = b.apply(g, h);
            }
            return encoderNorm.apply(g, h);
        }

        /** Decoder tokens at all P positions {@code [N, P, decoder.dim]} to patch pixels {@code [N, P, C*p*p]}. */
        Tensor decode(Graph g, Tensor tokens) {
            Tensor h = Ops.add(tokens, decoderPositions);
            for (Block b : decoder) {
                h = b.apply(g, h);
            }
            Tensor out = head.apply(g, decoderNorm.apply(g, h));
            return s.sigmoidOutput() ? Ops.sigmoid(out) : out;
        }
    }

    static FamilyOutputs build(MaeSettings s, FamilyContext ctx) {
        Graph g = ctx.graph();
        Geometry geo = Geometry.of(ctx.inputSpec(), s.patchSize());
        int k = s.visiblePatches(geo.patches());
        Model m = Model.create(g, Params.of(g), s, geo);
        if (ctx.training()) {
            Tensor visible = ctx.visible().orElseThrow(() -> new IllegalArgumentException("family mae trains on "
                    + "masked images: give the pipeline a masking strategy (masking=random, block or color-noise) "
                    + "with patch.size " + s.patchSize() + " and mask.ratio " + s.maskRatio()));
            return training(g, m, ctx.input(), visible, k);
        }
        return inference(g, m, ctx.input(), k);
    }

    static FamilyOutputs training(Graph g, Model m, Tensor x, Tensor visible, int k) {
        Geometry geo = m.geo();
        Tensor tokens = m.embed(g, geo.patchify(g, x));
        Tensor patchVisibility = Ops.reduceMean(geo.patchify(g, visible), false, 2);
        Tensor select;
        try (Graph.Scope sc = g.scope("select")) {
            Tensor indices = ShapeOps.topK(patchVisibility, k, 1).indices();
            Tensor positions = g.longs(range(geo.patches()));
            select = Ops.cast(Ops.equal(ShapeOps.unsqueeze(indices, -1), positions), g.floatType());
        }
        Tensor encoded = m.encode(g, Ops.matmul(select, tokens));
        Tensor latent = Ops.reduceMean(encoded, false, 1);
        Tensor placed = Ops.matmul(ShapeOps.transpose(select, 0, 2, 1), m.decoderEmbed().apply(g, encoded));
        Tensor shown = ShapeOps.unsqueeze(Ops.reduceSum(select, false, 1), -1);
        Tensor full = Ops.add(placed, Ops.mul(Ops.sub(1.0, shown), m.maskToken()));
        Tensor reconstruction = geo.unpatchify(g, m.decode(g, full));
        Tensor selectedVisibility = Ops.div(Ops.mean(Ops.mul(ShapeOps.squeeze(shown, -1), patchVisibility)), (double) k
                / geo.patches());
        return new FamilyOutputs(latent, reconstruction, Map.of(), Map.of(),
                Map.of(SELECTED_VISIBILITY, selectedVisibility, VISIBLE_FRACTION, Ops.mean(patchVisibility)));
    }

    private static FamilyOutputs inference(Graph g, Model m, Tensor x, int k) {
        Geometry geo = m.geo();
        int patches = geo.patches();
        Tensor patchPixels = geo.patchify(g, x);
        Tensor tokens = m.embed(g, patchPixels);
        Tensor latent = Ops.reduceMean(m.encode(g, tokens), false, 1);

        Views v = Views.of(patches, k, g.seed());
        int views = v.count();
        long e = m.s().embedDim();
        long d = m.s().decoderDim();
        Tensor select = g.constant("views/select", HostTensor.of(g.floatType(), v.select(), views, k, patches));
        Tensor place = g.constant("views/place", HostTensor.of(g.floatType(), v.place(), views, patches, k));
        Tensor hidden = g.constant("views/hidden", HostTensor.of(g.floatType(), v.hidden(), views, patches, 1));
        Tensor weight = g.constant("views/weight", HostTensor.of(g.floatType(), v.weight(), views, patches, 1));
        // [G, k, P] @ [N, 1, P, E] -> [N, G, k, E]: every sample's G views, run as N*G sequences of k tokens.
        Tensor viewed = ShapeOps.reshape(Ops.matmul(select, ShapeOps.unsqueeze(tokens, 1)), -1, k, e);
        Tensor decoded = ShapeOps.reshape(m.decoderEmbed().apply(g, m.encode(g, viewed)), -1, views, k, d);
        Tensor full = Ops.add(Ops.matmul(place, decoded), Ops.mul(hidden, m.maskToken()));
        Tensor predicted = ShapeOps.reshape(m.decode(g, ShapeOps.reshape(full, -1, patches, d)), -1, views, patches,
                geo.patchDim());
        Tensor combined = Ops.reduceSum(Ops.mul(predicted, weight), false, 1);
        Tensor patchError = Ops.reduceMean(Ops.pow(Ops.sub(combined, patchPixels), 2), false, 2);
        return new FamilyOutputs(latent, geo.unpatchify(g, combined), Map.of(), Map.of(PATCH_ERROR, patchError));
    }

    static long[] range(int n) {
        long[] r = new long[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    /**
     * The fixed masked views of inference: a seeded permutation of the patches cut into runs of P - k hidden
     * patches (the last run wraps around), so G = ceil(P / (P - k)) views hide every patch at least once and each
     * view shows exactly k patches, like a training mask.
     */
    record Views(int count, int patches, int visible, double[] select, double[] place, double[] hidden,
                 double[] weight) {

        static Views of(int patches, int visible, long seed) {
            int hide = patches - visible;
            int count = (patches + hide - 1) / hide;
            int[] perm = new int[patches];
            for (int i = 0; i < patches; i++) {
                perm[i] = i;
            }
            SplittableRandom r = new SplittableRandom(seed ^ 0x6D61655F76696577L);
            for (int i = patches - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            double[] select = new double[count * visible * patches];
            double[] place = new double[count * patches * visible];
            double[] hidden = new double[count * patches];
            int[] timesHidden = new int[patches];
            for (int v = 0; v < count; v++) {
                boolean[] hid = new boolean[patches];
                for (int i = 0; i < hide; i++) {
                    hid[perm[(v * hide + i) % patches]] = true;
                }
                int slot = 0;
                for (int p = 0; p < patches; p++) {
                    if (hid[p]) {
                        hidden[v * patches + p] = 1;
                        timesHidden[p]++;
                    } else {
                        // Visible patches in ascending position, as TopK orders equal mask values in training.
                        select[(v * visible + slot) * patches + p] = 1;
                        place[(v * patches + p) * visible + slot] = 1;
                        slot++;
                    }
                }
            }
            double[] weight = new double[count * patches];
            for (int v = 0; v < count; v++) {
                for (int p = 0; p < patches; p++) {
                    weight[v * patches + p] = hidden[v * patches + p] / timesHidden[p];
                }
            }
            return new Views(count, patches, visible, select, place, hidden, weight);
        }

        @Override
        public String toString() {
            return count + " views of " + patches + " patches, " + visible + " visible each; hidden "
                    + Arrays.toString(hidden);
        }
    }

    /** Fixed 2-D sine-cosine positions (half the width for the row, half for the column), or learned ones. */
    static Tensor positions(Graph g, Params p, String name, MaeSettings s, Geometry geo, long dim) {
        long patches = geo.patches();
        if (s.learnedPositions()) {
            return p.create(name, Shape.of(patches, dim), Init.normal(0, 0.02));
        }
        return g.constant(name, HostTensor.of(g.floatType(), sinCos(geo.rows(), geo.cols(), dim), patches, dim));
    }

    static double[] sinCos(long rows, long cols, long dim) {
        long quarter = dim / 4;
        double[] out = new double[Math.toIntExact(rows * cols * dim)];
        for (long r = 0; r < rows; r++) {
            for (long c = 0; c < cols; c++) {
                int base = Math.toIntExact((r * cols + c) * dim);
                for (long i = 0; i < quarter; i++) {
                    double omega = 1 / Math.pow(10000, (double) i / quarter);
                    out[base + (int) i] = Math.sin(r * omega);
                    out[base + (int) (quarter + i)] = Math.cos(r * omega);
                    out[base + (int) (2 * quarter + i)] = Math.sin(c * omega);
                    out[base + (int) (3 * quarter + i)] = Math.cos(c * omega);
                }
            }
        }
        return out;
    }
}
