package org.hourglass.web.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.hourglass.api.pipeline.ScoreHistogram;
import org.junit.jupiter.api.Test;

/** The one rule for numbers JSON cannot hold (null), wherever they occur, and map keys in order. */
class DocumentsTest {

    private static String json(Object o) throws Exception {
        return Documents.MAPPER.writeValueAsString(o);
    }

    @Test
    void nonFiniteNumbersAreNullInFieldsArraysListsAndMaps() throws Exception {
        assertEquals("{\"scores\":[1.5,null,null,null]}", json(new Documents.Scores(
                new double[] {1.5, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})));
        assertEquals("{\"codes\":[[0.25,null],[null,2.0]]}", json(new Documents.Codes(
                new float[][] {{0.25f, Float.NaN}, {Float.NEGATIVE_INFINITY, 2f}})));
        assertEquals("{\"labels\":[true,false],\"threshold\":null}", json(new Documents.Labels(
                new boolean[] {true, false}, Double.NaN)));
        assertEquals("{\"name\":\"p\",\"state\":\"READY\",\"message\":\"\",\"metrics\":{\"a\":null,\"b\":2.0}}",
                json(new Documents.Summary("p", "READY", "", Map.of("b", 2.0, "a", Double.NaN))));
        assertEquals("[null,1.0]", json(List.of(Double.NaN, 1.0)));
        assertEquals("{\"edges\":[0.0,null],\"normal\":[1],\"anomalous\":[0],\"threshold\":null,\"source\":\"s\"}",
                json(new ScoreHistogram(new double[] {0, Double.NaN}, new int[] {1}, new int[] {0}, Double.NaN, "s")));
    }

    @Test
    void aPipelineWithoutModelHasNoThresholdAndAnUnwrappedSummary() throws Exception {
        Documents.Summary s = new Documents.Summary("p", "READY", "", Map.of());
        assertEquals("{\"name\":\"p\",\"state\":\"READY\",\"message\":\"\",\"metrics\":{},\"progress\":null,"
                + "\"configuration\":{\"x\":1},\"histogram\":null}", json(new Documents.Pipeline(s, null,
                Documents.configuration(Map.of("x", 1)), null, null)));
        assertEquals("{\"name\":\"p\",\"state\":\"READY\",\"message\":\"\",\"metrics\":{},\"cancelled\":true}",
                json(new Documents.Cancelled(s, true)));
    }
}
