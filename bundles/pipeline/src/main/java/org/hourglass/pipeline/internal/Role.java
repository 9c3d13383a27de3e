package org.hourglass.pipeline.internal;

import org.hourglass.spi.AutoencoderFamily;
import org.hourglass.spi.DataSource;
import org.hourglass.spi.MaskingStrategy;
import org.hourglass.spi.ReconstructionLoss;
import org.hourglass.spi.ScoringMethod;

/** The plug-ins a pipeline names, with the service type each must have. */
enum Role {
    FAMILY("family", AutoencoderFamily.class),
    LOSS("loss", ReconstructionLoss.class),
    MASKING("masking", MaskingStrategy.class),
    SCORING("scoring", ScoringMethod.class),
    TRAINING_DATA("training data", DataSource.class),
    EVALUATION_DATA("evaluation data", DataSource.class);

    final String label;
    final Class<?> type;

    Role(String label, Class<?> type) {
        this.label = label;
        this.type = type;
    }

    /** The key the store's record and the model's metadata use for it: {@code family}, {@code training_data}... */
    String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The name the settings give for this role; empty when the role is optional and unused. */
    String nameIn(Settings s) {
        switch (this) {
            case FAMILY: return s.family();
            case LOSS: return s.loss();
            case MASKING: return s.masking();
            case SCORING: return s.scoring();
            case TRAINING_DATA: return s.trainingData();
            default: return s.evaluationData();
        }
    }
}
