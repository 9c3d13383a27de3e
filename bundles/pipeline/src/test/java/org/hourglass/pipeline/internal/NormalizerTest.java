package org.hourglass.pipeline.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NormalizerTest {

    private static final int WIDTH = 5;
    private static final int ROWS = 7;

    private static float[] data() {
        Random r = new Random(3);
        float[] v = new float[ROWS * WIDTH];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextGaussian() * (1 + i % WIDTH) + i % WIDTH);
        }
        return v;
    }

    @Test
    void zscoreAppliesEachFeaturesOwnOffsetAndScaleRowByRow() {
        float[] v = data();
        Normalizer n = Normalizer.fit("zscore", v, WIDTH);
        List<Number> offset = asList(n.toJson().get("offset"));
        List<Number> scale = asList(n.toJson().get("scale"));
        float[] out = n.apply(v);
        for (int i = 0; i < v.length; i++) {
            int j = i % WIDTH;
            float expected = (v[i] - offset.get(j).floatValue()) * scale.get(j).floatValue();
            assertEquals(expected, out[i], 0, "value " + i);
        }
        // Standardised: every feature has mean 0 over the rows.
        for (int j = 0; j < WIDTH; j++) {
            double mean = 0;
            for (int i = 0; i < ROWS; i++) {
                mean += out[i * WIDTH + j];
            }
            assertEquals(0, mean / ROWS, 1e-5, "feature " + j);
        }
    }

    @Test
    void oneRowIntoPlaceEqualsTheWholeBatch() {
        float[] v = data();
        Normalizer n = Normalizer.fit("zscore", v, WIDTH);
        float[] whole = n.apply(v);
        float[] rowByRow = new float[v.length + 3];
        for (int i = 0; i < ROWS; i++) {
            n.apply(v, i * WIDTH, rowByRow, 3 + i * WIDTH);
        }
        assertArrayEquals(whole, java.util.Arrays.copyOfRange(rowByRow, 3, rowByRow.length));
    }

    @Test
    void applyFiniteNormalisesLikeApplyAndNamesTheFirstValueThatIsNotFinite() {
        float[] v = data();
        Normalizer n = Normalizer.fit("zscore", v, WIDTH);
        float[] whole = n.apply(v);
        float[] out = new float[WIDTH];
        float[] row = java.util.Arrays.copyOfRange(v, WIDTH, 2 * WIDTH);
        assertEquals(-1, n.applyFinite(row, out, 0));
        assertArrayEquals(java.util.Arrays.copyOfRange(whole, WIDTH, 2 * WIDTH), out);
        row[3] = Float.NaN;
        row[4] = Float.POSITIVE_INFINITY;
        assertEquals(3, n.applyFinite(row, out, 0));
        row[3] = 1;
        assertEquals(4, n.applyFinite(row, out, 0));
        row[0] = Float.NEGATIVE_INFINITY;
        assertEquals(0, n.applyFinite(row, out, 0));
    }

    @Test
    void invertUndoesApply() {
        float[] v = data();
        for (String kind : List.of("minmax", "zscore", "none")) {
            Normalizer n = Normalizer.fit(kind, v, WIDTH);
            assertArrayEquals(v, n.invert(n.apply(v)), 1e-4f, kind);
        }
    }

    @Test
    void refusesValuesThatAreNotWholeSamples() {
        Normalizer n = Normalizer.fit("minmax", data(), WIDTH);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> n.apply(new float[7]));
        assertTrue(e.getMessage().contains("7 values are not whole samples of 5 features"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> n.invert(new float[WIDTH + 1]));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static List<Number> asList(Object floats) {
        if (floats instanceof float[] f) {
            Float[] boxed = new Float[f.length];
            for (int i = 0; i < f.length; i++) {
                boxed[i] = f[i];
            }
            return List.of(boxed);
        }
        return (List) floats;
    }
}
