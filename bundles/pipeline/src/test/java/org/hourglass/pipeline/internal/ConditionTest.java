package org.hourglass.pipeline.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.hourglass.api.pipeline.PipelineException;
import org.junit.jupiter.api.Test;

class ConditionTest {

    @Test
    void sourcesAndInputNames() {
        assertEquals("condition/label", Condition.parse("label", 3).inputName());
        assertEquals("condition/feature/2", Condition.parse(" feature:2 ", 3).inputName());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Condition.parse("columns:x", 3));
        assertTrue(e.getMessage().contains("feature:<index>") && e.getMessage().contains("column:<name>"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Condition.parse("column:x", 3));
        assertTrue(e.getMessage().contains("names none"), e.getMessage());
        // A named column is recorded by its position among the features.
        assertEquals("condition/feature/4", Condition.parse("column: colour ", 3,
                name -> name.equals("colour") ? 4 : -1).inputName());
        assertThrows(IllegalArgumentException.class, () -> Condition.parse("feature:-1", 3));
    }

    @Test
    void oneHotFromAFeatureOrTheLabel() {
        float[] raw = {0.5f, 2, 7, 0, 1, 1};
        assertArrayEquals(new float[] {0, 0, 1, 0, 1, 0}, Condition.parse("feature:1", 3).oneHot(raw, 3, null, 2));
        assertArrayEquals(new float[] {0, 1, 1, 0}, Condition.parse("label", 2).oneHot(raw, 3, new int[] {1, 0}, 2));
    }

    @Test
    void badConditionsAreNamed() {
        float[] raw = {0.5f, 2, 7};
        PipelineException e = assertThrows(PipelineException.class,
                () -> Condition.parse("label", 2).oneHot(raw, 3, null, 1));
        assertTrue(e.getMessage().contains("condition.source=label") && e.getMessage().contains("feature:<i>"),
                e.getMessage());
        e = assertThrows(PipelineException.class, () -> Condition.parse("feature:2", 3).oneHot(raw, 3, null, 1));
        assertTrue(e.getMessage().contains("condition 7") && e.getMessage().contains("0..2"), e.getMessage());
        e = assertThrows(PipelineException.class, () -> Condition.parse("feature:0", 3).oneHot(raw, 3, null, 1));
        assertTrue(e.getMessage().contains("not a whole number"), e.getMessage());
        e = assertThrows(PipelineException.class, () -> Condition.parse("feature:5", 3).oneHot(raw, 3, null, 1));
        assertTrue(e.getMessage().contains("only 3 features"), e.getMessage());
    }
}
