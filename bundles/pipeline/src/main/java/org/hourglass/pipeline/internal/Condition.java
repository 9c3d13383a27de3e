package org.hourglass.pipeline.internal;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.TensorInfo;
import java.util.Map;
import org.hourglass.api.pipeline.PipelineException;

/**
 * The one-hot condition a conditional family asked for ({@code FamilyContext.condition}): where it comes from and
 * how many classes. The models' condition input is named after its source ({@code condition/label},
 * {@code condition/feature/<i>}), so a stored model says by itself what it must be fed.
 *
 * @param feature the sample's feature that holds the class, or -1 for the data source's label
 */
record Condition(int feature, int classes) {

    private static final String PREFIX = "condition/";

    Condition {
        if (classes < 1) {
            throw new IllegalArgumentException("a condition needs at least one class, got " + classes);
        }
    }

    /** {@code label} or {@code feature:<i>}. */
    static Condition parse(String source, int classes) {
        return parse(source, classes, name -> {
            throw new IllegalArgumentException("condition source '" + source + "' names a column, and the data "
                    + "source names none");
        });
    }

    /**
     * {@code label}, {@code feature:<i>} or {@code column:<name>}; {@code columns} gives the feature position of a
     * named column (the training data source's header), so the model records the position ({@code feature/<i>}).
     */
    static Condition parse(String source, int classes, java.util.function.ToIntFunction<String> columns) {
        String s = source == null ? "" : source.strip();
        if (s.equals("label")) {
            return new Condition(-1, classes);
        }
        if (s.startsWith("column:") && !s.substring("column:".length()).isBlank()) {
            return new Condition(columns.applyAsInt(s.substring("column:".length()).strip()), classes);
        }
        if (s.startsWith("feature:")) {
            try {
                int i = Integer.parseInt(s.substring("feature:".length()).strip());
                if (i >= 0) {
                    return new Condition(i, classes);
                }
            } catch (NumberFormatException e) {
                // reported below
            }
        }
        throw new IllegalArgumentException("condition source must be 'label', 'feature:<index>' or 'column:<name>', "
                + "was '" + source + "'");
    }

    String inputName() {
        return feature < 0 ? PREFIX + "label" : PREFIX + "feature/" + feature;
    }

    /** The condition of a loaded model, from its inputs; null when it has none. */
    static Condition of(Map<String, NodeInfo> inputs) {
        for (Map.Entry<String, NodeInfo> e : inputs.entrySet()) {
            if (e.getKey().startsWith(PREFIX) && e.getValue().getInfo() instanceof TensorInfo t) {
                String rest = e.getKey().substring(PREFIX.length());
                int classes = Math.toIntExact(t.getShape()[1]);
                return rest.equals("label") ? new Condition(-1, classes)
                        : new Condition(Integer.parseInt(rest.substring("feature/".length())), classes);
            }
        }
        return null;
    }

    /**
     * One-hot rows {@code [count, classes]} for samples in the data's own units ({@code raw}, {@code width} values
     * each) and their labels (null where there are none).
     */
    float[] oneHot(float[] raw, int width, int[] labels, int count) {
        float[] out = new float[count * classes];
        for (int i = 0; i < count; i++) {
            int c;
            if (feature < 0) {
                if (labels == null) {
                    throw new PipelineException("the model is conditioned on the data source's label "
                            + "(condition.source=label), and these samples carry none (score requests never do; for "
                            + "training, use a data source with labels); condition on a feature "
                            + "(condition.source=feature:<i>) to serve such a model");
                }
                c = labels[i];
            } else {
                if (feature >= width) {
                    throw new PipelineException("condition.source=feature:" + feature + ", but samples have only "
                            + width + " features");
                }
                float v = raw[i * width + feature];
                c = Math.round(v);
                if (c != v) {
                    throw new PipelineException("sample " + i + ": the condition feature " + feature + " is " + v
                            + ", not a whole number");
                }
            }
            if (c < 0 || c >= classes) {
                throw new PipelineException("sample " + i + ": condition " + c + " (from " + (feature < 0 ? "its label"
                        : "feature " + feature) + ") is outside 0.." + (classes - 1));
            }
            out[i * classes + c] = 1;
        }
        return out;
    }
}
