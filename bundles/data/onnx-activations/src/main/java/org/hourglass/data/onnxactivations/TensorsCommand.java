package org.hourglass.data.onnxactivations;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.hourglass.data.paths.DataPaths;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * Gogo command {@code hourglass:tensors [model] [filter]}: the tensors a model computes (name, op type, element
 * type where the model declares it), to choose the {@code tensor} of an activation data source. Without a model it
 * lists the default all-MiniLM-L6-v2.
 */
@Component(service = Object.class, immediate = true, property = {
        "osgi.command.scope=hourglass", "osgi.command.function=tensors"})
public final class TensorsCommand {

    private final DataPaths paths;

    @Activate
    public TensorsCommand(BundleContext context) {
        this(DataPaths.of(context::getProperty));
    }

    TensorsCommand(DataPaths paths) {
        this.paths = paths;
    }

    /** All tensors of the default model. */
    public String tensors() {
        return tensors("");
    }

    /** Tensors of the default model whose name contains {@code filter} (case-insensitive). */
    public String tensors(String filter) {
        return list(ModelFiles.defaultModel(), filter);
    }

    /** Tensors of {@code model} (an .onnx file or a jar holding one) whose name contains {@code filter}. */
    public String tensors(String model, String filter) {
        return list(paths.check("model", Path.of(model)), filter);
    }

    static String list(Path model, String filter) {
        ModelFiles.ModelBytes m = ModelFiles.modelOnly(model);
        List<TensorTap.TensorInfo> all = TensorTap.tensors(TensorTap.parse(m.where(), m.bytes()));
        String f = filter == null ? "" : filter.toLowerCase(Locale.ROOT);
        StringBuilder sb = new StringBuilder();
        int shown = 0;
        for (TensorTap.TensorInfo t : all) {
            if (t.name().toLowerCase(Locale.ROOT).contains(f)) {
                sb.append(String.format(Locale.ROOT, "%-70s %-20s %s%n", t.name(), t.opType(), t.elementType()));
                shown++;
            }
        }
        sb.append(shown).append(" of ").append(all.size()).append(" tensors of ").append(model)
                .append(f.isEmpty() ? "" : " matching '" + filter + "'");
        return sb.toString();
    }
}
