package org.hourglass.scoring.apre;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import org.hourglass.spi.ModelOutputs;
import org.hourglass.spi.Samples;
import org.junit.jupiter.api.Test;

class ApreScoringTest {

    private static final double LN2 = Math.log(2);

    private static ModelOutputs outputs(float[] x, float[] r, float[] lv) {
        return new ModelOutputs(new Samples(x, x.length / 2, 2), Map.of(
                ModelOutputs.RECONSTRUCTION, new Samples(r, r.length / 2, 2),
                "log_variance", new Samples(lv, lv.length / 2, 2)));
    }

    // sample 0: errors² 4, 0 with σ² 2, 1 → mean err/σ² = (2 + 0)/2 = 1; mean log σ² = ln2/2
    // sample 1: errors² 1, 9 with σ² 1, 1 → mean = 5;                     mean log σ² = 0
    private static final ModelOutputs BATCH = outputs(new float[] {0, 0, 1, 1}, new float[] {2, 0, 0, 4},
            new float[] {(float) LN2, 0, 0, 0});

    @Test
    void needsReconstructionAndLogVariance() {
        assertEquals(Set.of("reconstruction", "log_variance"), new ApreScoring(0.5, 2).requiredOutputs());
    }

    @Test
    void scoresByHandWithTheScoringDefaults() {
        ApreScoring apre = new ApreScoring(0.5, 2);
        double s0 = 0.5 * 1 + 2 * LN2 / 2;
        double s1 = 0.5 * 5;
        Map<String, Object> state = apre.fit(BATCH);
        assertArrayEquals(new double[] {s0, s1}, apre.score(BATCH, state), 1e-6);
        assertEquals((s0 + s1) / 2, (double) state.get("reference_mean"), 1e-6);
        assertEquals(Math.abs(s1 - s0) / 2, (double) state.get("reference_std"), 1e-6);
        assertEquals(0.5, state.get("alpha"));
        assertEquals(2.0, state.get("beta"));
        assertEquals(2, state.get("reference_count"));
    }

    @Test
    void theStoredWeightsWinOverTheInstancesSettings() {
        ApreScoring nll = new ApreScoring(1, 1);
        Map<String, Object> fittedWithDefaults = new ApreScoring(0.5, 2).fit(BATCH);
        assertArrayEquals(new double[] {0.5 + LN2, 2.5}, nll.score(BATCH, fittedWithDefaults), 1e-6);
        assertArrayEquals(new double[] {1 + LN2 / 2, 5}, nll.score(BATCH, Map.of()), 1e-6);
    }

    @Test
    void missingVarianceAndBadSettingsAreNamed() {
        ApreScoring apre = new ApreScoring(0.5, 2);
        ModelOutputs noVariance = new ModelOutputs(new Samples(new float[2], 1, 2),
                Map.of(ModelOutputs.RECONSTRUCTION, new Samples(new float[2], 1, 2)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> apre.fit(noVariance));
        assertTrue(e.getMessage().contains("log_variance"), e.getMessage());
        ModelOutputs wrong = outputs(new float[4], new float[4], new float[2]);
        assertThrows(IllegalArgumentException.class, () -> apre.score(wrong, Map.of()));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ApreScoring(-1, 2)).getMessage()
                .contains("alpha"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new ApreScoring(0.5, Double.NaN)).getMessage()
                .contains("beta"));
    }
}
