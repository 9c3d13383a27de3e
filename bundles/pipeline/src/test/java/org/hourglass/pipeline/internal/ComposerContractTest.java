package org.hourglass.pipeline.internal;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.hourglass.spi.ReconstructionKind;
import org.junit.jupiter.api.Test;

/** What a family emits against what a loss reads (service properties and the family's declaration while building). */
class ComposerContractTest {

    private static Plugin<Object> plugin(String name, String bundle, Map<String, Object> properties) {
        return new Plugin<>(name, new Object(), bundle, "1.0.0", properties);
    }

    private static final Plugin<Object> VAE = plugin("my-vae", "org.hourglass.family.vae", Map.of());
    private static final Plugin<Object> DENSE = plugin("dense", "org.hourglass.family.dense", Map.of());
    private static final Plugin<Object> MSE = plugin("mse", "org.hourglass.loss.mse", Map.of());
    private static final Plugin<Object> BCE = plugin("bce", "org.hourglass.loss.bce",
            Map.of("hourglass.reads", "logits"));

    @Test
    void logitsDeclaredWhileBuildingNeedALossOfLogitsAndTheErrorNamesBothSides() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Composer.checkContract(VAE, MSE, ReconstructionKind.LOGITS, "decoder=bernoulli"));
        for (String part : List.of("'my-vae'", "org.hourglass.family.vae", "logits", "decoder=bernoulli", "'mse'",
                "org.hourglass.loss.mse", "reads values", "loss=bce")) {
            assertTrue(e.getMessage().contains(part), part + " missing: " + e.getMessage());
        }
        assertDoesNotThrow(() -> Composer.checkContract(VAE, BCE, ReconstructionKind.LOGITS, "decoder=bernoulli"));
    }

    @Test
    void aLossOfLogitsReadsALinearOutputAndPlugInsThatDeclareNothingFit() {
        assertDoesNotThrow(() -> Composer.checkContract(DENSE, BCE, null, null));
        assertDoesNotThrow(() -> Composer.checkContract(DENSE, MSE, null, null));
    }

    @Test
    void theFamilysPropertyCountsWhenTheBuildDeclaresNothing() {
        Plugin<Object> logits = plugin("my-logits", "org.example.family", Map.of("hourglass.emits", "logits"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Composer.checkContract(logits, MSE, null, null));
        assertTrue(e.getMessage().contains("'my-logits'") && e.getMessage().contains("hourglass.emits")
                && e.getMessage().contains("'mse'"), e.getMessage());
        assertDoesNotThrow(() -> Composer.checkContract(logits, BCE, null, null));
    }

    @Test
    void anUnknownWordFailsNamingThePlugInAndTheProperty() {
        Plugin<Object> odd = plugin("odd", "org.example.loss", Map.of("hourglass.reads", "probits"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Composer.checkContract(DENSE, odd, null, null));
        assertTrue(e.getMessage().contains("'odd'") && e.getMessage().contains("hourglass.reads")
                && e.getMessage().contains("probits") && e.getMessage().contains("logits"), e.getMessage());
    }
}
