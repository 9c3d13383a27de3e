package org.hourglass.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScoringMethodTest {

    @Test
    void referenceStatisticsAreCountMeanAndPopulationStd() {
        Map<String, Object> s = ScoringMethod.referenceStatistics("x", new double[] {1, 2, 3, 4});
        assertEquals(List.of("reference_count", "reference_mean", "reference_std"), List.copyOf(s.keySet()));
        assertEquals(4, s.get("reference_count"));
        assertEquals(2.5, (double) s.get("reference_mean"), 1e-12);
        assertEquals(Math.sqrt(1.25), (double) s.get("reference_std"), 1e-12);
    }

    @Test
    void noScoresAreRefusedNamingTheMethod() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ScoringMethod.referenceStatistics("apre", new double[0]));
        assertEquals("cannot fit apre scoring on no samples", e.getMessage());
    }
}
