package org.hourglass.data.onnxactivations;

import java.util.Collection;
import java.util.Locale;
import org.hourglass.api.pipeline.Pipeline;
import org.hourglass.spi.DataSource;
import org.hourglass.spi.PluginProperties;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

/**
 * Gogo command {@code hourglass:splice <activations source> <pipeline> [documents]}: the downstream metric of a
 * pipeline trained on an activation data source: how much of the model's sentence embedding survives when the
 * tapped tensor is replaced by the pipeline's reconstruction (for a transcoder, the target tensor by its
 * prediction), relative to zero-ablation.
 */
@Component(service = Object.class, immediate = true, property = {
        "osgi.command.scope=hourglass", "osgi.command.function=splice"})
public final class SpliceCommand {

    private final BundleContext context;

    @Activate
    public SpliceCommand(BundleContext context) {
        this.context = context;
    }

    /** Over the first 64 documents of the corpus. */
    public String splice(String source, String pipeline) {
        return splice(source, pipeline, 64);
    }

    /** Over the first {@code documents} documents of the corpus (0 = all). */
    public String splice(String source, String pipeline, int documents) {
        ServiceReference<DataSource> sourceRef = reference(DataSource.class, source, "data source");
        ServiceReference<Pipeline> pipelineRef = reference(Pipeline.class, pipeline, "pipeline");
        try {
            DataSource ds = context.getService(sourceRef);
            Pipeline p = context.getService(pipelineRef);
            if (ds == null || p == null) {
                throw new IllegalArgumentException((ds == null ? "data source '" + source : "pipeline '" + pipeline)
                        + "' went away");
            }
            if (!(ds instanceof OnnxActivationsDataSource acts)) {
                throw new IllegalArgumentException("data source '" + source + "' is not an ONNX activations source");
            }
            return format(source, pipeline, acts.splice(p::reconstruct, documents));
        } finally {
            context.ungetService(pipelineRef);
            context.ungetService(sourceRef);
        }
    }

    static String format(String source, String pipeline, Splice.Result r) {
        return String.format(Locale.ROOT, "pipeline '%s' spliced into '%s': %d documents, %d tokens replaced%n"
                + "cosine of sentence embeddings with/without splice %.4f, with zero-ablation %.4f%n"
                + "preserved (relative to zero-ablation) %.4f", pipeline, source, r.documents(), r.tokens(),
                r.cosineSplice(), r.cosineZero(), r.preserved());
    }

    private <T> ServiceReference<T> reference(Class<T> type, String name, String what) {
        try {
            Collection<ServiceReference<T>> refs = context.getServiceReferences(type,
                    "(" + PluginProperties.NAME + "=" + name.replaceAll("([\\\\()*])", "\\\\$1") + ")");
            if (refs.isEmpty()) {
                throw new IllegalArgumentException("no " + what + " named '" + name + "'");
            }
            return refs.iterator().next();
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException("bad " + what + " name '" + name + "'", e);
        }
    }
}
