package org.hourglass.masking.patches;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.hourglass.spi.InputSpec;
import org.hourglass.spi.MaskingStrategy;

/**
 * A masking strategy that hides whole patches: validates the ratio and patch size, lays the samples out as a
 * {@link PatchGrid}, asks the strategy's {@link Sampler} for each sample's patch mask and writes it out as an
 * element mask. Every sample hides exactly {@link PatchGrid#hiddenCount} patches (checked), so families that
 * gather a fixed number of visible patches can rely on it.
 */
public abstract class PatchMasking implements MaskingStrategy {

    /** Chooses the hidden patches of one sample at a time; holds the buffers one {@code fill} call reuses. */
    public interface Sampler {
        /** Sets exactly the requested number of entries of {@code hidden} (all false on entry) to true. */
        void hide(boolean[] hidden, SplittableRandom random);
    }

    private final String owner;
    private final double ratio;
    private final int patchSize;

    /**
     * @param owner     names the instance in error messages, e.g. {@code masking 'block'}
     * @param ratio     fraction of patches to hide, in (0, 1)
     * @param patchSize side of the square patches of image samples, >= 1
     */
    protected PatchMasking(String owner, double ratio, int patchSize) {
        if (!(ratio > 0 && ratio < 1)) {
            throw new IllegalArgumentException(owner + ": mask.ratio must be in (0, 1) (the fraction of patches "
                    + "hidden), was " + ratio);
        }
        if (patchSize < 1) {
            throw new IllegalArgumentException(owner + ": patch.size must be >= 1, was " + patchSize);
        }
        this.owner = owner;
        this.ratio = ratio;
        this.patchSize = patchSize;
    }

    /** The strategy's sampler for {@code grid}, hiding {@code hidden} patches per sample. */
    protected abstract Sampler sampler(PatchGrid grid, int hidden);

    public final double ratio() {
        return ratio;
    }

    public final int patchSize() {
        return patchSize;
    }

    /** The instance as named in error messages. */
    protected final String owner() {
        return owner;
    }

    /** The patch grid this strategy uses for {@code spec}; fails like {@code fill} would. */
    public final PatchGrid grid(InputSpec spec) {
        return PatchGrid.of(spec, patchSize, owner);
    }

    @Override
    public final void fill(float[] visible, int batch, InputSpec spec, SplittableRandom random) {
        if (batch < 0) {
            throw new IllegalArgumentException(owner + ": batch must be >= 0, was " + batch);
        }
        PatchGrid grid = grid(spec);
        if (visible.length != (long) batch * grid.features()) {
            throw new IllegalArgumentException(owner + ": the mask buffer holds " + visible.length + " values, "
                    + batch + " samples of " + spec + " need " + (long) batch * grid.features());
        }
        int hidden = grid.hiddenCount(ratio, owner);
        Sampler sampler = sampler(grid, hidden);
        boolean[] mask = new boolean[grid.patches()];
        for (int i = 0; i < batch; i++) {
            Arrays.fill(mask, false);
            sampler.hide(mask, random);
            int count = 0;
            for (boolean h : mask) {
                count += h ? 1 : 0;
            }
            if (count != hidden) {
                // A broken sampler would silently change the visible-token count a family gathers.
                throw new IllegalStateException(owner + ": hid " + count + " patches of sample " + i + ", expected "
                        + hidden);
            }
            grid.write(mask, visible, i);
        }
    }

    @Override
    public String toString() {
        return owner + " (mask.ratio " + ratio + ", patch.size " + patchSize + ")";
    }
}
