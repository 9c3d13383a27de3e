package org.hourglass.web.metrics;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.hourglass.api.executor.ExecutorInfo;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.api.pipeline.PipelineStatus;
import org.hourglass.api.pipeline.ServingStats;
import org.hourglass.api.pipeline.TrainingProgress;

/** The metrics page made from API records (no services): the names are documented in docs/metrics.md. */
final class Metrics {

    /** One pipeline's snapshot. */
    record PipelineSnapshot(PipelineStatus status, ServingStats serving) {
    }

    private Metrics() {
    }

    static String render(List<PipelineSnapshot> pipelines, ExecutorInfo executor) {
        PrometheusText t = new PrometheusText();
        // One series per name: a second configuration with a taken name is FAILED and gives way to the owner.
        List<PipelineSnapshot> sorted = pipelines.stream()
                .collect(java.util.stream.Collectors.toMap(p -> p.status().name(), p -> p,
                        (a, b) -> a.status().state() == PipelineState.FAILED ? b : a))
                .values().stream().sorted(Comparator.comparing(p -> p.status().name())).toList();

        t.family("hourglass_pipelines", "gauge", "Pipelines configured.");
        t.sample("hourglass_pipelines", sorted.size());

        t.family("hourglass_pipeline_state", "gauge",
                "1 for the state the pipeline is in, 0 for the others (WAITING, READY, TRAINING, TRAINED, FAILED).");
        for (PipelineSnapshot p : sorted) {
            for (PipelineState s : PipelineState.values()) {
                t.sample("hourglass_pipeline_state", p.status().state() == s ? 1 : 0, "pipeline", p.status().name(),
                        "state", s.name());
            }
        }

        t.family("hourglass_pipeline_requests_total", "counter",
                "Serving calls (score, label, encode, reconstruct, evaluate) answered or refused.");
        sorted.forEach(p -> t.sample("hourglass_pipeline_requests_total", p.serving().requests(), "pipeline",
                p.status().name()));
        t.family("hourglass_pipeline_errors_total", "counter", "Serving calls that ended with an error.");
        sorted.forEach(p -> t.sample("hourglass_pipeline_errors_total", p.serving().errors(), "pipeline",
                p.status().name()));
        t.family("hourglass_pipeline_samples_total", "counter", "Samples in answered serving calls.");
        sorted.forEach(p -> t.sample("hourglass_pipeline_samples_total", p.serving().samples(), "pipeline",
                p.status().name()));
        t.family("hourglass_pipeline_request_duration_seconds", "histogram", "Duration of serving calls.");
        sorted.forEach(p -> t.histogram("hourglass_pipeline_request_duration_seconds", p.serving().bucketBounds(),
                p.serving().bucketCounts(), p.serving().latencySeconds(), "pipeline", p.status().name()));

        // Training: the running or last job in this process; absent for pipelines never trained here.
        List<PipelineSnapshot> trained = sorted.stream().filter(p -> p.status().progress() != null).toList();
        gauge(t, trained, "hourglass_training_running", "1 while a training job runs, else 0.",
                pr -> pr.done() ? 0 : 1);
        gauge(t, trained, "hourglass_training_epoch", "Epoch running or last run (1-based).", TrainingProgress::epoch);
        gauge(t, trained, "hourglass_training_epochs", "Epochs planned.", TrainingProgress::epochs);
        gauge(t, trained, "hourglass_training_steps", "Training steps done in the job.", TrainingProgress::step);
        gauge(t, trained, "hourglass_training_steps_planned", "Training steps planned for the job.",
                TrainingProgress::steps);
        gauge(t, trained, "hourglass_training_loss", "Latest training step's loss.", TrainingProgress::loss);
        gauge(t, trained, "hourglass_training_samples_per_second", "Training throughput of the current epoch.",
                TrainingProgress::samplesPerSecond);
        gauge(t, trained, "hourglass_training_eta_seconds", "Estimated seconds to the end of the job.",
                TrainingProgress::etaSeconds);

        // Model metrics: one family per key of PipelineStatus.metrics() (eval_auroc, threshold, final_loss...).
        Map<String, Map<String, Double>> byMetric = new TreeMap<>();
        for (PipelineSnapshot p : sorted) {
            p.status().metrics().forEach((k, v) -> byMetric.computeIfAbsent(k, x -> new TreeMap<>())
                    .put(p.status().name(), v));
        }
        byMetric.forEach((metric, values) -> {
            String name = "hourglass_model_" + PrometheusText.sanitize(metric);
            t.family(name, "gauge", "Served model's '" + metric + "' (from pipeline.json).");
            values.forEach((pipeline, v) -> t.sample(name, v, "pipeline", pipeline));
        });

        if (executor != null) {
            t.family("hourglass_executor_info", "gauge", "The ONNX Runtime executor's device and settings (value 1).");
            t.sample("hourglass_executor_info", 1, "requested", executor.requested().name(), "active",
                    executor.active().name(), "device_id", Integer.toString(executor.deviceId()),
                    "optimization_level", executor.optimizationLevel(),
                    "providers", String.join(",", executor.availableProviders()));
            t.family("hourglass_executor_cuda", "gauge", "1 when models run on CUDA, 0 on CPU.");
            t.sample("hourglass_executor_cuda", executor.active().name().equals("CUDA") ? 1 : 0);
            t.family("hourglass_executor_intra_op_threads", "gauge", "Threads inside one operator (0 = default).");
            t.sample("hourglass_executor_intra_op_threads", executor.intraOpThreads());
            t.family("hourglass_executor_inter_op_threads", "gauge", "Threads across operators (0 = default).");
            t.sample("hourglass_executor_inter_op_threads", executor.interOpThreads());
            t.family("hourglass_executor_sessions_open", "gauge", "Models loaded into the executor and not closed.");
            t.sample("hourglass_executor_sessions_open", executor.openSessions());
            t.family("hourglass_executor_runs_total", "counter", "Model runs since the executor started.");
            t.sample("hourglass_executor_runs_total", executor.runs());
        }
        return t.toString();
    }

    private static void gauge(PrometheusText t, List<PipelineSnapshot> pipelines, String name, String help,
                              java.util.function.ToDoubleFunction<TrainingProgress> value) {
        if (pipelines.isEmpty()) {
            return;
        }
        t.family(name, "gauge", help);
        pipelines.forEach(p -> t.sample(name, value.applyAsDouble(p.status().progress()), "pipeline",
                p.status().name()));
    }
}
