package org.hourglass.benchmarks;

import java.util.SplittableRandom;

/**
 * 28x28 images in a new random order each epoch, copied batch by batch into one buffer: the input side of the
 * PyTorch training loops.
 */
final class ShuffledBatches {

    static final int PIXELS = 784;

    private final float[] images;
    private final int[] order;
    private final SplittableRandom rng;
    private final int batchSize;
    private final float[] batch;

    ShuffledBatches(float[] images, int count, int batchSize, long seed) {
        this.images = images;
        this.batchSize = batchSize;
        rng = new SplittableRandom(seed);
        order = new int[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        batch = new float[batchSize * PIXELS];
    }

    /** A new order for the next epoch. */
    void shuffle() {
        shuffle(rng, order);
    }

    /** The images of batch {@code step} in the current order, in a buffer the next call overwrites. */
    float[] batch(int step) {
        for (int r = 0; r < batchSize; r++) {
            System.arraycopy(images, order[step * batchSize + r] * PIXELS, batch, r * PIXELS, PIXELS);
        }
        return batch;
    }

    /** Fisher-Yates shuffle of {@code a} in place. */
    static void shuffle(SplittableRandom rng, int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
