package org.hourglass.pipeline.internal;

import ai.onnxruntime.OrtEnvironment;
import java.util.Map;
import java.util.Set;
import org.hourglass.api.executor.ModelSession;
import org.hourglass.api.pipeline.PipelineException;
import org.hourglass.spi.InputSpec;
import org.hourglass.spi.ModelOutputs;
import org.hourglass.spi.Samples;

/**
 * An inference model's session with the normalisation its input needs and the condition it is fed (read from the
 * model's own inputs): raw samples in, named outputs (in normalised units) out. The served model answers requests
 * with one; training calibrates and measures with one.
 */
final class Inference implements AutoCloseable {

    private final ModelSession session;
    private final OrtEnvironment env;
    private final InputSpec spec;
    private final Normalizer normalizer;
    private final Condition condition;

    Inference(ModelSession session, OrtEnvironment env, InputSpec spec, Normalizer normalizer) {
        this.session = session;
        this.env = env;
        this.spec = spec;
        this.normalizer = normalizer;
        try {
            this.condition = Condition.of(session.inputs());
        } catch (RuntimeException e) {
            throw new PipelineException("model '" + session.name() + "': cannot read its condition input: " + e, e);
        }
    }

    InputSpec spec() {
        return spec;
    }

    Normalizer normalizer() {
        return normalizer;
    }

    /** The one-hot condition the model is fed next to the samples, or null. */
    Condition condition() {
        return condition;
    }

    /** Runs the model on raw samples with their labels (needed only by a model conditioned on labels; else null). */
    ModelOutputs outputs(float[] raw, int[] labels, int count, Set<String> names) {
        requireOutputs(names);
        float[] x = normalizer.apply(raw);
        Map<String, Samples> out = condition == null ? ModelRunner.run(session, env, spec, x, count, names)
                : ModelRunner.run(session, env, spec, x, count, names, condition.inputName(),
                        new Samples(condition.oneHot(raw, spec.features(), labels, count), count, condition.classes()));
        return new ModelOutputs(new Samples(x, count, spec.features()), out);
    }

    /** Runs a model without a condition input on samples already normalised (outputs checked by the caller). */
    ModelOutputs normalised(float[] x, int count, Set<String> names) {
        return new ModelOutputs(new Samples(x, count, spec.features()),
                ModelRunner.run(session, env, spec, x, count, names));
    }

    /** Reconstructions of raw samples in the samples' own units (the normalisation undone). */
    Samples reconstruct(float[] raw, int count) {
        Samples r = outputs(raw, null, count, Set.of(ModelOutputs.RECONSTRUCTION)).output(ModelOutputs.RECONSTRUCTION);
        return new Samples(normalizer.invert(r.values()), r.count(), r.width());
    }

    void requireOutputs(Set<String> names) {
        for (String name : names) {
            if (!session.outputs().containsKey(name)) {
                throw new PipelineException("the model has no output '" + name + "' (its outputs are "
                        + session.outputs().keySet() + "): the family does not provide what the scoring method or "
                        + "call needs; pick a family that publishes '" + name + "'");
            }
        }
    }

    /** Whether both run on one session: replacing one by the other must not close it. */
    boolean sharesSession(Inference other) {
        return other != null && other.session == session;
    }

    @Override
    public void close() {
        session.close();
    }
}
