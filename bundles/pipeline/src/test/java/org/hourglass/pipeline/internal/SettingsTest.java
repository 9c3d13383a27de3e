package org.hourglass.pipeline.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SettingsTest {

    @Test
    void inputShapeIsParsedFromText() {
        assertArrayEquals(new int[0], Settings.shape(""));
        assertArrayEquals(new int[0], Settings.shape("  "));
        assertArrayEquals(new int[] {1, 28, 28}, Settings.shape("1,28,28"));
        assertArrayEquals(new int[] {1, 28, 28}, Settings.shape("1, 28 ,28"));
        assertArrayEquals(new int[] {28, 28}, Settings.shape("28x28"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Settings.shape("1,a"));
        assertTrue(e.getMessage().contains("input.shape"), e.getMessage());
    }

    @Test
    void badValuesNameTheAttribute() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Settings("ok", "dense", "mse", "", "s", "t", "", new int[0], 0, 1, 1, 0.1, "adam", 0, 1,
                        "minmax", 0.1, 0, "quantile", 0.05, 0, false, Path.of("m")));
        assertTrue(e.getMessage().contains("latent.size"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new Settings("../etc", "dense", "mse", "", "s", "t", "", new int[0], 2, 1, 1, 0.1, "adam", 0, 1,
                        "minmax", 0.1, 0, "quantile", 0.05, 0, false, Path.of("m")));
        assertTrue(e.getMessage().contains("hourglass.name"), e.getMessage());
    }
}
