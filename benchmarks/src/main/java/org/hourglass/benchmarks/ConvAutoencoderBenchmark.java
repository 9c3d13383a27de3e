package org.hourglass.benchmarks;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import java.util.Locale;
import org.hourglass.executor.internal.ExecutorSettings;
import org.hourglass.executor.internal.OrtExecutor;
import org.hourglass.family.conv.ConvBenchmarkGraph;
import org.hourglass.graph.Graph;
import org.hourglass.graph.Ops;
import org.hourglass.graph.Optimizer;
import org.hourglass.graph.Tensor;
import org.hourglass.graph.TrainStep;
import org.hourglass.graph.TrainStepModel;
import org.hourglass.spi.FamilyOutputs;
import org.hourglass.spi.InputSpec;
import org.hourglass.training.TrainingConfig;
import org.hourglass.training.TrainingData;
import org.hourglass.training.TrainingListener;
import org.hourglass.training.TrainingResult;

/**
 * Convolutional autoencoder training on 28x28 Fashion-MNIST (batch 256, MSE, Adam 1e-3): samples/s of the graph
 * engine's train step on ONNX Runtime against the same model in PyTorch (libtorch through DJL), same threads,
 * interleaved round by round in one process; medians, paired ratios, share of the SGEMM ceiling.
 *
 * <p>The model is the {@code conv} family's default instance, built by the family's own code: Conv 1->16 and
 * 16->32 (3x3, stride 2, padding 1, ReLU; 28 -> 14 -> 7), a dense latent of 32 (the pipeline's default latent size),
 * a dense layer back to 32x7x7 (ReLU), ConvTranspose 32->16 (ReLU) and 16->1 (sigmoid), each 3x3, stride 2, padding
 * 1, output padding 1 (7 -> 14 -> 28).
 */
public final class ConvAutoencoderBenchmark {

    static final int IMAGES = 10240;
    static final int BATCH = 256;
    static final int LATENT = 32;
    static final double LR = 1e-3;
    static final Shape S2 = new Shape(2, 2);
    static final Shape P1 = new Shape(1, 1);
    /** Multiply-adds per sample of each convolution and dense layer, forward. */
    static final double[] LAYER_MACS = {
        14 * 14 * 16 * 1 * 9, // conv1: output pixels x out channels x in channels x kernel
        7 * 7 * 32 * 16 * 9, // conv2
        32 * 7 * 7 * LATENT, // latent
        LATENT * 32 * 7 * 7, // decoder fc
        7 * 7 * 32 * 16 * 9, // deconv1: input pixels x in channels x out channels x kernel
        14 * 14 * 16 * 1 * 9, // deconv2
    };
    /** Training FLOPs per sample: forward, weight gradients and input gradients (none for the first layer). */
    static final double TRAIN_FLOP = trainFlop();

    private ConvAutoencoderBenchmark() {
    }

    static double trainFlop() {
        double forward = 0;
        for (double m : LAYER_MACS) {
            forward += 2 * m;
        }
        return 3 * forward - 2 * LAYER_MACS[0];
    }

    public static void main(String[] args) throws Exception {
        int rounds = Integer.getInteger("bench.rounds", 15);
        int threads = Integer.getInteger("bench.threads", 2);
        float[] images = DenseAutoencoderBenchmark.loadImages(IMAGES);
        System.out.printf(Locale.ROOT, "Conv AE (conv family defaults: 16, 32 channels, 3x3 stride 2, latent %d), "
                + "%d Fashion-MNIST images 28x28, batch %d, %.2f MFLOP per training sample, %d threads, %d measured "
                + "rounds (+1 warm-up)%n", LATENT, IMAGES, BATCH, TRAIN_FLOP / 1e6, threads, rounds);
        try (OrtExecutor executor = new OrtExecutor(ExecutorSettings.defaults().withThreads(threads, 1));
             OrtSide ort = new OrtSide(executor, images);
             DjlSide djl = new DjlSide(images);
             DenseAutoencoderBenchmark.Sgemm sgemm = new DenseAutoencoderBenchmark.Sgemm(executor)) {
            PairedTraining.run(ort, djl, sgemm, rounds, BATCH, TRAIN_FLOP);
        }
    }

    /** The graph engine: the conv family's graph, MSE, Adam, run by the Trainer. */
    static final class OrtSide extends PairedTraining.TrainerSide {
        final TrainingData data;
        int epoch;

        OrtSide(OrtExecutor executor, float[] images) {
            super(executor, model(), "bench-conv-train");
            data = TrainingData.of("x", images, IMAGES);
        }

        private static TrainStepModel model() {
            Graph g = Graph.create(1);
            Tensor x = g.input("x", org.hourglass.graph.Shape.batchOf(28, 28));
            FamilyOutputs out = ConvBenchmarkGraph.buildDefault(new BenchmarkContext(g, x, InputSpec.of(28, 28),
                    LATENT, null));
            return TrainStep.builder(g).loss(Ops.mean(Ops.pow(Ops.sub(out.reconstruction(), x), 2))).optimizer(Optimizer.adam()).build();
        }

        @Override
        TrainingResult fitEpoch() {
            return trainer.fit(data, TrainingConfig.of(1, BATCH, LR, 17 + epoch++), TrainingListener.none());
        }
    }

    /**
     * The same model in PyTorch through DJL: parameters as NDArrays, forward and backward in a gradient collector,
     * DJL's Adam update per parameter. DJL's PyTorch engine has no transposed convolution ({@code Conv2dTranspose}
     * fails with "Not implemented"), so each one is computed exactly, with the same multiply-adds, as four stride-1
     * convolutions with the 1x1, 1x2, 2x1 and 2x2 sub-kernels of its four output phases, interleaved (checked
     * against a direct loop at start-up).
     */
    static final class DjlSide extends PairedTraining.TorchSide {
        final ShuffledBatches batches;
        final NDArray[] params;

        DjlSide(float[] images) {
            super(LR, IMAGES / BATCH, BATCH);
            batches = new ShuffledBatches(images, IMAGES, BATCH, 5);
            // Conv weights [out, in, k, k], transposed-conv weights [in, out, k, k] (both as in PyTorch and ONNX),
            // dense weights [out, in] for torch's linear; uniform in +-1/sqrt(fan-in), biases zero.
            params = new NDArray[] {
                param("conv1/w", uniform(9, 16, 1, 3, 3)), param("conv1/b", manager.zeros(new Shape(16))),
                param("conv2/w", uniform(16 * 9, 32, 16, 3, 3)), param("conv2/b", manager.zeros(new Shape(32))),
                param("latent/w", uniform(1568, LATENT, 1568)), param("latent/b", manager.zeros(new Shape(LATENT))),
                param("fc/w", uniform(LATENT, 1568, LATENT)), param("fc/b", manager.zeros(new Shape(1568))),
                param("deconv1/w", uniform(32 * 9, 32, 16, 3, 3)), param("deconv1/b", manager.zeros(new Shape(16))),
                param("deconv2/w", uniform(16 * 9, 16, 1, 3, 3)), param("deconv2/b", manager.zeros(new Shape(1))),
            };
            checkTransposedConvolution();
        }

        private NDArray uniform(long fanIn, long... shape) {
            float bound = (float) (1 / Math.sqrt(fanIn));
            return manager.randomUniform(-bound, bound, new Shape(shape));
        }

        NDArray forward(NDArray x) {
            NDArray[] p = params;
            NDArray h = Conv2d.conv2d(x, p[0], p[1], S2, P1).singletonOrThrow().maximum(0f);
            h = Conv2d.conv2d(h, p[2], p[3], S2, P1).singletonOrThrow().maximum(0f);
            NDArray z = Linear.linear(h.reshape(-1, 1568), p[4], p[5]).singletonOrThrow();
            h = Linear.linear(z, p[6], p[7]).singletonOrThrow().maximum(0f).reshape(-1, 32, 7, 7);
            h = transposedConvolution(h, p[8], p[9]).maximum(0f);
            return Activation.sigmoid(transposedConvolution(h, p[10], p[11]));
        }

        /**
         * ConvTranspose with kernel 3, stride 2, padding 1, output padding 1 ({@code [N, in, H, W] -> [N, out, 2H,
         * 2W]}): output row {@code 2m} takes input row {@code m} with kernel row 1; row {@code 2m + 1} takes rows
         * {@code m} and {@code m + 1} with kernel rows 2 and 0 (the same for columns). With the kernel flipped and
         * its channels swapped, each phase is a plain convolution with a slice of it.
         */
        static NDArray transposedConvolution(NDArray x, NDArray w, NDArray b) {
            long h = x.getShape().get(2);
            long wd = x.getShape().get(3);
            NDArray k = w.transpose(1, 0, 2, 3).flip(2, 3);
            NDArray padded = x.pad(new Shape(0, 1, 0, 1), 0); // one zero column right, one zero row below
            NDArray even = Conv2d.conv2d(x, k.get(":, :, 1:2, 1:2"), b).singletonOrThrow();
            NDArray evenOdd = Conv2d.conv2d(padded.get(":, :, :" + h + ", :"), k.get(":, :, 1:2, ::2"), b)
                    .singletonOrThrow();
            NDArray oddEven = Conv2d.conv2d(padded.get(":, :, :, :" + wd), k.get(":, :, ::2, 1:2"), b)
                    .singletonOrThrow();
            NDArray odd = Conv2d.conv2d(padded, k.get(":, :, ::2, ::2"), b).singletonOrThrow();
            // [N, out, H, W] x 4 -> [N, out, H, 2, W, 2] -> [N, out, 2H, 2W]
            NDArray rowsEven = NDArrays.stack(new NDList(even, evenOdd), 4);
            NDArray rowsOdd = NDArrays.stack(new NDList(oddEven, odd), 4);
            return NDArrays.stack(new NDList(rowsEven, rowsOdd), 3).reshape(-1, w.getShape().get(1), 2 * h, 2 * wd);
        }

        /** Compares {@link #transposedConvolution} with a direct loop over the definition. */
        private void checkTransposedConvolution() {
            int n = 2;
            int in = 3;
            int out = 2;
            int h = 4;
            int wd = 5;
            try (NDManager m = manager.newSubManager()) {
                NDArray x = m.randomUniform(-1, 1, new Shape(n, in, h, wd));
                NDArray w = m.randomUniform(-1, 1, new Shape(in, out, 3, 3));
                NDArray b = m.randomUniform(-1, 1, new Shape(out));
                float[] got = transposedConvolution(x, w, b).toFloatArray();
                float[] xs = x.toFloatArray();
                float[] ws = w.toFloatArray();
                float[] bs = b.toFloatArray();
                int oh = 2 * h;
                int ow = 2 * wd;
                float[] want = new float[n * out * oh * ow];
                for (int s = 0; s < n; s++) {
                    for (int co = 0; co < out; co++) {
                        for (int i = 0; i < oh * ow; i++) {
                            want[(s * out + co) * oh * ow + i] = bs[co];
                        }
                        for (int ci = 0; ci < in; ci++) {
                            for (int iy = 0; iy < h; iy++) {
                                for (int ix = 0; ix < wd; ix++) {
                                    for (int ky = 0; ky < 3; ky++) {
                                        for (int kx = 0; kx < 3; kx++) {
                                            int oy = 2 * iy - 1 + ky;
                                            int ox = 2 * ix - 1 + kx;
                                            if (oy >= 0 && oy < oh && ox >= 0 && ox < ow) {
                                                want[((s * out + co) * oh + oy) * ow + ox] +=
                                                        xs[((s * in + ci) * h + iy) * wd + ix]
                                                                * ws[((ci * out + co) * 3 + ky) * 3 + kx];
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                for (int i = 0; i < want.length; i++) {
                    if (Math.abs(want[i] - got[i]) > 1e-4) {
                        throw new IllegalStateException("transposed convolution differs at " + i + ": " + got[i]
                                + " instead of " + want[i]);
                    }
                }
            }
        }

        @Override
        public double trainEpoch() {
            batches.shuffle();
            return super.trainEpoch();
        }

        @Override
        NDList inputs(NDManager sub, int step) {
            return new NDList(sub.create(batches.batch(step), new Shape(BATCH, 1, 28, 28)));
        }

        @Override
        NDArray loss(NDList inputs) {
            NDArray x = inputs.singletonOrThrow();
            return forward(x).sub(x).square().mean();
        }
    }
}
