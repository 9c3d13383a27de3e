package org.hourglass.pipeline.internal;

import ai.onnx.proto.OnnxMl;
import java.util.Map;
import org.hourglass.graph.Graph;
import org.hourglass.graph.HostTensor;
import org.hourglass.graph.InferenceModel;
import org.hourglass.graph.Ops;
import org.hourglass.graph.Shape;
import org.hourglass.graph.Tensor;
import org.hourglass.graph.TrainStep;
import org.hourglass.graph.TrainStepModel;
import org.hourglass.spi.AutoencoderFamily;
import org.hourglass.spi.FamilyContext;
import org.hourglass.spi.FamilyOutputs;
import org.hourglass.spi.InputSpec;
import org.hourglass.spi.MaskingStrategy;
import org.hourglass.spi.ModelOutputs;
import org.hourglass.spi.PluginProperties;
import org.hourglass.spi.ReconstructionKind;
import org.hourglass.spi.ReconstructionLoss;

/**
 * Composes family, loss and masking into the training-step model and the inference model. Both graphs are
 * built from the same seed, so the family creates the same parameters under the same names in each.
 */
final class Composer {

    /** Data input of both models: the normalised samples. */
    static final String INPUT = "x";
    /** Data input of the training model when masking is on: 1 = shown to the encoder. */
    static final String VISIBLE = "visible";
    /** Inference output: the per-sample loss (reconstruction only, no family terms). */
    static final String SAMPLE_LOSS = "loss";
    /** Training metric: mean reconstruction loss, without family terms. */
    static final String RECONSTRUCTION_METRIC = "reconstruction";

    private final Plugin<AutoencoderFamily> familyPlugin;
    private final Plugin<ReconstructionLoss> lossPlugin;
    private final AutoencoderFamily family;
    private final ReconstructionLoss loss;
    private final MaskingStrategy masking;
    private final InputSpec spec;
    private final Settings settings;
    private final java.util.function.ToIntFunction<String> columns;
    private Condition condition;

    /** @param columns feature position of a column the training data names (for {@code column:<name>} conditions) */
    Composer(Plugin<AutoencoderFamily> family, Plugin<ReconstructionLoss> loss, MaskingStrategy masking,
             InputSpec spec, Settings settings, java.util.function.ToIntFunction<String> columns) {
        this.familyPlugin = family;
        this.lossPlugin = loss;
        this.family = family.service();
        this.loss = loss.service();
        this.masking = masking;
        this.spec = spec;
        this.settings = settings;
        // Every graph built (training, inference, each epoch's validation) asks again; read the source's names once.
        Map<String, Integer> positions = new java.util.HashMap<>();
        this.columns = name -> positions.computeIfAbsent(name, columns::applyAsInt);
    }

    boolean masked() {
        return masking != null;
    }

    /** The train step with this optimizer; {@code clipNorm > 0} clips the gradients' global norm to it. */
    TrainStepModel trainStep(org.hourglass.graph.Optimizer optimizer, double clipNorm) {
        Graph g = Graph.create(settings.seed());
        Tensor x = g.input(INPUT, Shape.of(spec.batchShape()));
        Tensor visible = masking == null ? null : g.input(VISIBLE, Shape.of(spec.batchShape()));
        FamilyOutputs out = build(g, visible == null ? x : Ops.mul(x, visible), visible, true);
        // With masking the loss counts what the encoder did not see.
        Tensor weights = visible == null ? null : Ops.sub(1.0, visible);
        Tensor reconstruction = Ops.mean(loss.perSample(g, x, out.reconstruction(), weights,
                out.outputs().get(FamilyOutputs.LOG_VARIANCE)));
        Tensor total = reconstruction;
        TrainStep step = TrainStep.builder(g).metric(RECONSTRUCTION_METRIC, reconstruction);
        for (Map.Entry<String, Tensor> term : out.lossTerms().entrySet()) {
            total = Ops.add(total, term.getValue());
            step.metric(term.getKey(), term.getValue());
        }
        out.diagnostics().forEach(step::diagnostic);
        if (clipNorm > 0) {
            step.clipGradientNorm(clipNorm);
        }
        return step.loss(total).optimizer(optimizer).build();
    }

    OnnxMl.ModelProto inference(Map<String, HostTensor> weights, Map<String, String> metadata) {
        Graph g = Graph.create(settings.seed());
        Tensor x = g.input(INPUT, Shape.of(spec.batchShape()));
        FamilyOutputs out = build(g, x, null, false);
        Tensor perSample = loss.perSample(g, x, out.reconstruction(), null,
                out.outputs().get(FamilyOutputs.LOG_VARIANCE));
        InferenceModel.Builder b = InferenceModel.builder(g).name("hourglass-" + settings.name())
                .output(ModelOutputs.LATENT, out.latent())
                .output(ModelOutputs.RECONSTRUCTION, out.reconstruction())
                .output(SAMPLE_LOSS, perSample);
        out.outputs().forEach(b::output);
        return b.weights(weights).metadata(metadata).build();
    }

    /** The condition the family asked for while building, or null. */
    Condition condition() {
        return condition;
    }

    private FamilyOutputs build(Graph g, Tensor input, Tensor visible, boolean training) {
        Context context = new Context(g, input, spec, settings.latentSize(), training,
                java.util.Optional.ofNullable(visible));
        FamilyOutputs out = family.build(context);
        checkContract(familyPlugin, lossPlugin, context.declared, context.declaredBy);
        long[] expected = spec.batchShape();
        long[] got = out.reconstruction().shape().dims();
        if (got.length != expected.length
                || !java.util.Arrays.equals(java.util.Arrays.copyOfRange(got, 1, got.length),
                        java.util.Arrays.copyOfRange(expected, 1, expected.length))) {
            throw new IllegalStateException("family '" + settings.family() + "' built a reconstruction of shape "
                    + out.reconstruction().shape() + " for input " + spec + "; it must match the input");
        }
        return out;
    }

    /**
     * Fails when the loss cannot read what the family's reconstruction holds, naming both plug-ins and their
     * bundles: the family's declaration while building ({@code declared}, from {@code setting}) or else its
     * {@value PluginProperties#EMITS} property, against the loss's {@value PluginProperties#READS} property.
     */
    static void checkContract(Plugin<?> family, Plugin<?> loss, ReconstructionKind declared, String setting) {
        ReconstructionKind emits = declared != null ? declared
                : ReconstructionKind.of(family.properties().get(PluginProperties.EMITS), "family '" + family.name()
                        + "' property " + PluginProperties.EMITS);
        ReconstructionKind reads = ReconstructionKind.of(loss.properties().get(PluginProperties.READS),
                "loss '" + loss.name() + "' property " + PluginProperties.READS);
        if (!reads.accepts(emits)) {
            throw new IllegalArgumentException("family '" + family.name() + "' (" + family.bundle() + ") emits "
                    + emits.word() + (declared != null ? " (" + setting + ")" : " (" + PluginProperties.EMITS + ")")
                    + " but loss '" + loss.name() + "' (" + loss.bundle() + ") reads " + reads.word()
                    + ": use a loss with " + PluginProperties.READS + "=" + emits.word()
                    + (emits == ReconstructionKind.LOGITS ? " (loss=bce)" : "") + " or change the family");
        }
    }

    private final class Context implements FamilyContext {
        private ReconstructionKind declared;
        private String declaredBy;
        private final Graph graph;
        private final Tensor input;
        private final InputSpec inputSpec;
        private final int latentSize;
        private final boolean training;
        private final java.util.Optional<Tensor> visible;
        private Tensor conditionInput;

        Context(Graph graph, Tensor input, InputSpec inputSpec, int latentSize, boolean training,
                java.util.Optional<Tensor> visible) {
            this.graph = graph;
            this.input = input;
            this.inputSpec = inputSpec;
            this.latentSize = latentSize;
            this.training = training;
            this.visible = visible;
        }

        @Override
        public Graph graph() {
            return graph;
        }

        @Override
        public Tensor input() {
            return input;
        }

        @Override
        public InputSpec inputSpec() {
            return inputSpec;
        }

        @Override
        public int latentSize() {
            return latentSize;
        }

        @Override
        public boolean training() {
            return training;
        }

        @Override
        public java.util.Optional<Tensor> visible() {
            return visible;
        }

        @Override
        public Tensor condition(String source, int classes) {
            Condition c = Condition.parse(source, classes, columns);
            if (condition != null && !condition.equals(c)) {
                throw new IllegalStateException("family '" + settings.family() + "' asked for two conditions: "
                        + condition + " and " + c);
            }
            condition = c;
            if (conditionInput == null) {
                conditionInput = graph.input(c.inputName(), Shape.batchOf(classes));
            }
            return conditionInput;
        }

        @Override
        public Tensor reconstructionLoss(Tensor target, Tensor reconstruction) {
            return loss.perSample(graph, target, reconstruction, null, null);
        }

        @Override
        @SuppressWarnings("deprecation")
        public java.util.Optional<String> lossBundle() {
            return java.util.Optional.of(lossPlugin.bundle());
        }

        @Override
        public void declareReconstruction(ReconstructionKind kind, String setting) {
            declared = kind;
            declaredBy = setting;
        }
    }
}
