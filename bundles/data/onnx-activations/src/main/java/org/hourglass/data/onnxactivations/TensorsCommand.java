package org.hourglass.data.onnxactivations;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.hourglass.api.executor.ModelSession;
import org.hourglass.api.executor.OnnxExecutor;
import org.hourglass.data.paths.DataPaths;
import org.hourglass.spi.DataException;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Gogo command {@code hourglass:tensors [model] [filter]}: the tensors a model computes, to choose the
 * {@code tensor} of an activation data source. For each: name, op type, element type and its shape for a probe
 * document (the model run once on a short text, so per-token tensors show as {@code [1, tokens, ...]}). Without a
 * model it lists the default all-MiniLM-L6-v2.
 */
@Component(service = Object.class, immediate = true, property = {
        "osgi.command.scope=hourglass", "osgi.command.function=tensors"})
public final class TensorsCommand {

    /** The probe document: [CLS] hello world . [SEP] in a BERT vocabulary. */
    static final String PROBE_TEXT = "Hello world.";

    private final DataPaths paths;
    private final OnnxExecutor executor;

    @Activate
    public TensorsCommand(BundleContext context, @Reference(name = "executor") OnnxExecutor executor) {
        this(DataPaths.of(context::getProperty), executor);
    }

    TensorsCommand(DataPaths paths, OnnxExecutor executor) {
        this.paths = paths;
        this.executor = executor;
    }

    /** All tensors of the default model. */
    public String tensors() {
        return tensors("");
    }

    /** Tensors of the default model whose name contains {@code filter} (case-insensitive). */
    public String tensors(String filter) {
        return list(executor, ModelFiles.defaultModel(), filter);
    }

    /** Tensors of {@code model} (an .onnx file or a jar holding one) whose name contains {@code filter}. */
    public String tensors(String model, String filter) {
        return list(executor, paths.check("model", Path.of(model)), filter);
    }

    static String list(OnnxExecutor executor, Path model, String filter) {
        ModelFiles.ModelBytes m = ModelFiles.modelOnly(model);
        ModelProto proto = TensorTap.parse(m.where(), m.bytes());
        List<TensorTap.TensorInfo> all = TensorTap.tensors(proto);
        String f = filter == null ? "" : filter.toLowerCase(Locale.ROOT);
        List<TensorTap.TensorInfo> shown = all.stream()
                .filter(t -> t.name().toLowerCase(Locale.ROOT).contains(f)).toList();
        Map<String, String[]> probed = new HashMap<>();
        String note;
        try {
            WordPieceTokenizer tokenizer = ModelFiles.read(model, null, (a, p) -> p).tokenizer();
            probed = probe(executor, proto, tokenizer, shown.stream().map(TensorTap.TensorInfo::name).toList());
            note = "shapes for the probe text '" + PROBE_TEXT + "' (" + tokenizer.encode(PROBE_TEXT, 512).length()
                    + " tokens): [1, tokens, ...] is per token";
        } catch (DataException | IllegalArgumentException e) {
            note = "no shapes: " + e.getMessage();
        }
        StringBuilder sb = new StringBuilder();
        for (TensorTap.TensorInfo t : shown) {
            String[] p = probed.get(t.name());
            sb.append(String.format(Locale.ROOT, "%-70s %-12s %-8s %s%n", t.name(), t.opType(),
                    p == null ? t.elementType() : p[0], p == null ? "" : p[1]));
        }
        sb.append(shown.size()).append(" of ").append(all.size()).append(" tensors of ").append(m.where())
                .append(f.isEmpty() ? "" : " matching '" + filter + "'").append("; ").append(note);
        return sb.toString();
    }

    /** Element type and shape of each of {@code names} when the model runs once on the probe text. */
    private static Map<String, String[]> probe(OnnxExecutor executor, ModelProto model, WordPieceTokenizer tokenizer,
                                               List<String> names) {
        Map<String, String[]> out = new HashMap<>();
        if (names.isEmpty()) {
            return out;
        }
        long[] ids = tokenizer.encode(PROBE_TEXT, 512).ids();
        long[] shape = {1, ids.length};
        long[] ones = new long[ids.length];
        Arrays.fill(ones, 1L);
        Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
        try (ModelSession session = executor.load("tensor probe", TensorTap.probe(model, names))) {
            for (String name : session.inputs().keySet()) {
                long[] data = switch (name) {
                    case "input_ids" -> ids;
                    case "attention_mask" -> ones;
                    case "token_type_ids" -> new long[ids.length];
                    default -> throw new DataException("the model has an input '" + name + "' the probe cannot feed");
                };
                inputs.put(name, OnnxTensor.createTensor(executor.environment(), LongBuffer.wrap(data), shape));
            }
            try (OrtSession.Result result = session.run(inputs)) {
                for (Map.Entry<String, OnnxValue> e : result) {
                    if (e.getValue().getInfo() instanceof TensorInfo info) {
                        out.put(e.getKey(), new String[] {info.type.name().toLowerCase(Locale.ROOT),
                                Arrays.toString(info.getShape())});
                    }
                }
            }
        } catch (OrtException e) {
            throw new DataException("the probe run failed: " + e.getMessage(), e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
        return out;
    }
}
