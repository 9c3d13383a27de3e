package org.hourglass.family.conv;

import java.util.Arrays;
import java.util.Map;
import org.hourglass.graph.ConvOptions;
import org.hourglass.graph.Graph;
import org.hourglass.graph.Layers.Activation;
import org.hourglass.graph.Init;
import org.hourglass.graph.Shape;
import org.hourglass.graph.Tensor;
import org.hourglass.graph.ConvOps;
import org.hourglass.graph.Layers;
import org.hourglass.graph.ShapeOps;
import org.hourglass.spi.FamilyContext;
import org.hourglass.spi.FamilyOutputs;

/**
 * Builds the convolutional encoder, dense bottleneck and mirrored transposed-convolution decoder; plain code,
 * testable without a framework.
 *
 * <p>Every encoder convolution has stride 2 and padding 1, so a side {@code n} becomes {@code ceil(n/2)} (kernel 3)
 * or {@code floor(n/2)} (kernel 4). Each decoder layer undoes one of them exactly: its output padding (0 or 1) is
 * chosen from the size the encoder saw, so odd sizes (28 → 14 → 7 → 14 → 28, 17 → 9 → 5 → 9 → 17) come back
 * unchanged without cropping.
 */
final class ConvNetwork {

    private static final long STRIDE = 2;
    private static final long PAD = 1;

    private ConvNetwork() {
    }

    /** [C, H, W] of one sample. */
    static long[] imageShape(long[] sample) {
        if (sample.length == 2) {
            return new long[] {1, sample[0], sample[1]};
        }
        if (sample.length == 3) {
            return sample.clone();
        }
        throw new IllegalArgumentException("conv: needs image samples [H, W] or [C, H, W], the data has "
                + Arrays.toString(sample) + " (set the pipeline's input.shape for flat data)");
    }

    static FamilyOutputs build(ConvSettings s, FamilyContext ctx) {
        Graph g = ctx.graph();
        long[] chw = imageShape(ctx.inputSpec().sampleShape());
        long[] channels = s.channels();
        int layers = channels.length;
        long k = s.kernelSize();
        // Spatial sizes seen by each encoder layer, and the last layer's output.
        long[] hs = new long[layers + 1];
        long[] ws = new long[layers + 1];
        hs[0] = chw[1];
        ws[0] = chw[2];
        for (int i = 0; i < layers; i++) {
            hs[i + 1] = Math.floorDiv(hs[i] + 2 * PAD - k, STRIDE) + 1;
            ws[i + 1] = Math.floorDiv(ws[i] + 2 * PAD - k, STRIDE) + 1;
            if (hs[i + 1] < 1 || ws[i + 1] < 1) {
                throw new IllegalArgumentException("conv: images of " + chw[1] + "x" + chw[2] + " are too small for "
                        + layers + " stride-2 convolutions (channels " + Arrays.toString(channels) + ")");
            }
        }
        Init hidden = s.activation() == Activation.RELU || s.activation() == Activation.GELU ? Init.heUniform()
                : Init.xavierUniform(1.0);
        ConvOptions down = ConvOptions.defaults().stride(STRIDE).padding(PAD);

        Tensor h = ShapeOps.reshape(ctx.input(), -1, chw[0], chw[1], chw[2]);
        long in = chw[0];
        for (int i = 0; i < layers; i++) {
            try (Graph.Scope scope = g.scope("encoder/conv" + (i + 1))) {
                Tensor w = g.param("weight", Shape.of(channels[i], in, k, k), hidden);
                Tensor b = g.param("bias", Shape.of(channels[i]), Init.zeros());
                h = Layers.activate(ConvOps.conv2d(h, w, b, down), s.activation());
            }
            in = channels[i];
        }
        long bottleneck = channels[layers - 1] * hs[layers] * ws[layers];
        Tensor latent = Layers.linear("encoder/latent", ShapeOps.flatten(h, 1), ctx.latentSize(), Init.xavierUniform(1.0));

        h = Layers.activate(Layers.linear("decoder/fc", latent, bottleneck, hidden), s.activation());
        h = ShapeOps.reshape(h, -1, channels[layers - 1], hs[layers], ws[layers]);
        Tensor beforeLast = null;
        ConvOptions lastUp = null;
        for (int i = layers - 1; i >= 0; i--) {
            long out = i == 0 ? chw[0] : channels[i - 1];
            boolean last = i == 0;
            // Output size of a stride-2 transposed convolution: 2 (n - 1) + k - 2 pad + output padding.
            long oh = hs[i] - (STRIDE * (hs[i + 1] - 1) + k - 2 * PAD);
            long ow = ws[i] - (STRIDE * (ws[i + 1] - 1) + k - 2 * PAD);
            ConvOptions up = ConvOptions.defaults().stride(STRIDE).padding(PAD).outputPadding(oh, ow);
            if (last) {
                beforeLast = h;
                lastUp = up;
            }
            try (Graph.Scope scope = g.scope("decoder/deconv" + (layers - i))) {
                Tensor w = g.param("weight", Shape.of(channels[i], out, k, k), last ? Init.xavierUniform(1.0) : hidden);
                Tensor b = g.param("bias", Shape.of(out), Init.zeros());
                h = Layers.activate(ConvOps.convTranspose2d(h, w, b, up), last ? s.outputActivation() : s.activation());
            }
        }
        Tensor reconstruction = ShapeOps.reshape(h, ctx.inputSpec().batchShape());
        if (!s.varianceHead()) {
            return FamilyOutputs.of(latent, reconstruction);
        }
        // A second last layer from the same features predicts the per-pixel variance.
        Tensor raw;
        try (Graph.Scope scope = g.scope("decoder/variance")) {
            Tensor w = g.param("weight", Shape.of(channels[0], chw[0], k, k), Init.xavierUniform(1.0));
            Tensor b = g.param("bias", Shape.of(chw[0]), Init.zeros());
            raw = ConvOps.convTranspose2d(beforeLast, w, b, lastUp);
        }
        return new FamilyOutputs(latent, reconstruction, Map.of(), Map.of(FamilyOutputs.LOG_VARIANCE,
                ShapeOps.reshape(FamilyOutputs.varianceHead(g, raw), ctx.inputSpec().batchShape())));
    }
}
