package org.hourglass.scoring.reconstructionprobability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import org.hourglass.spi.ModelOutputs;
import org.hourglass.spi.Samples;
import org.junit.jupiter.api.Test;

class ReconstructionProbabilityScoringTest {

    private static ModelOutputs outputs(float[] logLikelihood, float[] kl) {
        int n = logLikelihood.length;
        Map<String, Samples> out = kl == null ? Map.of("log_likelihood", new Samples(logLikelihood, n, 1))
                : Map.of("log_likelihood", new Samples(logLikelihood, n, 1), "kl", new Samples(kl, n, 1));
        return new ModelOutputs(new Samples(new float[n * 2], n, 2), out);
    }

    @Test
    void scoreIsTheNegatedLogLikelihoodAndLowerLikelihoodScoresHigher() {
        ReconstructionProbabilityScoring s = new ReconstructionProbabilityScoring(false);
        assertEquals(Set.of("log_likelihood"), s.requiredOutputs());
        ModelOutputs ref = outputs(new float[] {-1, -3}, null);
        Map<String, Object> state = s.fit(ref);
        assertEquals(2.0, (double) state.get("reference_mean"), 1e-9);
        assertEquals(1.0, (double) state.get("reference_std"), 1e-9);
        assertEquals(false, state.get("include_kl"));
        double[] scores = s.score(outputs(new float[] {-0.5f, -4}, null), state);
        assertArrayEquals(new double[] {0.5, 4}, scores, 1e-9);
        assertTrue(scores[1] > scores[0]);
    }

    @Test
    void withTheKlTheScoreIsTheNegativeElboAndTheStoredSettingWins() {
        ReconstructionProbabilityScoring withKl = new ReconstructionProbabilityScoring(true);
        assertEquals(Set.of("log_likelihood", "kl"), withKl.requiredOutputs());
        ModelOutputs batch = outputs(new float[] {-1, -2}, new float[] {0.25f, 0.5f});
        Map<String, Object> state = withKl.fit(batch);
        assertArrayEquals(new double[] {1.25, 2.5}, withKl.score(batch, state), 1e-6);
        // an instance reconfigured without the KL keeps scoring a stored model the way it was fitted
        assertArrayEquals(new double[] {1.25, 2.5}, new ReconstructionProbabilityScoring(false).score(batch, state),
                1e-6);
    }

    @Test
    void aModelWithoutTheOutputIsNamed() {
        ModelOutputs plain = new ModelOutputs(new Samples(new float[4], 2, 2),
                Map.of("reconstruction", new Samples(new float[4], 2, 2)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ReconstructionProbabilityScoring(false).fit(plain));
        assertTrue(e.getMessage().contains("log_likelihood") && e.getMessage().contains("variational"),
                e.getMessage());
        ModelOutputs wide = new ModelOutputs(new Samples(new float[4], 2, 2),
                Map.of("log_likelihood", new Samples(new float[4], 2, 2)));
        e = assertThrows(IllegalArgumentException.class, () -> new ReconstructionProbabilityScoring(false).fit(wide));
        assertTrue(e.getMessage().contains("one per sample"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ReconstructionProbabilityScoring(false)
                .fit(outputs(new float[0], null)));
    }
}
