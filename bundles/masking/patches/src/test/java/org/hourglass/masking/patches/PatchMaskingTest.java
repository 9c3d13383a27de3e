package org.hourglass.masking.patches;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.hourglass.spi.InputSpec;
import org.junit.jupiter.api.Test;

class PatchMaskingTest {

    /** Hides the first {@code hidden} patches: enough to check the layout. */
    private static PatchMasking firstPatches(double ratio, int patch) {
        return new PatchMasking("masking 'first'", ratio, patch) {
            @Override
            protected Sampler sampler(PatchGrid grid, int hidden) {
                return (mask, random) -> {
                    for (int i = 0; i < hidden; i++) {
                        mask[i] = true;
                    }
                };
            }
        };
    }

    @Test
    void imagesSplitIntoSquarePatchesSharedByChannels() {
        PatchGrid g = PatchGrid.of(InputSpec.of(2, 8, 12), 4, "x");
        assertEquals(2, g.rows());
        assertEquals(3, g.cols());
        assertEquals(6, g.patches());
        float[] visible = new float[2 * g.features()];
        firstPatches(0.5, 4).fill(visible, 2, InputSpec.of(2, 8, 12), new SplittableRandom(1));
        for (int s = 0; s < 2; s++) {
            for (int c = 0; c < 2; c++) {
                for (int y = 0; y < 8; y++) {
                    for (int x = 0; x < 12; x++) {
                        boolean hidden = y < 4; // the first three patches are the top row
                        assertEquals(hidden ? 0f : 1f, visible[s * 192 + c * 96 + y * 12 + x], "s" + s + " c" + c
                                + " y" + y + " x" + x);
                    }
                }
            }
        }
        assertArrayEquals(new boolean[] {true, true, true, false, false, false}, g.hiddenPatches(visible, 1));
    }

    @Test
    void flatSamplesAreOnePatchPerFeature() {
        PatchGrid g = PatchGrid.of(InputSpec.of(10), 4, "x");
        assertEquals(1, g.rows());
        assertEquals(10, g.cols());
        assertEquals(1, g.patch());
        float[] visible = new float[10];
        firstPatches(0.75, 4).fill(visible, 1, InputSpec.of(10), new SplittableRandom(1));
        // round(7.5) = 8 hidden
        assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0, 0, 0, 1, 1}, visible);
    }

    @Test
    void hiddenCountIsTheRoundedRatio() {
        PatchGrid g = PatchGrid.of(InputSpec.of(28, 28), 4, "x");
        assertEquals(37, g.hiddenCount(0.75, "x")); // 36.75
        assertEquals(25, g.hiddenCount(0.5, "x")); // 24.5 rounds half up
        assertEquals(12, PatchGrid.of(InputSpec.of(28, 28), 7, "x").hiddenCount(0.75, "x"));
    }

    @Test
    void componentsCountConnectedHiddenGroups() {
        PatchGrid g = PatchGrid.of(InputSpec.of(3, 3), 1, "x");
        assertEquals(1, g.hiddenComponents(new boolean[] {true, true, false, false, true, false, false, true,
                false}));
        assertEquals(5, g.hiddenComponents(new boolean[] {true, false, true, false, true, false, true, false,
                true}));
        assertEquals(0, g.hiddenComponents(new boolean[9]));
    }

    @Test
    void badSettingsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> firstPatches(1.0, 4));
        assertTrue(e.getMessage().contains("mask.ratio must be in (0, 1)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> firstPatches(0, 4));
        assertThrows(IllegalArgumentException.class, () -> firstPatches(Double.NaN, 4));
        e = assertThrows(IllegalArgumentException.class, () -> firstPatches(0.5, 0));
        assertTrue(e.getMessage().contains("patch.size must be >= 1"), e.getMessage());

        PatchMasking m = firstPatches(0.75, 5);
        e = assertThrows(IllegalArgumentException.class,
                () -> m.fill(new float[784], 1, InputSpec.of(28, 28), new SplittableRandom(1)));
        assertTrue(e.getMessage().contains("patch.size 5 does not divide the 28x28 images"), e.getMessage());
        assertTrue(e.getMessage().contains("(1, 2, 4, 7, 14, 28)"), e.getMessage());
        assertTrue(e.getMessage().startsWith("masking 'first'"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> firstPatches(0.75, 4).fill(new float[100], 1, InputSpec.of(28, 28), new SplittableRandom(1)));
        assertTrue(e.getMessage().contains("holds 100 values"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> firstPatches(0.75, 28).fill(new float[784], 1, InputSpec.of(28, 28), new SplittableRandom(1)));
        assertTrue(e.getMessage().contains("at least one hidden and one visible patch"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> firstPatches(0.5, 1).fill(new float[16], 1, InputSpec.of(1, 2, 2, 4), new SplittableRandom(1)));
        assertTrue(e.getMessage().contains("[C, H, W]"), e.getMessage());
    }

    @Test
    void aSamplerHidingTheWrongCountIsCaught() {
        PatchMasking broken = new PatchMasking("masking 'broken'", 0.5, 1) {
            @Override
            protected Sampler sampler(PatchGrid grid, int hidden) {
                return (mask, random) -> mask[0] = true;
            }
        };
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> broken.fill(new float[8], 1, InputSpec.of(8), new SplittableRandom(1)));
        assertTrue(e.getMessage().contains("hid 1 patches of sample 0, expected 4"), e.getMessage());
    }
}
