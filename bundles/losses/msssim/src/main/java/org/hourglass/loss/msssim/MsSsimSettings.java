package org.hourglass.loss.msssim;

import java.util.Arrays;

/**
 * The ms-ssim loss's configuration as checked values (the component converts its Config to this).
 *
 * @param windowSize   side of the square Gaussian window, odd
 * @param sigma        standard deviation of the Gaussian window in pixels
 * @param scaleWeights exponent of each scale's term, finest first; its length is the number of scales
 * @param dataRange    L, the range of the pixel values: C1 = (0.01 L)², C2 = (0.03 L)²
 * @param alpha        weight of 1 - MS-SSIM in the loss; 1 - alpha goes to the (mask-aware) L1 term
 * @param imageShape   empty (the input's own shape), [H, W] or [C, H, W] for flat inputs
 */
record MsSsimSettings(int windowSize, double sigma, double[] scaleWeights, double dataRange, double alpha,
                      long[] imageShape) {

    /** The weights of Wang, Simoncelli and Bovik (2003) for five scales, finest first. */
    static final double[] CLASSIC_WEIGHTS = {0.0448, 0.2856, 0.3001, 0.2363, 0.1333};

    MsSsimSettings {
        if (windowSize < 1 || windowSize % 2 == 0) {
            throw new IllegalArgumentException("window.size must be an odd number >= 1, was " + windowSize);
        }
        if (!(sigma > 0) || Double.isInfinite(sigma)) {
            throw new IllegalArgumentException("sigma must be a finite number > 0, was " + sigma);
        }
        if (scaleWeights.length == 0) {
            throw new IllegalArgumentException("scales must be >= 1");
        }
        double sum = 0;
        for (double w : scaleWeights) {
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException("scale.weights must be finite and >= 0, were "
                        + Arrays.toString(scaleWeights));
            }
            sum += w;
        }
        if (!(sum > 0)) {
            throw new IllegalArgumentException("scale.weights must not all be 0, were " + Arrays.toString(scaleWeights));
        }
        if (!(dataRange > 0) || Double.isInfinite(dataRange)) {
            throw new IllegalArgumentException("data.range must be a finite number > 0, was " + dataRange);
        }
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must be in [0, 1], was " + alpha);
        }
        if (imageShape.length != 0 && imageShape.length != 2 && imageShape.length != 3) {
            throw new IllegalArgumentException("image.shape must be empty, [H, W] or [C, H, W], was "
                    + Arrays.toString(imageShape));
        }
        for (long d : imageShape) {
            if (d <= 0) {
                throw new IllegalArgumentException("image.shape must have dimensions > 0, was "
                        + Arrays.toString(imageShape));
            }
        }
        scaleWeights = scaleWeights.clone();
        imageShape = imageShape.clone();
    }

    int scales() {
        return scaleWeights.length;
    }

    @Override
    public double[] scaleWeights() {
        return scaleWeights.clone();
    }

    @Override
    public long[] imageShape() {
        return imageShape.clone();
    }

    /**
     * The weights for {@code scales} scales: {@code configured} when given (its length must be {@code scales}),
     * otherwise the first {@code scales} classic weights renormalised to sum to 1.
     */
    static double[] weights(int scales, double[] configured) {
        if (scales < 1) {
            throw new IllegalArgumentException("scales must be >= 1, was " + scales);
        }
        if (configured.length > 0) {
            if (configured.length != scales) {
                throw new IllegalArgumentException("scale.weights has " + configured.length + " entries but scales is "
                        + scales);
            }
            return configured.clone();
        }
        if (scales > CLASSIC_WEIGHTS.length) {
            throw new IllegalArgumentException("scales " + scales + " is more than the " + CLASSIC_WEIGHTS.length
                    + " classic weights: give scale.weights");
        }
        double sum = 0;
        for (int i = 0; i < scales; i++) {
            sum += CLASSIC_WEIGHTS[i];
        }
        double[] w = new double[scales];
        for (int i = 0; i < scales; i++) {
            w[i] = CLASSIC_WEIGHTS[i] / sum;
        }
        return w;
    }

    static MsSsimSettings of(MsSsimLoss.Config c) {
        return new MsSsimSettings(c.window_size(), c.sigma(), weights(c.scales(), c.scale_weights()), c.data_range(),
                c.alpha(), Arrays.stream(c.image_shape()).asLongStream().toArray());
    }

    /** The defaults of {@link MsSsimLoss.Config}: 3 scales of a 7-pixel window, sigma 1.5, pure MS-SSIM. */
    static MsSsimSettings defaults() {
        return new MsSsimSettings(7, 1.5, weights(3, new double[0]), 1.0, 1.0, new long[0]);
    }

    /** The normalised 1-D Gaussian window. */
    double[] window() {
        double[] g = new double[windowSize];
        int c = windowSize / 2;
        double sum = 0;
        for (int i = 0; i < windowSize; i++) {
            g[i] = Math.exp(-((i - c) * (double) (i - c)) / (2 * sigma * sigma));
            sum += g[i];
        }
        for (int i = 0; i < windowSize; i++) {
            g[i] /= sum;
        }
        return g;
    }
}
