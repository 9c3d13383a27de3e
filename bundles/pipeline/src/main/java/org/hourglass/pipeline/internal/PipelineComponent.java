package org.hourglass.pipeline.internal;

import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import org.hourglass.api.executor.OnnxExecutor;
import org.hourglass.api.pipeline.Evaluation;
import org.hourglass.api.pipeline.Pipeline;
import org.hourglass.api.pipeline.PipelineException;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.api.pipeline.PipelineStatus;
import org.hourglass.api.pipeline.ScoreHistogram;
import org.hourglass.api.pipeline.ServingStats;
import org.hourglass.spi.PluginProperties;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;

/**
 * One pipeline per factory configuration. Its parts: the {@link PipelineStateMachine} (configuration, plug-ins,
 * training jobs, states), the {@link ServingSlot} that answers requests with the served model and meters them,
 * the {@link StoreReconciler} behind the state machine, and {@link Evaluations} of the served model.
 */
@Component(service = Pipeline.class, configurationPid = Pipeline.FACTORY_PID, immediate = true,
        configurationPolicy = ConfigurationPolicy.REQUIRE, property = PluginProperties.NAME_HINT)
@Designate(ocd = PipelineConfig.class, factory = true)
public class PipelineComponent implements Pipeline {

    private final ServingSlot slot = new ServingSlot(this::noModel);
    private final PipelineStateMachine machine;
    private final Evaluations evaluations;

    /**
     * Takes the configuration as raw properties instead of a {@link PipelineConfig} proxy: Declarative Services
     * would convert bad numbers before this runs and the pipeline would not exist at all; here it is FAILED and
     * says which attribute is wrong.
     */
    @Activate
    public PipelineComponent(Map<String, Object> properties, BundleContext context, @Reference OnnxExecutor executor,
                             @Reference PluginRegistry registry) {
        this.evaluations = new Evaluations(slot, registry, executor);
        this.machine = new PipelineStateMachine(properties, context, executor, registry, slot);
    }

    /** A configuration edit: applied in place, so the current model serves until a new one replaces it. */
    @Modified
    void modified(Map<String, Object> properties) {
        machine.modified(properties);
    }

    @Deactivate
    void deactivate() {
        machine.stop();
    }

    /** What a request is told when no model serves: the state and its message (built outside the serving lock). */
    private PipelineException noModel() {
        PipelineStatus st = status();
        return new PipelineException("pipeline '" + name() + "' has no trained model (state " + st.state()
                + (st.message().isEmpty() ? "" : ": " + st.message()) + ")");
    }

    @Override
    public void train() {
        machine.train();
    }

    @Override
    public boolean cancel() {
        return machine.cancel();
    }

    @Override
    public PipelineState awaitTraining(long timeoutMillis) throws InterruptedException {
        return machine.awaitTraining(timeoutMillis);
    }

    @Override
    public PipelineStatus status() {
        return machine.status();
    }

    @Override
    public ServingStats servingStats() {
        return slot.stats();
    }

    @Override
    public double[] score(float[][] samples) {
        return slot.score(samples);
    }

    @Override
    public boolean[] label(float[][] samples) {
        return slot.label(samples);
    }

    @Override
    public double threshold() {
        return slot.threshold();
    }

    @Override
    public float[][] encode(float[][] samples) {
        return slot.encode(samples);
    }

    @Override
    public float[][] reconstruct(float[][] samples) {
        return slot.reconstruct(samples);
    }

    @Override
    public float[][] output(String name, float[][] samples) {
        return slot.output(name, samples);
    }

    @Override
    public Evaluation evaluate(float[][] samples, int[] labels) {
        return evaluations.of(samples, labels, machine.settings(), name());
    }

    @Override
    public Evaluation evaluate() {
        Settings s = machine.settings();
        if (s == null) {
            throw new PipelineException("pipeline '" + name() + "': " + status().message());
        }
        return evaluations.ofEvaluationData(s, name());
    }

    @Override
    public Path modelFile() {
        return slot.modelFile();
    }

    @Override
    public Path recordFile() {
        return slot.withModel(m -> machine.reconciler().store().recordPath());
    }

    @Override
    public Optional<ScoreHistogram> scoreHistogram() {
        return slot.histogram();
    }

    @Override
    public Map<String, Object> configuration() {
        return Collections.unmodifiableMap(machine.configuration());
    }

    @Override
    public String name() {
        return machine.name();
    }

    @Override
    public String toString() {
        return machine.toString();
    }
}
