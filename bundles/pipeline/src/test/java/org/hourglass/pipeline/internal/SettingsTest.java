package org.hourglass.pipeline.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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

    private static Settings withOptimizer(String optimizer, double weightDecay) {
        return new Settings("ok", "qlae", "mse", "", "s", "t", "", new int[0], 2, 1, 1, 0.1, optimizer, weightDecay, 1,
                "minmax", 0.1, 0, "quantile", 0.05, 0, false, Path.of("m"));
    }

    @Test
    void autoTakesTheOptimizerTheFamilyRecommends() {
        java.util.Map<String, Object> qlae = java.util.Map.of(org.hourglass.spi.PluginProperties.OPTIMIZER, "adamw",
                org.hourglass.spi.PluginProperties.WEIGHT_DECAY, "0.1");
        assertEquals(org.hourglass.graph.Optimizer.adamW(0.9, 0.999, 1e-8, 0.1).toString(),
                withOptimizer("auto", 0).newOptimizer(qlae).toString());
        assertEquals(org.hourglass.graph.Optimizer.adam().toString(),
                withOptimizer("auto", 0.5).newOptimizer(java.util.Map.of()).toString(), "no recommendation: adam");
        assertEquals(org.hourglass.graph.Optimizer.sgd(0.9, 0.5).toString(),
                withOptimizer("sgd", 0.5).newOptimizer(qlae).toString(), "an explicit choice wins");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> withOptimizer("auto", 0)
                .newOptimizer(java.util.Map.of(org.hourglass.spi.PluginProperties.OPTIMIZER, "lion")));
        assertTrue(e.getMessage().contains("lion") && e.getMessage().contains("qlae"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> withOptimizer("auto", 0).newOptimizer(java.util.Map.of(
                org.hourglass.spi.PluginProperties.OPTIMIZER, "adamw", org.hourglass.spi.PluginProperties.WEIGHT_DECAY,
                "-1")));
        assertTrue(e.getMessage().contains("weight decay"), e.getMessage());
    }
}
