package org.hourglass.web.metrics;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot.InfoDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.PrometheusNaming;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import org.hourglass.api.executor.ExecutorInfo;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.api.pipeline.PipelineStatus;
import org.hourglass.api.pipeline.ServingStats;
import org.hourglass.api.pipeline.TrainingProgress;

/**
 * The metrics page made from API records (no services) as the Prometheus Java client's snapshots, written by its
 * text format writer; the names are documented in docs/metrics.md. The values are counted where they arise (the
 * pipelines' serving meters, the executor) and read at scrape time, so each scrape builds fresh snapshots instead of
 * keeping metric objects in a registry.
 */
final class Metrics {

    /** The Prometheus text exposition format 0.0.4. */
    static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

    private static final PrometheusTextFormatWriter WRITER = PrometheusTextFormatWriter.create();

    /** One pipeline's snapshot. */
    record PipelineSnapshot(PipelineStatus status, ServingStats serving) {
    }

    private Metrics() {
    }

    static String render(List<PipelineSnapshot> pipelines, ExecutorInfo executor) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        try {
            WRITER.write(out, snapshots(pipelines, executor));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array stream does not fail
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    static MetricSnapshots snapshots(List<PipelineSnapshot> pipelines, ExecutorInfo executor) {
        List<MetricSnapshot> m = new ArrayList<>();
        // One series per name: a second configuration with a taken name is FAILED and gives way to the owner.
        List<PipelineSnapshot> sorted = pipelines.stream()
                .collect(java.util.stream.Collectors.toMap(p -> p.status().name(), p -> p,
                        (a, b) -> a.status().state() == PipelineState.FAILED ? b : a))
                .values().stream().sorted(Comparator.comparing(p -> p.status().name())).toList();

        m.add(gauge("hourglass_pipelines", "Pipelines configured.", List.of(point(sorted.size(), Labels.EMPTY))));

        List<GaugeDataPointSnapshot> states = new ArrayList<>();
        for (PipelineSnapshot p : sorted) {
            for (PipelineState s : PipelineState.values()) {
                states.add(point(p.status().state() == s ? 1 : 0,
                        Labels.of("pipeline", p.status().name(), "state", s.name())));
            }
        }
        m.add(gauge("hourglass_pipeline_state",
                "1 for the state the pipeline is in, 0 for the others (WAITING, READY, TRAINING, TRAINED, FAILED).",
                states));

        m.add(counter("hourglass_pipeline_requests",
                "Serving calls (score, label, encode, reconstruct, evaluate) answered or refused.", sorted,
                s -> s.requests()));
        m.add(counter("hourglass_pipeline_errors", "Serving calls that ended with an error.", sorted,
                s -> s.errors()));
        m.add(counter("hourglass_pipeline_samples", "Samples in answered serving calls.", sorted,
                s -> s.samples()));
        HistogramSnapshot.Builder durations = HistogramSnapshot.builder()
                .name("hourglass_pipeline_request_duration_seconds").help("Duration of serving calls.");
        sorted.forEach(p -> durations.dataPoint(HistogramDataPointSnapshot.builder()
                .classicHistogramBuckets(buckets(p.serving())).sum(p.serving().latencySeconds())
                .labels(pipeline(p)).build()));
        m.add(durations.build());

        // Training: the running or last job in this process; absent for pipelines never trained here.
        List<PipelineSnapshot> trained = sorted.stream().filter(p -> p.status().progress() != null).toList();
        if (!trained.isEmpty()) {
            m.add(training(trained, "hourglass_training_running", "1 while a training job runs, else 0.",
                    pr -> pr.done() ? 0 : 1));
            m.add(training(trained, "hourglass_training_epoch", "Epoch running or last run (1-based).",
                    TrainingProgress::epoch));
            m.add(training(trained, "hourglass_training_epochs", "Epochs planned.", TrainingProgress::epochs));
            m.add(training(trained, "hourglass_training_steps", "Training steps done in the job.",
                    TrainingProgress::step));
            m.add(training(trained, "hourglass_training_steps_planned", "Training steps planned for the job.",
                    TrainingProgress::steps));
            m.add(training(trained, "hourglass_training_loss", "Latest training step's loss.",
                    TrainingProgress::loss));
            m.add(training(trained, "hourglass_training_samples_per_second",
                    "Training throughput of the current epoch.", TrainingProgress::samplesPerSecond));
            m.add(training(trained, "hourglass_training_eta_seconds", "Estimated seconds to the end of the job.",
                    TrainingProgress::etaSeconds));
        }

        // Model metrics: one family per key of PipelineStatus.metrics() (eval_auroc, threshold, final_loss...).
        Map<String, List<GaugeDataPointSnapshot>> byMetric = new TreeMap<>();
        Map<String, String> keyOf = new TreeMap<>();
        for (PipelineSnapshot p : sorted) {
            p.status().metrics().forEach((k, v) -> {
                String name = "hourglass_model_" + sanitize(k);
                if (!PrometheusNaming.isValidMetricName(name)) {
                    return; // a key ending like a reserved suffix (_total, _info...): not a gauge name Prometheus takes
                }
                keyOf.putIfAbsent(name, k);
                byMetric.computeIfAbsent(name, x -> new ArrayList<>()).add(point(v, pipeline(p)));
            });
        }
        byMetric.forEach((name, points) -> m.add(gauge(name,
                "Served model's '" + keyOf.get(name) + "' (from pipeline.json).", points)));

        if (executor != null) {
            m.add(InfoSnapshot.builder().name("hourglass_executor")
                    .help("The ONNX Runtime executor's device and settings (value 1).")
                    .dataPoint(InfoDataPointSnapshot.builder().labels(Labels.of("requested",
                            executor.requested().name(), "active", executor.active().name(), "device_id",
                            Integer.toString(executor.deviceId()), "optimization_level",
                            executor.optimizationLevel(), "providers", String.join(",",
                                    executor.availableProviders()))).build())
                    .build());
            m.add(gauge("hourglass_executor_cuda", "1 when models run on CUDA, 0 on CPU.",
                    List.of(point(executor.active().name().equals("CUDA") ? 1 : 0, Labels.EMPTY))));
            m.add(gauge("hourglass_executor_intra_op_threads", "Threads inside one operator (0 = default).",
                    List.of(point(executor.intraOpThreads(), Labels.EMPTY))));
            m.add(gauge("hourglass_executor_inter_op_threads", "Threads across operators (0 = default).",
                    List.of(point(executor.interOpThreads(), Labels.EMPTY))));
            m.add(gauge("hourglass_executor_sessions_open", "Models loaded into the executor and not closed.",
                    List.of(point(executor.openSessions(), Labels.EMPTY))));
            m.add(CounterSnapshot.builder().name("hourglass_executor_runs")
                    .help("Model runs since the executor started.")
                    .dataPoint(CounterDataPointSnapshot.builder().value(executor.runs()).build()).build());
        }
        return new MetricSnapshots(m);
    }

    /**
     * The client's classic buckets from the API's cumulative counts (the client counts per bucket and writes them
     * cumulated again).
     */
    static ClassicHistogramBuckets buckets(ServingStats s) {
        double[] bounds = s.bucketBounds();
        long[] cumulative = s.bucketCounts();
        long[] counts = new long[cumulative.length];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = cumulative[i] - (i == 0 ? 0 : cumulative[i - 1]);
        }
        return ClassicHistogramBuckets.of(bounds, counts);
    }

    /** A metric name part from free text: anything outside [a-zA-Z0-9_] becomes '_'. */
    static String sanitize(String s) {
        String n = s.replaceAll("[^a-zA-Z0-9_]", "_");
        return n.isEmpty() || Character.isDigit(n.charAt(0)) ? "_" + n : n;
    }

    private static Labels pipeline(PipelineSnapshot p) {
        return Labels.of("pipeline", p.status().name());
    }

    private static GaugeDataPointSnapshot point(double value, Labels labels) {
        return GaugeDataPointSnapshot.builder().value(value).labels(labels).build();
    }

    private static GaugeSnapshot gauge(String name, String help, List<GaugeDataPointSnapshot> points) {
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
        points.forEach(b::dataPoint);
        return b.build();
    }

    /** A counter per pipeline; the writer adds the {@code _total} suffix to the name. */
    private static CounterSnapshot counter(String name, String help, List<PipelineSnapshot> pipelines,
                                           ToDoubleFunction<ServingStats> value) {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
        pipelines.forEach(p -> b.dataPoint(CounterDataPointSnapshot.builder()
                .value(value.applyAsDouble(p.serving())).labels(pipeline(p)).build()));
        return b.build();
    }

    private static GaugeSnapshot training(List<PipelineSnapshot> pipelines, String name, String help,
                                          ToDoubleFunction<TrainingProgress> value) {
        return gauge(name, help, pipelines.stream()
                .map(p -> point(value.applyAsDouble(p.status().progress()), pipeline(p))).toList());
    }
}
