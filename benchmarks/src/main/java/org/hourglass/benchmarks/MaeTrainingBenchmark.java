package org.hourglass.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.hourglass.executor.internal.ExecutorSettings;
import org.hourglass.executor.internal.OrtExecutor;
import org.hourglass.family.mae.MaeBenchmarkGraph;
import org.hourglass.graph.Graph;
import org.hourglass.graph.Optimizer;
import org.hourglass.graph.Tensor;
import org.hourglass.graph.TrainStep;
import org.hourglass.graph.TrainStepModel;
import org.hourglass.graph.Ops;
import org.hourglass.graph.ShapeOps;
import org.hourglass.training.LearningRate;
import org.hourglass.training.TrainingConfig;
import org.hourglass.training.TrainingData;
import org.hourglass.training.TrainingListener;
import org.hourglass.training.TrainingResult;
import org.hourglass.spi.FamilyOutputs;
import org.hourglass.spi.InputSpec;

/**
 * Masked-autoencoder training steps on 28x28 Fashion-MNIST (batch 256, Adam 1e-3): samples/s of the graph engine's
 * train step on ONNX Runtime against the same model in PyTorch (libtorch through DJL), same threads, interleaved
 * round by round in one process; medians, paired ratios, share of the SGEMM ceiling.
 *
 * <p>The model is the {@code mae} family's, built by the family's own code: 4x4 patches (49), mask ratio 0.75 (12
 * visible), encoder width 64 with 2 pre-norm blocks of 4 heads, decoder width 32 with 1 block of 4 heads, MLP ratio
 * 2, fixed sine-cosine positions, linear output; the loss is the mean squared error over the hidden pixels, as the
 * pipeline's {@code mse} loss computes it with a mask. Each round draws one random mask per image in Java and feeds
 * the same masks, in the same batches, to both systems.
 */
public final class MaeTrainingBenchmark {

    static final int IMAGES = 2560;
    static final int BATCH = 256;
    static final double LR = 1e-3;
    static final int PATCH = 4;
    static final double MASK_RATIO = 0.75;
    static final int EMBED = 64;
    static final int DEPTH = 2;
    static final int HEADS = 4;
    static final int DEC = 32;
    static final int DEC_DEPTH = 1;
    static final int DEC_HEADS = 4;
    static final int MLP = 2;
    static final int SIDE = 28 / PATCH;
    static final int P = SIDE * SIDE;
    static final int PD = PATCH * PATCH;
    /** Visible patches, as the family rounds: P - round(ratio * P). */
    static final int K = P - (int) Math.round(MASK_RATIO * P);
    static final double TRAIN_FLOP = trainFlop();

    private MaeTrainingBenchmark() {
    }

    /** Matrix-product FLOPs of one pre-norm block on T tokens of width d: qkv, projection, attention, MLP. */
    static double blockFlop(double t, double d) {
        return 2 * t * d * 3 * d + 2 * t * d * d + 2 * 2 * t * t * d + 2 * 2 * t * d * MLP * d;
    }

    /**
     * Training FLOPs per sample from the matrix products: the patch embedding of all P patches, the encoder on the
     * K visible ones, the decoder embedding, the decoder on all P, the head; three times the forward (weight and
     * input gradients) less the patch embedding's unneeded input gradient. The graph's one-hot selection products
     * (its gather) are not counted.
     */
    static double trainFlop() {
        double embed = 2.0 * P * PD * EMBED;
        double forward = embed + DEPTH * blockFlop(K, EMBED) + 2.0 * K * EMBED * DEC + DEC_DEPTH * blockFlop(P, DEC)
                + 2.0 * P * DEC * PD;
        return 3 * forward - embed;
    }

    public static void main(String[] args) throws Exception {
        int rounds = Integer.getInteger("bench.rounds", 9);
        int threads = Integer.getInteger("bench.threads", 2);
        float[] images = DenseAutoencoderBenchmark.loadImages(IMAGES);
        System.out.printf(Locale.ROOT, "MAE (mae family: patch %d, %d patches, %d visible, encoder %d x %d blocks, "
                + "decoder %d x %d block), %d Fashion-MNIST images, batch %d, %.2f MFLOP per training sample, "
                + "%d threads, %d measured rounds (+1 warm-up)%n", PATCH, P, K, EMBED, DEPTH, DEC, DEC_DEPTH, IMAGES,
                BATCH, TRAIN_FLOP / 1e6, threads, rounds);
        Masks masks = new Masks(images);
        try (OrtExecutor executor = new OrtExecutor(ExecutorSettings.defaults().withThreads(threads, 1));
             OrtSide ort = new OrtSide(executor, masks);
             DjlSide djl = new DjlSide(masks);
             DenseAutoencoderBenchmark.Sgemm sgemm = new DenseAutoencoderBenchmark.Sgemm(executor)) {
            PairedTraining.run(ort, djl, sgemm, rounds, BATCH, TRAIN_FLOP);
        }
    }

    /**
     * One round's data for both systems: the images in a shuffled order, one random mask per image (K visible
     * patches), as the pixel mask the family reads and as the indices the PyTorch model gathers with.
     */
    static final class Masks {
        final float[] images;
        final SplittableRandom rng = new SplittableRandom(11);
        final int[] order = new int[IMAGES];
        final float[] x = new float[IMAGES * 784];
        final float[] visible = new float[IMAGES * 784];
        /** Visible patch indices per image, ascending. */
        final long[] keep = new long[IMAGES * K];
        /** Position of each patch in [visible..., hidden...], to put decoder tokens back in patch order. */
        final long[] restore = new long[IMAGES * P];
        /** 1 for hidden patches. */
        final float[] hidden = new float[IMAGES * P];

        Masks(float[] images) {
            this.images = images;
            for (int i = 0; i < IMAGES; i++) {
                order[i] = i;
            }
        }

        void next() {
            ShuffledBatches.shuffle(rng, order);
            int[] patches = new int[P];
            for (int i = 0; i < IMAGES; i++) {
                System.arraycopy(images, order[i] * 784, x, i * 784, 784);
                for (int p = 0; p < P; p++) {
                    patches[p] = p;
                }
                ShuffledBatches.shuffle(rng, patches);
                int[] shown = Arrays.copyOf(patches, K);
                Arrays.sort(shown);
                boolean[] isShown = new boolean[P];
                for (int j = 0; j < K; j++) {
                    isShown[shown[j]] = true;
                    keep[i * K + j] = shown[j];
                    restore[i * P + shown[j]] = j;
                }
                int slot = K;
                for (int p = 0; p < P; p++) {
                    hidden[i * P + p] = isShown[p] ? 0 : 1;
                    if (!isShown[p]) {
                        restore[i * P + p] = slot++;
                    }
                    int row = p / SIDE;
                    int col = p % SIDE;
                    for (int dy = 0; dy < PATCH; dy++) {
                        Arrays.fill(visible, i * 784 + (row * PATCH + dy) * 28 + col * PATCH,
                                i * 784 + (row * PATCH + dy) * 28 + col * PATCH + PATCH, isShown[p] ? 1f : 0f);
                    }
                }
            }
        }
    }

    /** The graph engine: the mae family's training graph, the masked MSE, Adam, run by the Trainer in order. */
    static final class OrtSide extends PairedTraining.TrainerSide {
        final Masks masks;

        OrtSide(OrtExecutor executor, Masks masks) {
            super(executor, model(), "bench-mae-train");
            this.masks = masks;
        }

        private static TrainStepModel model() {
            Graph g = Graph.create(1);
            Tensor x = g.input("x", org.hourglass.graph.Shape.batchOf(28, 28));
            Tensor visible = g.input("visible", org.hourglass.graph.Shape.batchOf(28, 28));
            // As the pipeline does: the family gets the masked input and the mask; the loss counts hidden pixels.
            FamilyOutputs out = MaeBenchmarkGraph.build(new BenchmarkContext(g, Ops.mul(x, visible),
                    InputSpec.of(28, 28), EMBED, visible), PATCH, MASK_RATIO, EMBED, DEPTH, HEADS, DEC, DEC_DEPTH,
                    DEC_HEADS, MLP);
            Tensor d = ShapeOps.flatten(Ops.sub(out.reconstruction(), x), 1);
            Tensor weights = ShapeOps.flatten(Ops.sub(1.0, visible), 1);
            Tensor perSample = Ops.div(Ops.reduceSum(Ops.mul(Ops.mul(d, d), weights), false, 1),
                    Ops.reduceSum(weights, false, 1));
            return TrainStep.builder(g).loss(Ops.mean(perSample)).optimizer(Optimizer.adam()).build();
        }

        @Override
        TrainingResult fitEpoch() {
            // The round's new order and masks, drawn before the timed fit; PyTorch's epoch, next, reads the same.
            masks.next();
            TrainingData data = TrainingData.of(Map.of("x", masks.x, "visible", masks.visible), IMAGES);
            // The order is the round's shuffle in Masks, shared with PyTorch: no second shuffle here.
            return trainer.fit(data, new TrainingConfig(1, BATCH, LearningRate.constant(LR), 17, false, true),
                    TrainingListener.none());
        }
    }

    /**
     * The same model in PyTorch through DJL, written the way the MAE reference code is: patchify by reshape and
     * permute, patch embedding of all patches, gather of the visible tokens by index, pre-norm blocks (torch's
     * layer norm and linear, attention from batched matrix products and softmax, torch's GELU), mask tokens
     * appended and the decoder tokens put back in patch order by a gather. Parameters as NDArrays, forward and
     * backward in a gradient collector, DJL's Adam update per parameter.
     */
    static final class DjlSide extends PairedTraining.TorchSide {
        final Masks masks;
        final Dense patchEmbed;
        final NDArray encoderPositions;
        final List<Block> encoder = new ArrayList<>();
        final Norm encoderNorm;
        final Dense decoderEmbed;
        final NDArray maskToken;
        final NDArray decoderPositions;
        final List<Block> decoder = new ArrayList<>();
        final Norm decoderNorm;
        final Dense head;

        record Dense(NDArray weight, NDArray bias) {
            NDArray apply(NDArray x) {
                return Linear.linear(x, weight, bias).singletonOrThrow();
            }
        }

        record Norm(NDArray scale, NDArray shift) {
            NDArray apply(NDArray x) {
                return LayerNorm.layerNorm(x, new Shape(scale.getShape().get(0)), scale, shift, 1e-6f)
                        .singletonOrThrow();
            }
        }

        record Block(int heads, Norm norm1, Dense qkv, Dense proj, Norm norm2, Dense fc1, Dense fc2) {
            NDArray apply(NDArray x) {
                long b = x.getShape().get(0);
                long t = x.getShape().get(1);
                long d = x.getShape().get(2);
                long dh = d / heads;
                NDList parts = qkv.apply(norm1.apply(x)).split(3, 2);
                NDArray[] qkvHeads = new NDArray[3];
                for (int i = 0; i < 3; i++) {
                    qkvHeads[i] = parts.get(i).reshape(b, t, heads, dh).transpose(0, 2, 1, 3);
                }
                NDArray scores = qkvHeads[0].matMul(qkvHeads[1].transpose(0, 1, 3, 2)).mul((float) (1 / Math.sqrt(dh)));
                NDArray mixed = scores.softmax(-1).matMul(qkvHeads[2]).transpose(0, 2, 1, 3).reshape(b, t, d);
                NDArray h = x.add(proj.apply(mixed));
                return h.add(fc2.apply(Activation.gelu(fc1.apply(norm2.apply(h)))));
            }
        }

        DjlSide(Masks masks) {
            super(LR, IMAGES / BATCH, BATCH);
            this.masks = masks;
            patchEmbed = dense("encoder/patch_embed", PD, EMBED);
            encoderPositions = positions(EMBED);
            for (int i = 1; i <= DEPTH; i++) {
                encoder.add(block("encoder/block" + i, EMBED, HEADS));
            }
            encoderNorm = norm("encoder/norm", EMBED);
            decoderEmbed = dense("decoder/embed", EMBED, DEC);
            maskToken = param("decoder/mask_token", manager.randomNormal(0, 0.02f, new Shape(DEC), ai.djl.ndarray
                    .types.DataType.FLOAT32));
            decoderPositions = positions(DEC);
            for (int i = 1; i <= DEC_DEPTH; i++) {
                decoder.add(block("decoder/block" + i, DEC, DEC_HEADS));
            }
            decoderNorm = norm("decoder/norm", DEC);
            head = dense("decoder/head", DEC, PD);
        }

        private Dense dense(String name, long in, long out) {
            float bound = (float) Math.sqrt(6.0 / (in + out));
            return new Dense(param(name + "/weight", manager.randomUniform(-bound, bound, new Shape(out, in))),
                    param(name + "/bias", manager.zeros(new Shape(out))));
        }

        private Norm norm(String name, long dim) {
            return new Norm(param(name + "/scale", manager.ones(new Shape(dim))),
                    param(name + "/bias", manager.zeros(new Shape(dim))));
        }

        private Block block(String name, long dim, int heads) {
            return new Block(heads, norm(name + "/norm1", dim), dense(name + "/qkv", dim, 3 * dim),
                    dense(name + "/proj", dim, dim), norm(name + "/norm2", dim), dense(name + "/fc1", dim, MLP * dim),
                    dense(name + "/fc2", MLP * dim, dim));
        }

        private NDArray positions(long dim) {
            double[] v = MaeBenchmarkGraph.sinCosPositions(SIDE, SIDE, dim);
            float[] f = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                f[i] = (float) v[i];
            }
            return manager.create(f, new Shape(P, dim));
        }

        NDArray loss(NDArray x, NDArray keep, NDArray restore, NDArray hidden) {
            long b = x.getShape().get(0);
            NDArray patches = x.reshape(b, 1, SIDE, PATCH, SIDE, PATCH).transpose(0, 2, 4, 1, 3, 5).reshape(b, P, PD);
            NDArray tokens = patchEmbed.apply(patches).add(encoderPositions);
            NDArray h = tokens.gather(keep.reshape(b, K, 1).broadcast(b, K, EMBED), 1);
            for (Block blk : encoder) {
                h = blk.apply(h);
            }
            NDArray shown = decoderEmbed.apply(encoderNorm.apply(h));
            NDArray full = shown.concat(maskToken.broadcast(b, P - K, DEC), 1)
                    .gather(restore.reshape(b, P, 1).broadcast(b, P, DEC), 1).add(decoderPositions);
            for (Block blk : decoder) {
                full = blk.apply(full);
            }
            NDArray predicted = head.apply(decoderNorm.apply(full));
            NDArray perPatch = predicted.sub(patches).square().mean(new int[] {2});
            return perPatch.mul(hidden).sum().div((float) (b * (P - K)));
        }

        @Override
        NDList inputs(NDManager sub, int s) {
            return new NDList(sub.create(Arrays.copyOfRange(masks.x, s * BATCH * 784, (s + 1) * BATCH * 784),
                    new Shape(BATCH, 784)),
                    sub.create(Arrays.copyOfRange(masks.keep, s * BATCH * K, (s + 1) * BATCH * K),
                            new Shape(BATCH, K)),
                    sub.create(Arrays.copyOfRange(masks.restore, s * BATCH * P, (s + 1) * BATCH * P),
                            new Shape(BATCH, P)),
                    sub.create(Arrays.copyOfRange(masks.hidden, s * BATCH * P, (s + 1) * BATCH * P),
                            new Shape(BATCH, P)));
        }

        @Override
        NDArray loss(NDList in) {
            return loss(in.get(0), in.get(1), in.get(2), in.get(3));
        }
    }
}
