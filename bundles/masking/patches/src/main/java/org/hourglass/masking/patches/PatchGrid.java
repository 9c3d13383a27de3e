package org.hourglass.masking.patches;

import java.util.Arrays;
import org.hourglass.spi.InputSpec;

/**
 * How a sample splits into square patches: images {@code [H, W]} or {@code [C, H, W]} into a
 * {@code rows x cols} grid of {@code patch x patch} squares shared by all channels; flat samples {@code [n]} into a
 * {@code 1 x n} grid of single features (the patch size does not apply to them).
 */
public final class PatchGrid {

    private final int channels;
    private final int height;
    private final int width;
    private final int patch;
    private final int rows;
    private final int cols;

    private PatchGrid(int channels, int height, int width, int patch) {
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.patch = patch;
        this.rows = height / patch;
        this.cols = width / patch;
    }

    /**
     * The grid of {@code spec}'s samples for patches of side {@code patchSize}; fails, naming {@code owner}, when
     * the sample has more than three dimensions or the patch size does not divide the image.
     */
    public static PatchGrid of(InputSpec spec, int patchSize, String owner) {
        long[] s = spec.sampleShape();
        if (patchSize < 1) {
            throw new IllegalArgumentException(owner + ": patch.size must be >= 1, was " + patchSize);
        }
        switch (s.length) {
            case 1:
                return new PatchGrid(1, 1, Math.toIntExact(s[0]), 1);
            case 2:
                return image(1, s[0], s[1], patchSize, owner);
            case 3:
                return image(s[0], s[1], s[2], patchSize, owner);
            default:
                throw new IllegalArgumentException(owner + ": masks samples [n], [H, W] or [C, H, W], the data has "
                        + Arrays.toString(s));
        }
    }

    private static PatchGrid image(long c, long h, long w, int p, String owner) {
        if (h % p != 0 || w % p != 0) {
            throw new IllegalArgumentException(owner + ": patch.size " + p + " does not divide the " + h + "x" + w
                    + " images; use a common divisor of height and width" + divisors(h, w));
        }
        return new PatchGrid(Math.toIntExact(c), Math.toIntExact(h), Math.toIntExact(w), p);
    }

    private static String divisors(long h, long w) {
        StringBuilder b = new StringBuilder();
        for (long d = 1; d <= Math.min(h, w); d++) {
            if (h % d == 0 && w % d == 0) {
                b.append(b.length() == 0 ? " (" : ", ").append(d);
            }
        }
        return b.append(')').toString();
    }

    /** Patches per sample. */
    public int patches() {
        return rows * cols;
    }

    /** Patch rows (1 for flat samples). */
    public int rows() {
        return rows;
    }

    /** Patch columns. */
    public int cols() {
        return cols;
    }

    /** Side of a patch in values (1 for flat samples). */
    public int patch() {
        return patch;
    }

    /** Values per sample. */
    public int features() {
        return channels * height * width;
    }

    /**
     * Patches to hide per sample: {@code round(ratio * patches)}, the same for every sample and every strategy.
     * Fails, naming {@code owner}, when that leaves no patch visible or none hidden.
     */
    public int hiddenCount(double ratio, String owner) {
        long hidden = Math.round(ratio * patches());
        if (hidden < 1 || hidden >= patches()) {
            throw new IllegalArgumentException(owner + ": mask.ratio " + ratio + " of " + patches()
                    + " patches per sample hides " + hidden + "; a mask needs at least one hidden and one visible "
                    + "patch (use a smaller patch.size or another ratio)");
        }
        return (int) hidden;
    }

    /**
     * Writes sample {@code sample}'s element mask into {@code visible} (1 = shown, 0 = hidden) from its patch mask
     * ({@code hidden[row * cols + col]}), identical across channels.
     */
    public void write(boolean[] hidden, float[] visible, int sample) {
        int o = sample * features();
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < height; y++) {
                int rowBase = (y / patch) * cols;
                for (int x = 0; x < width; x++) {
                    visible[o++] = hidden[rowBase + x / patch] ? 0f : 1f;
                }
            }
        }
    }

    /**
     * Reads sample {@code sample}'s patch mask back from an element mask (true = hidden), from the first value of
     * each patch in the first channel.
     */
    public boolean[] hiddenPatches(float[] visible, int sample) {
        boolean[] hidden = new boolean[patches()];
        int o = sample * features();
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                hidden[r * cols + c] = visible[o + r * patch * width + c * patch] == 0f;
            }
        }
        return hidden;
    }

    /** Number of 4-connected groups of hidden patches: 1 for a single block, up to the count for scattered ones. */
    public int hiddenComponents(boolean[] hidden) {
        boolean[] seen = new boolean[patches()];
        int[] stack = new int[patches()];
        int components = 0;
        for (int start = 0; start < hidden.length; start++) {
            if (!hidden[start] || seen[start]) {
                continue;
            }
            components++;
            int top = 0;
            stack[top++] = start;
            seen[start] = true;
            while (top > 0) {
                int p = stack[--top];
                int r = p / cols;
                int c = p % cols;
                int[] next = {r > 0 ? p - cols : -1, r < rows - 1 ? p + cols : -1, c > 0 ? p - 1 : -1,
                        c < cols - 1 ? p + 1 : -1};
                for (int q : next) {
                    if (q >= 0 && hidden[q] && !seen[q]) {
                        seen[q] = true;
                        stack[top++] = q;
                    }
                }
            }
        }
        return components;
    }

    @Override
    public String toString() {
        return rows + "x" + cols + " patches of " + patch + "x" + patch + " over " + channels + "x" + height + "x"
                + width;
    }
}
