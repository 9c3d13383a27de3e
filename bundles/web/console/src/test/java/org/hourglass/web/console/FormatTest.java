package org.hourglass.web.console;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class FormatTest {

    @Test
    void numbers() {
        assertEquals("30", Format.number(30.0));
        assertEquals("0.009521", Format.number(0.0095211));
        assertEquals("0.9033", Format.number(0.90328));
        assertEquals("12.35", Format.number(12.3456));
        assertEquals("26970", Format.number(26970.4));
        assertEquals("1.200e-05", Format.number(0.000012));
        assertEquals(Format.NONE, Format.number(Double.NaN));
        assertEquals(Format.NONE, Format.number(Double.NEGATIVE_INFINITY));
    }

    @Test
    void durations() {
        assertEquals("42 s", Format.duration(41.6));
        assertEquals("3 min 05 s", Format.duration(185));
        assertEquals("1 h 02 min", Format.duration(3720));
        assertEquals(Format.NONE, Format.duration(Double.NaN));
        assertEquals(Format.NONE, Format.duration(-1));
    }
}
