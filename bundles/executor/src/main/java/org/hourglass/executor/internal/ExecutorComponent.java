package org.hourglass.executor.internal;

import ai.onnxruntime.OrtEnvironment;
import org.hourglass.api.executor.ExecutorInfo;
import org.hourglass.api.executor.ModelSession;
import org.hourglass.api.executor.OnnxExecutor;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers the one {@link OnnxExecutor} of the framework. A configuration change is applied in place (open
 * sessions rebuild on their next run) so pipelines keep their handles.
 */
@Component(service = OnnxExecutor.class, configurationPid = OnnxExecutor.PID, immediate = true)
@Designate(ocd = ExecutorComponent.Config.class)
public final class ExecutorComponent implements OnnxExecutor {

    @ObjectClassDefinition(name = "Hourglass ONNX Runtime executor",
            description = "The one ONNX Runtime executor every model and training step of Hourglass runs on.")
    public @interface Config {
        @AttributeDefinition(name = "Device", description = "auto: CUDA when the CUDA build is deployed and a GPU "
                + "answers, else CPU. cpu: always the CPU. cuda: the GPU, failing clearly when there is none.",
                options = {@Option(label = "auto", value = "auto"), @Option(label = "cpu", value = "cpu"),
                        @Option(label = "cuda", value = "cuda")})
        String device() default "auto";

        @AttributeDefinition(name = "CUDA device id", description = "Ordinal of the GPU to use (0 = first).", min = "0")
        int device_id() default 0;

        @AttributeDefinition(name = "Intra-op threads", description = "Threads inside one operator: a positive "
                + "number, or auto to let ONNX Runtime choose (one per physical core).")
        String intra_op_threads() default ExecutorSettings.AUTO;

        @AttributeDefinition(name = "Inter-op threads", description = "Threads running independent operators "
                + "in parallel: a positive number, or auto to let ONNX Runtime choose.")
        String inter_op_threads() default ExecutorSettings.AUTO;

        @AttributeDefinition(name = "Graph optimization level", description = "How much ONNX Runtime rewrites "
                + "graphs before running them (fusions, constant folding).",
                options = {@Option(label = "none", value = "none"), @Option(label = "basic", value = "basic"),
                        @Option(label = "extended", value = "extended"), @Option(label = "all", value = "all")})
        String optimization_level() default "all";
    }

    private static final Logger LOG = LoggerFactory.getLogger(ExecutorComponent.class);

    private final OrtExecutor executor;

    /**
     * A configuration the executor cannot run with (device=cuda without a GPU, a zero or negative thread count, an unknown
     * word) is refused with an error naming the problem, but the executor still starts, with the default settings:
     * without it no pipeline could exist, and the console and REST API could not even show what is wrong.
     */
    @Activate
    public ExecutorComponent(Config config) {
        OrtExecutor started;
        try {
            started = new OrtExecutor(settings(config));
        } catch (RuntimeException refused) {
            started = new OrtExecutor(ExecutorSettings.defaults());
            started.noteRefusal(refused.getMessage());
            LOG.error("Executor configuration refused: {}. Running with the defaults ({}) until it is corrected",
                    refused.getMessage(), started.info().reason());
        }
        this.executor = started;
    }

    /**
     * Never throws: SCR answers an exception from a modified method by re-creating the component, which would
     * restart every pipeline for a configuration that is not even applied. The previous settings stay.
     */
    @Modified
    void modified(Config config) {
        try {
            executor.update(settings(config));
        } catch (RuntimeException e) {
            executor.noteRefusal(e.getMessage());
            LOG.error("Executor configuration not applied, keeping {}: {}", executor.info(), e.getMessage());
        }
    }

    @Deactivate
    void deactivate() {
        executor.close();
    }

    static ExecutorSettings settings(Config c) {
        return new ExecutorSettings(ExecutorSettings.parseDevice(c.device()), c.device_id(),
                ExecutorSettings.parseThreads(c.intra_op_threads(), "intra.op.threads"),
                ExecutorSettings.parseThreads(c.inter_op_threads(), "inter.op.threads"),
                ExecutorSettings.parseOptimizationLevel(c.optimization_level()));
    }

    @Override
    public ExecutorInfo info() {
        return executor.info();
    }

    @Override
    public OrtEnvironment environment() {
        return executor.environment();
    }

    @Override
    public ModelSession load(String name, byte[] model) {
        return executor.load(name, model);
    }
}
