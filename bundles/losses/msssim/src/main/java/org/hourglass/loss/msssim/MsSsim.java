package org.hourglass.loss.msssim;

import java.util.Arrays;
import java.util.List;
import org.hourglass.graph.ConvOps;
import org.hourglass.graph.ConvOptions;
import org.hourglass.graph.Graph;
import org.hourglass.graph.HostTensor;
import org.hourglass.graph.Ops;
import org.hourglass.graph.Shape;
import org.hourglass.graph.ShapeOps;
import org.hourglass.graph.Tensor;

/**
 * Builds the per-sample loss {@code alpha (1 - MS-SSIM) + (1 - alpha) L1} into a graph; plain code, testable without
 * a framework.
 *
 * <p>MS-SSIM follows Wang, Simoncelli and Bovik (2003): at every scale the local means, variances and covariance
 * come from a Gaussian window (valid positions only, no padding); the contrast-structure term
 * {@code cs = (2 sxy + C2) / (sxx + syy + C2)} is averaged over the image at every scale but the coarsest, where the
 * full SSIM {@code l * cs} with {@code l = (2 mx my + C1) / (mx² + my² + C1)} is averaged instead; between scales
 * both images are downsampled by 2x2 average pooling (odd sizes drop the last row or column). The result is
 * {@code prod_j term_j ^ w_j}. A term can be negative at coarse scales (anti-correlated images), which a fractional
 * power cannot take: each term is clamped to at least {@value #MIN_TERM} before its power, so such scales count as
 * "no similarity" and pass no gradient. Channels are computed separately and averaged.
 *
 * <p>MS-SSIM has no per-pixel mask: weights (masking) apply to the L1 part only.
 */
final class MsSsim {

    /** Lower clamp of each scale's term before the fractional power. */
    static final double MIN_TERM = 1e-6;
    private static final double MIN_WEIGHT = 1e-6;

    private MsSsim() {
    }

    static Tensor perSample(Graph g, MsSsimSettings s, Tensor input, Tensor reconstruction, Tensor weights) {
        if (input.rank() != reconstruction.rank()) {
            throw new IllegalArgumentException("ms-ssim: reconstruction " + reconstruction.shape()
                    + " does not match input " + input.shape());
        }
        long[] chw = imageShape(s, input);
        Tensor loss = null;
        if (s.alpha() > 0) {
            Tensor similarity = msSsim(g, s, input, reconstruction, chw);
            loss = Ops.mul(Ops.sub(1.0, similarity), s.alpha());
        }
        if (s.alpha() < 1) {
            Tensor l1 = Ops.mul(l1(g, input, reconstruction, weights), 1 - s.alpha());
            loss = loss == null ? l1 : Ops.add(loss, l1);
        }
        return loss;
    }

    /** [C, H, W] of one sample: from image.shape for flat inputs, else from the input's shape. */
    static long[] imageShape(MsSsimSettings s, Tensor input) {
        long[] dims = input.shape().dims();
        long features = 1;
        for (int i = 1; i < dims.length; i++) {
            if (dims[i] == Shape.DYNAMIC) {
                throw new IllegalArgumentException("ms-ssim: input " + input.shape() + " needs static sample dimensions");
            }
            features *= dims[i];
        }
        long[] configured = s.imageShape();
        if (configured.length > 0) {
            long[] chw = configured.length == 2 ? new long[] {1, configured[0], configured[1]} : configured;
            if (chw[0] * chw[1] * chw[2] != features) {
                throw new IllegalArgumentException("ms-ssim: image.shape " + Arrays.toString(configured) + " has "
                        + chw[0] * chw[1] * chw[2] + " values but the input " + input.shape() + " has " + features
                        + " per sample");
            }
            return chw;
        }
        if (dims.length == 3) {
            return new long[] {1, dims[1], dims[2]};
        }
        if (dims.length == 4) {
            return new long[] {dims[1], dims[2], dims[3]};
        }
        throw new IllegalArgumentException("ms-ssim: input " + input.shape() + " is not an image [batch, H, W] or "
                + "[batch, C, H, W]; set image.shape (e.g. 28,28) for flat inputs");
    }

    /** MS-SSIM per sample, {@code [batch]}, of images of shape {@code chw}. */
    static Tensor msSsim(Graph g, MsSsimSettings s, Tensor input, Tensor reconstruction, long[] chw) {
        double[] weights = s.scaleWeights();
        long h = chw[1];
        long w = chw[2];
        for (int j = 0; j < weights.length; j++) {
            long hj = h >> j;
            long wj = w >> j;
            if (hj < s.windowSize() || wj < s.windowSize()) {
                throw new IllegalArgumentException("ms-ssim: images of " + h + "x" + w + " are too small for scales="
                        + weights.length + " with window.size=" + s.windowSize() + ": scale " + (j + 1) + " is " + hj
                        + "x" + wj + " (use fewer scales or a smaller window)");
            }
        }
        try (Graph.Scope scope = g.scope("ms-ssim")) {
            // Batch and channels together: every channel is an image of its own.
            Tensor x = ShapeOps.reshape(input, -1, 1, h, w);
            Tensor y = ShapeOps.reshape(reconstruction, -1, 1, h, w);
            double c1 = Math.pow(0.01 * s.dataRange(), 2);
            double c2 = Math.pow(0.03 * s.dataRange(), 2);
            Tensor[] window = windowConstants(g, s);
            Tensor product = null;
            for (int j = 0; j < weights.length; j++) {
                if (j > 0) {
                    x = halve(g, x);
                    y = halve(g, y);
                }
                boolean last = j == weights.length - 1;
                Tensor term = scale(g, x, y, window, c1, c2, last);
                Tensor powered = Ops.pow(Ops.clip(term, MIN_TERM, Double.MAX_VALUE), weights[j]);
                product = product == null ? powered : Ops.mul(product, powered);
            }
            return Ops.reduceMean(ShapeOps.reshape(product, -1, chw[0]), false, 1);
        }
    }

    /** The separable window as two grouped-convolution weights over the five statistics maps. */
    private static Tensor[] windowConstants(Graph g, MsSsimSettings s) {
        double[] k = s.window();
        int n = k.length;
        double[] five = new double[5 * n];
        for (int c = 0; c < 5; c++) {
            System.arraycopy(k, 0, five, c * n, n);
        }
        Tensor vertical = g.constant("window_v", HostTensor.of(g.floatType(), five, 5, 1, n, 1));
        Tensor horizontal = g.constant("window_h", HostTensor.of(g.floatType(), five.clone(), 5, 1, 1, n));
        return new Tensor[] {vertical, horizontal};
    }

    /** The mean of cs (or of SSIM = l * cs when {@code last}) over one scale's valid window positions: {@code [N]}. */
    private static Tensor scale(Graph g, Tensor x, Tensor y, Tensor[] window, double c1, double c2, boolean last) {
        Tensor maps = ShapeOps.concat(1, x, y, Ops.mul(x, x), Ops.mul(y, y), Ops.mul(x, y));
        ConvOptions depthwise = ConvOptions.defaults().groups(5);
        Tensor filtered = ConvOps.conv2d(ConvOps.conv2d(maps, window[0], null, depthwise), window[1], null, depthwise);
        List<Tensor> m = ShapeOps.split(filtered, 1, 1, 1, 1, 1, 1);
        Tensor mx = m.get(0);
        Tensor my = m.get(1);
        Tensor mxx = Ops.mul(mx, mx);
        Tensor myy = Ops.mul(my, my);
        Tensor mxy = Ops.mul(mx, my);
        Tensor sxx = Ops.sub(m.get(2), mxx);
        Tensor syy = Ops.sub(m.get(3), myy);
        Tensor sxy = Ops.sub(m.get(4), mxy);
        Tensor cs = Ops.div(Ops.add(Ops.mul(sxy, 2.0), c2), Ops.add(Ops.add(sxx, syy), c2));
        Tensor map = cs;
        if (last) {
            Tensor luminance = Ops.div(Ops.add(Ops.mul(mxy, 2.0), c1), Ops.add(Ops.add(mxx, myy), c1));
            map = Ops.mul(luminance, cs);
        }
        return Ops.reduceMean(map, false, 1, 2, 3);
    }

    /** 2x2 average pooling, stride 2. */
    private static Tensor halve(Graph g, Tensor x) {
        return ConvOps.avgPool2d(x, new long[] {2, 2}, ConvOptions.defaults().stride(2), false);
    }

    /** Mean absolute error per sample; with weights, over the weighted entries only. */
    static Tensor l1(Graph g, Tensor input, Tensor reconstruction, Tensor weights) {
        Tensor a = Ops.abs(ShapeOps.flatten(Ops.sub(reconstruction, input), 1));
        if (weights == null) {
            return Ops.reduceMean(a, false, 1);
        }
        Tensor wt = ShapeOps.flatten(weights, 1);
        Tensor total = Ops.reduceSum(Ops.mul(a, wt), false, 1);
        Tensor count = Ops.reduceSum(wt, false, 1);
        return Ops.div(total, Ops.clip(count, MIN_WEIGHT, Double.MAX_VALUE));
    }
}
