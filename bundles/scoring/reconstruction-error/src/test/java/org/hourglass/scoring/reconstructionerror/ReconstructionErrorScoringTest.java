package org.hourglass.scoring.reconstructionerror;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.hourglass.spi.ModelOutputs;
import org.hourglass.spi.Samples;
import org.junit.jupiter.api.Test;

class ReconstructionErrorScoringTest {

    private static ModelOutputs outputs(float[] x, float[] r) {
        return new ModelOutputs(new Samples(x, x.length / 2, 2),
                Map.of(ModelOutputs.RECONSTRUCTION, new Samples(r, r.length / 2, 2)));
    }

    @Test
    void scoresAreTheSamplesErrorsAndFitRecordsTheirSpread() {
        ModelOutputs ref = outputs(new float[] {0, 0, 1, 1}, new float[] {1, 1, 1, 3});
        ReconstructionErrorScoring mse = new ReconstructionErrorScoring(ErrorMetric.MSE);
        Map<String, Object> state = mse.fit(ref);
        assertEquals(1.5, (double) state.get("reference_mean"), 1e-12); // errors 1 and 2
        assertEquals(0.5, (double) state.get("reference_std"), 1e-12);
        assertArrayEquals(new double[] {1, 2}, mse.score(ref, state), 1e-12);
    }

    @Test
    void theStoredMetricWinsOverTheInstancesSetting() {
        ModelOutputs batch = outputs(new float[] {0, 0}, new float[] {2, 0});
        ReconstructionErrorScoring mse = new ReconstructionErrorScoring(ErrorMetric.MSE);
        ReconstructionErrorScoring mae = new ReconstructionErrorScoring(ErrorMetric.MAE);
        Map<String, Object> fittedWithMae = mae.fit(batch);
        assertArrayEquals(new double[] {1}, mse.score(batch, fittedWithMae), 1e-12);
        assertArrayEquals(new double[] {2}, mse.score(batch, mse.fit(batch)), 1e-12);
    }

    @Test
    void mismatchedShapesAndMissingOutputsAreNamed() {
        ReconstructionErrorScoring mse = new ReconstructionErrorScoring(ErrorMetric.MSE);
        ModelOutputs noRecon = new ModelOutputs(new Samples(new float[2], 1, 2), Map.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> mse.fit(noRecon));
        assertEquals("model output 'reconstruction' is not available; have []", e.getMessage());
        ModelOutputs wrong = new ModelOutputs(new Samples(new float[4], 2, 2),
                Map.of(ModelOutputs.RECONSTRUCTION, new Samples(new float[2], 1, 2)));
        assertThrows(IllegalArgumentException.class, () -> mse.score(wrong, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> ErrorMetric.parse("rmse"));
    }
}
