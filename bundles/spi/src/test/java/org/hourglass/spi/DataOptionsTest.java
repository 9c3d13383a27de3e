package org.hourglass.spi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class DataOptionsTest {

    /** 10 samples of width 2: sample i = (i, -i), label i % 3. */
    private static Dataset data() {
        float[] v = new float[20];
        int[] labels = new int[10];
        for (int i = 0; i < 10; i++) {
            v[2 * i] = i;
            v[2 * i + 1] = -i;
            labels[i] = i % 3;
        }
        return new Dataset(InputSpec.of(2), new Samples(v, 10, 2), labels, "toy");
    }

    private static float[] firstColumn(Dataset d) {
        float[] c = new float[d.count()];
        for (int i = 0; i < c.length; i++) {
            c[i] = d.samples().values()[2 * i];
        }
        return c;
    }

    @Test
    void filtersClassesAndKeepsRowsIntact() {
        Dataset d = new DataOptions(new int[] {1}, false, 0, 0.5, DataOptions.SplitPart.ALL, 0, new int[0])
                .apply(data());
        assertArrayEquals(new float[] {1, 4, 7}, firstColumn(d));
        assertArrayEquals(new float[] {1, -1, 4, -4, 7, -7}, d.samples().values());
        assertArrayEquals(new int[] {1, 1, 1}, d.labels());
    }

    @Test
    void seededShuffleIsReproducibleAndSplitPartsAreDisjoint() {
        DataOptions first = new DataOptions(new int[0], true, 42, 0.7, DataOptions.SplitPart.FIRST, 0, new int[0]);
        DataOptions rest = new DataOptions(new int[0], true, 42, 0.7, DataOptions.SplitPart.REST, 0, new int[0]);
        Dataset a = first.apply(data());
        assertEquals(a, first.apply(data()));
        Dataset b = rest.apply(data());
        assertEquals(7, a.count());
        assertEquals(3, b.count());
        float[] all = new float[10];
        System.arraycopy(firstColumn(a), 0, all, 0, 7);
        System.arraycopy(firstColumn(b), 0, all, 7, 3);
        assertNotEquals(Arrays.toString(new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}), Arrays.toString(all));
        Arrays.sort(all);
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, all);
    }

    @Test
    void limitAndNormalClassesMakeBinaryLabels() {
        Dataset d = new DataOptions(new int[0], false, 0, 0.5, DataOptions.SplitPart.ALL, 4, new int[] {0})
                .apply(data());
        assertArrayEquals(new int[] {0, 1, 1, 0}, d.labels());
        assertTrue(d.description().contains("limit=4"), d.description());
    }

    @Test
    void optionsNeedingLabelsFailClearlyWithoutThem() {
        Dataset unlabelled = new Dataset(InputSpec.of(2), new Samples(new float[4], 2, 2), null, "nolabels.csv");
        DataException e = assertThrows(DataException.class,
                () -> new DataOptions(new int[] {1}, false, 0, 0.5, DataOptions.SplitPart.ALL, 0, new int[0])
                        .apply(unlabelled));
        assertTrue(e.getMessage().contains("'classes' needs labels"), e.getMessage());
        assertThrows(DataException.class,
                () -> new DataOptions(new int[] {7}, false, 0, 0.5, DataOptions.SplitPart.ALL, 0, new int[0])
                        .apply(data()));
        assertThrows(IllegalArgumentException.class,
                () -> new DataOptions(new int[0], false, 0, 1.5, DataOptions.SplitPart.FIRST, 0, new int[0]));
    }

    @Test
    void datasetRejectsMismatchedShapes() {
        assertThrows(IllegalArgumentException.class,
                () -> new Dataset(InputSpec.of(3), new Samples(new float[4], 2, 2), null, "bad"));
        assertThrows(IllegalArgumentException.class, () -> new Samples(new float[5], 2, 2));
        assertThrows(IllegalArgumentException.class, () -> InputSpec.of(0, 3));
        assertEquals(784, InputSpec.of(1, 28, 28).features());
    }
}
