package org.hourglass.masking.block;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.hourglass.masking.patches.PatchGrid;
import org.hourglass.spi.InputSpec;
import org.hourglass.testing.Configs;
import org.junit.jupiter.api.Test;

class BlockMaskingTest {

    private static final InputSpec IMAGES = InputSpec.of(28, 28);

    private static BlockMasking masking(Object... keyValues) {
        Map<String, Object> values = new HashMap<>();
        values.put("hourglass_name", "test-block");
        for (int i = 0; i < keyValues.length; i += 2) {
            values.put((String) keyValues[i], keyValues[i + 1]);
        }
        return new BlockMasking(Configs.of(BlockMasking.Config.class, values));
    }

    private static float[] fill(BlockMasking m, InputSpec spec, int batch, long seed) {
        float[] visible = new float[batch * spec.features()];
        m.fill(visible, batch, spec, new SplittableRandom(seed));
        return visible;
    }

    private static int hiddenCount(boolean[] hidden) {
        int n = 0;
        for (boolean h : hidden) {
            n += h ? 1 : 0;
        }
        return n;
    }

    @Test
    void everySampleHidesExactlyTheRoundedRatioOfPatches() {
        for (double ratio : new double[] {0.1, 0.4, 0.75, 0.9}) {
            for (int patch : new int[] {2, 4, 7}) {
                BlockMasking m = masking("mask_ratio", ratio, "patch_size", patch);
                PatchGrid g = m.grid(IMAGES);
                int expected = (int) Math.round(ratio * g.patches());
                float[] v = fill(m, IMAGES, 100, 5);
                for (int s = 0; s < 100; s++) {
                    assertEquals(expected, hiddenCount(g.hiddenPatches(v, s)), "ratio " + ratio + " patch "
                            + patch + " sample " + s);
                }
            }
        }
    }

    @Test
    void theSameSeedGivesTheSameMasksAndAnotherSeedOthers() {
        float[] a = fill(masking(), IMAGES, 50, 42);
        assertArrayEquals(a, fill(masking(), IMAGES, 50, 42));
        assertFalse(Arrays.equals(a, fill(masking(), IMAGES, 50, 43)));
    }

    /**
     * Blocks are contiguous: far fewer connected groups of hidden patches than uniform random masks with the
     * same count (14x14 grid, 40 % hidden: random masks scatter into many groups).
     */
    @Test
    void blockMasksHaveFewerConnectedGroupsThanRandomOnes() {
        BlockMasking m = masking("mask_ratio", 0.4, "patch_size", 2);
        PatchGrid g = m.grid(IMAGES);
        int n = 300;
        float[] v = fill(m, IMAGES, n, 7);
        int hidden = g.hiddenCount(0.4, "test");
        double blockGroups = 0;
        double randomGroups = 0;
        SplittableRandom r = new SplittableRandom(7);
        int[] order = new int[g.patches()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        for (int s = 0; s < n; s++) {
            blockGroups += g.hiddenComponents(g.hiddenPatches(v, s));
            boolean[] uniform = new boolean[g.patches()];
            for (int i = 0; i < hidden; i++) {
                int j = i + r.nextInt(order.length - i);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
                uniform[order[i]] = true;
            }
            randomGroups += g.hiddenComponents(uniform);
        }
        blockGroups /= n;
        randomGroups /= n;
        assertTrue(blockGroups * 3 < randomGroups, "mean groups: block " + blockGroups + ", random " + randomGroups);
        assertTrue(blockGroups < 5, "mean groups of block masks " + blockGroups);
    }

    @Test
    void flatSamplesAreMaskedInRuns() {
        BlockMasking m = masking("mask_ratio", 0.5);
        InputSpec flat = InputSpec.of(100);
        PatchGrid g = m.grid(flat);
        float[] v = fill(m, flat, 50, 3);
        double groups = 0;
        for (int s = 0; s < 50; s++) {
            boolean[] h = g.hiddenPatches(v, s);
            assertEquals(50, hiddenCount(h));
            groups += g.hiddenComponents(h);
        }
        assertTrue(groups / 50 < 6, "mean runs " + groups / 50);
    }

    @Test
    void badConfigurationIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> masking("mask_ratio", 0.0));
        assertTrue(e.getMessage().contains("masking 'test-block': mask.ratio must be in (0, 1)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> masking("block_min_patches", 0));
        assertTrue(e.getMessage().contains("block.min.patches must be >= 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> masking("block_aspect_min", 1.5));
        assertTrue(e.getMessage().contains("block.aspect.min must be in (0, 1]"), e.getMessage());
        BlockMasking m = masking("patch_size", 3);
        e = assertThrows(IllegalArgumentException.class, () -> fill(m, IMAGES, 1, 1));
        assertTrue(e.getMessage().contains("patch.size 3 does not divide the 28x28 images"), e.getMessage());
    }
}
