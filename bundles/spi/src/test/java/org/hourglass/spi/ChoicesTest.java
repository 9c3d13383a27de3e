package org.hourglass.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ChoicesTest {

    enum Act { NONE, RELU, SIGMOID }

    @Test
    void wordsMatchConstantsIgnoringCaseAndBlanksAndAliasesNameConstants() {
        assertEquals(Act.RELU, Choices.parse(Act.class, " ReLU ", "activation"));
        assertEquals(Act.NONE, Choices.parse(Act.class, "linear", "output.activation", Map.of("linear", Act.NONE)));
        assertEquals(Act.SIGMOID, Choices.parse(Act.class, "sigmoid", "output.activation", Map.of("linear", Act.NONE)));
    }

    @Test
    void anUnknownWordFailsNamingTheAttributeTheValueAndTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Choices.parse(Act.class, "swish", "activation", Map.of("linear", Act.NONE)));
        assertEquals("activation must be one of [linear, none, relu, sigmoid], was 'swish'", e.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Choices.parse(Act.class, null, "noise"))
                .getMessage().startsWith("noise must be one of"));
    }

    @Test
    void reconstructionKindsDefaultToValuesAndALossOfLogitsAlsoReadsValues() {
        assertEquals(ReconstructionKind.VALUES, ReconstructionKind.of(null, "hourglass.emits"));
        assertEquals(ReconstructionKind.LOGITS, ReconstructionKind.of("logits", "hourglass.reads"));
        assertTrue(ReconstructionKind.LOGITS.accepts(ReconstructionKind.VALUES));
        assertTrue(!ReconstructionKind.VALUES.accepts(ReconstructionKind.LOGITS));
        assertEquals("logits", ReconstructionKind.LOGITS.word());
    }
}
