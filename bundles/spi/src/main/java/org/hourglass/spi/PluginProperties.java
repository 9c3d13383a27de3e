package org.hourglass.spi;

/** Service property names shared by all plug-ins. */
public final class PluginProperties {

    /** The instance's name, unique per plug-in kind; pipelines refer to plug-ins by it. */
    public static final String NAME = "hourglass.name";

    /** Service property a plug-in may set to let the Web Console name new factory instances after their name. */
    public static final String NAME_HINT = "webconsole.configurationFactory.nameHint={hourglass.name}";

    /**
     * Service property of a family: the optimizer it is meant to be trained with ({@code sgd}, {@code adam} or
     * {@code adamw}). Pipelines whose {@code optimizer} is {@code auto} (the default) use it, with
     * {@link #WEIGHT_DECAY}; without it they use Adam.
     *
     * @since 1.3
     */
    public static final String OPTIMIZER = "hourglass.optimizer";

    /** Service property of a family: the weight decay that goes with {@link #OPTIMIZER} (a number, default 0). */
    public static final String WEIGHT_DECAY = "hourglass.weight.decay";

    /**
     * Service property of a family: what its reconstruction holds, {@code values} (the default) or {@code logits}
     * (see {@link ReconstructionKind}). A family whose output depends on its settings declares it while building
     * instead ({@link FamilyContext#declareReconstruction}). Not part of a model's fingerprint: it describes the
     * contract, not the weights.
     *
     * @since 1.8
     */
    public static final String EMITS = "hourglass.emits";

    /**
     * Service property of a loss: what it reads from the reconstruction, {@code values} (the default) or
     * {@code logits}. The pipeline fails a family and a loss that do not fit, naming both.
     *
     * @since 1.8
     */
    public static final String READS = "hourglass.reads";

    private PluginProperties() {
    }

    /**
     * The configured instance name, trimmed; fails naming the plug-in when it is blank (a factory instance
     * created without a name).
     */
    public static String requireName(String name, String pluginPid) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException(pluginPid + ": the configuration needs a non-empty '" + NAME + "'");
        }
        return name.trim();
    }
}
