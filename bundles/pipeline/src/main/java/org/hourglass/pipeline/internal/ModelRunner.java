package org.hourglass.pipeline.internal;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.hourglass.api.executor.ModelSession;
import org.hourglass.api.pipeline.PipelineException;
import org.hourglass.spi.InputSpec;
import org.hourglass.spi.Samples;

/** Feeds samples through an inference session in batches and gathers the named outputs. */
final class ModelRunner {

    static final int BATCH = 1024;

    private ModelRunner() {
    }

    static Map<String, Samples> run(ModelSession session, OrtEnvironment env, InputSpec spec, float[] values,
                                    int count, Set<String> outputs) {
        return run(session, env, spec, values, count, outputs, null, null);
    }

    /**
     * As {@link #run(ModelSession, OrtEnvironment, InputSpec, float[], int, Set)}, with a second per-sample input
     * (a conditional family's one-hot condition): {@code extraName} and its rows, or nulls.
     */
    static Map<String, Samples> run(ModelSession session, OrtEnvironment env, InputSpec spec, float[] values,
                                    int count, Set<String> outputs, String extraName, Samples extra) {
        int width = spec.features();
        Map<String, float[]> gathered = new LinkedHashMap<>();
        Map<String, Integer> widths = new LinkedHashMap<>();
        long[] shape = spec.batchShape();
        for (int from = 0; from < count; from += BATCH) {
            int n = Math.min(BATCH, count - from);
            shape[0] = n;
            try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(values, from * width, n * width), shape);
                 OnnxTensor e = extra == null ? null : OnnxTensor.createTensor(env, FloatBuffer.wrap(extra.values(),
                         from * extra.width(), n * extra.width()), new long[] {n, extra.width()});
                 OrtSession.Result result = session.run(e == null ? Map.of(Composer.INPUT, x)
                         : Map.of(Composer.INPUT, x, extraName, e), outputs)) {
                for (String name : outputs) {
                    FloatBuffer b = ((OnnxTensor) result.get(name).orElseThrow()).getFloatBuffer();
                    int w = b.remaining() / n;
                    float[] all = gathered.computeIfAbsent(name, k -> new float[count * w]);
                    widths.put(name, w);
                    b.get(all, from * w, n * w);
                }
            } catch (OrtException e) {
                throw new PipelineException("model '" + session.name() + "' failed: " + e.getMessage(), e);
            }
        }
        Map<String, Samples> out = new LinkedHashMap<>();
        for (String name : outputs) {
            out.put(name, new Samples(gathered.getOrDefault(name, new float[0]), count, widths.getOrDefault(name, 1)));
        }
        return out;
    }
}
