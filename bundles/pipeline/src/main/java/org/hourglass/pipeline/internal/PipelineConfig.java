package org.hourglass.pipeline.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

/** The console form of a pipeline (factory PID {@code org.hourglass.pipeline}). */
@ObjectClassDefinition(name = "Hourglass pipeline",
        description = "Composes plug-ins (family, loss, masking, scoring, data) into a model that trains and serves "
                + "anomaly scores. Plug-ins are named by their 'Name' (hourglass.name).")
public @interface PipelineConfig {

    @AttributeDefinition(name = "Name", description = "The pipeline's name: letters, digits, '.', '_' and '-'. "
            + "Its models are stored under <model directory>/<name>/.")
    String hourglass_name();

    @AttributeDefinition(name = "Family", description = "Name of the autoencoder family instance.")
    String family() default "dense";

    @AttributeDefinition(name = "Loss", description = "Name of the reconstruction loss.")
    String loss() default "mse";

    @AttributeDefinition(name = "Masking", description = "Name of the masking strategy; empty for none.",
            required = false)
    String masking() default "";

    @AttributeDefinition(name = "Scoring", description = "Name of the scoring method; combined (the default): "
            + "reconstruction error and the distance to the nearest training codes, each standardised on the "
            + "training scores, averaged.")
    String scoring() default "combined";

    @AttributeDefinition(name = "Training data", description = "Name of the data source to train on (normal "
            + "data).")
    String training_data();

    @AttributeDefinition(name = "Evaluation data", description = "Name of a labelled data source to report AUROC, "
            + "average precision and F1 on after training; empty for none.", required = false)
    String evaluation_data() default "";

    @AttributeDefinition(name = "Input shape", description = "Shape of one sample as comma-separated sizes, e.g. "
            + "784 or 1,28,28; empty to take it from the training data.", required = false)
    String input_shape() default "";

    @AttributeDefinition(name = "Latent size", description = "Size of the code; auto: a third of the features, "
            + "2 to 32.")
    String latent_size() default Settings.AUTO_TEXT;

    @AttributeDefinition(name = "Epochs", description = "Passes over the training data; auto: enough for about "
            + "4,000 steps, 20 to 300 epochs.")
    String epochs() default Settings.AUTO_TEXT;

    @AttributeDefinition(name = "Batch size", description = "Samples per training step; auto: a 32nd of the "
            + "training samples rounded down to a power of two, 16 to 128.")
    String batch_size() default Settings.AUTO_TEXT;

    @AttributeDefinition(name = "Learning rate", description = "Step size of the optimizer.")
    double learning_rate() default 1e-3;

    @AttributeDefinition(name = "Optimizer", description = "sgd (with momentum 0.9), adam or adamw (decoupled "
            + "weight decay); auto: the optimizer and weight decay the family recommends (qlae: adamw with 0.1), "
            + "else adam.",
            options = {@Option(label = "The family's recommendation, else Adam", value = "auto"),
                    @Option(label = "SGD with momentum", value = "sgd"), @Option(label = "Adam", value = "adam"),
                    @Option(label = "AdamW", value = "adamw")})
    String optimizer() default "auto";

    @AttributeDefinition(name = "Weight decay", description = "L2 (sgd) or decoupled (adamw) weight decay; adam "
            + "ignores it, and so does auto when the family recommends an optimizer.")
    double weight_decay() default 0;

    @AttributeDefinition(name = "Seed", description = "Seed of shuffling, initialisation and random inputs: the "
            + "same seed gives the same model on CPU.", type = AttributeType.LONG)
    long seed() default 1;

    @AttributeDefinition(name = "Normalization", description = "Fitted on the training data and stored with the "
            + "model: minmax scales all values to [0, 1] by the global range; zscore standardises each feature; "
            + "auto: minmax for images (samples of two or more dimensions), zscore for rows of features.",
            options = {@Option(label = "by the data's shape", value = Settings.AUTO_TEXT),
                    @Option(label = "min-max (global)", value = "minmax"),
                    @Option(label = "z-score (per feature)", value = "zscore"), @Option(label = "none", value = "none")})
    String normalization() default Settings.AUTO_TEXT;

    @AttributeDefinition(name = "Validation fraction", description = "Share of the training data held out to "
            + "report a validation loss per epoch (0 = none).")
    double validation_fraction() default 0.1;

    @AttributeDefinition(name = "Early stopping patience", description = "Stop when the validation loss has not "
            + "improved for this many epochs and keep the best epoch's weights (0 = off); auto: 10 with a "
            + "validation fraction, else off.")
    String early_stopping_patience() default Settings.AUTO_TEXT;

    @AttributeDefinition(name = "Gradient clipping", description = "Scale the gradients down whenever their global "
            + "norm exceeds this value (0 = off). When the loss becomes NaN or infinite, training rolls back to the "
            + "last finished epoch and goes on with a tenth of the learning rate and clipping at norm 1 (or half "
            + "this value), at most three times.", min = "0")
    double gradient_clip_norm() default 0;

    @AttributeDefinition(name = "Smoothing", description = "Gaussian smoothing of image-shaped samples before "
            + "normalisation, its standard deviation in pixels (0 = off), stored with the model and applied to "
            + "everything it scores; auto: 1 for images whose last two axes have 8 pixels or more, else off.")
    String smoothing() default Settings.AUTO_TEXT;

    @AttributeDefinition(name = "Threshold policy", description = "quantile: the (1 - contamination) quantile "
            + "of the training scores; fixed: the value below.",
            options = {@Option(label = "contamination quantile", value = "quantile"),
                    @Option(label = "fixed value", value = "fixed")})
    String threshold_policy() default "quantile";

    @AttributeDefinition(name = "Contamination", description = "Expected share of anomalies, for the quantile "
            + "policy.")
    double contamination() default 0.05;

    @AttributeDefinition(name = "Threshold", description = "Score threshold for the fixed policy.")
    double threshold() default 0;

    @AttributeDefinition(name = "Train on activation", description = "Start training when the pipeline becomes "
            + "ready and has no usable stored model.")
    boolean auto_train() default true;

    @AttributeDefinition(name = "Model directory", description = "Where models are stored; empty for the "
            + "framework property hourglass.model.dir, else data/models under the working directory.",
            required = false)
    String model_dir() default "";
}
