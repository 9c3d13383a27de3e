package org.hourglass.web.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hourglass.api.executor.Device;
import org.hourglass.api.executor.ExecutorInfo;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.api.pipeline.PipelineStatus;
import org.hourglass.api.pipeline.ServingStats;
import org.hourglass.api.pipeline.TrainingProgress;
import org.junit.jupiter.api.Test;

class MetricsTest {

    private static final ServingStats NONE = new ServingStats(0, 0, 0, new double[] {Double.POSITIVE_INFINITY},
            new long[] {0}, 0);
    private static final ExecutorInfo EXECUTOR = new ExecutorInfo(Device.AUTO, Device.CPU, 0, 2, 1, "ALL_OPT",
            List.of("CPUExecutionProvider"), "no GPU", 3, 1234);

    /** The value of one sample line, {@code name{labels}}, read as Prometheus reads it. */
    private static double value(String page, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(page);
        assertTrue(m.find(), "no sample " + series + " in\n" + page);
        return Double.parseDouble(m.group(1));
    }

    private static int count(String page, String text) {
        return page.split(Pattern.quote(text), -1).length - 1;
    }

    @Test
    void pageHasPipelineServingTrainingModelAndExecutorMetrics() {
        ServingStats serving = new ServingStats(4, 1, 30, new double[] {0.01, Double.POSITIVE_INFINITY},
                new long[] {3, 4}, 0.5);
        TrainingProgress progress = new TrainingProgress(3, 3, 90, 90, 0.0123, List.of(0.1), List.of(), 5000.5, 0,
                true);
        PipelineStatus trained = new PipelineStatus("demo", PipelineState.TRAINED, "", progress,
                Map.of("eval_auroc", 0.9, "threshold", 0.02));
        PipelineStatus waiting = new PipelineStatus("wait", PipelineState.WAITING, "family 'x'", null, Map.of());
        String page = Metrics.render(List.of(new Metrics.PipelineSnapshot(waiting, NONE),
                new Metrics.PipelineSnapshot(trained, serving)), EXECUTOR);
        Map<String, Double> expected = new java.util.LinkedHashMap<>();
        expected.put("hourglass_pipelines", 2.0);
        expected.put("hourglass_executor_sessions_open", 3.0);
        expected.put("hourglass_executor_runs_total", 1234.0);
        expected.put("hourglass_pipeline_state{pipeline=\"demo\",state=\"TRAINED\"}", 1.0);
        expected.put("hourglass_pipeline_state{pipeline=\"demo\",state=\"READY\"}", 0.0);
        expected.put("hourglass_pipeline_state{pipeline=\"wait\",state=\"WAITING\"}", 1.0);
        expected.put("hourglass_pipeline_requests_total{pipeline=\"demo\"}", 4.0);
        expected.put("hourglass_pipeline_errors_total{pipeline=\"demo\"}", 1.0);
        expected.put("hourglass_pipeline_samples_total{pipeline=\"demo\"}", 30.0);
        expected.put("hourglass_pipeline_request_duration_seconds_bucket{pipeline=\"demo\",le=\"0.01\"}", 3.0);
        expected.put("hourglass_pipeline_request_duration_seconds_bucket{pipeline=\"demo\",le=\"+Inf\"}", 4.0);
        expected.put("hourglass_pipeline_request_duration_seconds_count{pipeline=\"demo\"}", 4.0);
        expected.put("hourglass_pipeline_request_duration_seconds_sum{pipeline=\"demo\"}", 0.5);
        expected.put("hourglass_training_running{pipeline=\"demo\"}", 0.0);
        expected.put("hourglass_training_steps{pipeline=\"demo\"}", 90.0);
        expected.put("hourglass_training_loss{pipeline=\"demo\"}", 0.0123);
        expected.put("hourglass_training_samples_per_second{pipeline=\"demo\"}", 5000.5);
        expected.put("hourglass_model_eval_auroc{pipeline=\"demo\"}", 0.9);
        expected.put("hourglass_model_threshold{pipeline=\"demo\"}", 0.02);
        expected.put("hourglass_executor_info{active=\"CPU\",device_id=\"0\",optimization_level=\"ALL_OPT\","
                + "providers=\"CPUExecutionProvider\",requested=\"AUTO\"}", 1.0);
        expected.put("hourglass_executor_cuda", 0.0);
        expected.put("hourglass_executor_intra_op_threads", 2.0);
        expected.put("hourglass_executor_inter_op_threads", 1.0);
        expected.forEach((series, v) -> assertEquals(v, value(page, series), series));
        assertFalse(page.contains("hourglass_training_steps{pipeline=\"wait\""), "never trained: no training lines");
        for (String type : List.of("hourglass_pipeline_request_duration_seconds histogram",
                "hourglass_pipeline_requests_total counter", "hourglass_executor_runs_total counter",
                "hourglass_executor_info gauge", "hourglass_pipeline_state gauge", "hourglass_model_eval_auroc gauge")) {
            assertEquals(1, count(page, "\n# TYPE " + type + "\n"), type + " declared once in\n" + page);
        }
        assertEquals(1, count(page, "# HELP hourglass_pipeline_state 1 for the state the pipeline is in"));
        assertFalse(page.contains("_created"), "no _created series: the snapshots carry no creation time");
    }

    @Test
    void histogramBucketsAreCumulativeAsTheApiCountsThem() {
        // Cumulative counts 1, 1, 3, 4: one call per bucket but the second, whose count stays.
        ServingStats serving = new ServingStats(4, 0, 4, new double[] {0.001, 0.1, 1, Double.POSITIVE_INFINITY},
                new long[] {1, 1, 3, 4}, 3.25);
        PipelineStatus p = new PipelineStatus("p", PipelineState.TRAINED, "", null, Map.of());
        String page = Metrics.render(List.of(new Metrics.PipelineSnapshot(p, serving)), null);
        String name = "hourglass_pipeline_request_duration_seconds";
        assertEquals(1, value(page, name + "_bucket{pipeline=\"p\",le=\"0.001\"}"));
        assertEquals(1, value(page, name + "_bucket{pipeline=\"p\",le=\"0.1\"}"));
        assertEquals(3, value(page, name + "_bucket{pipeline=\"p\",le=\"1.0\"}"));
        assertEquals(4, value(page, name + "_bucket{pipeline=\"p\",le=\"+Inf\"}"));
        assertEquals(4, value(page, name + "_count{pipeline=\"p\"}"));
        assertEquals(3.25, value(page, name + "_sum{pipeline=\"p\"}"));
        assertFalse(page.contains("hourglass_executor"), "no executor: no executor lines");
    }

    @Test
    void labelValuesAreEscapedAndMetricKeysSanitized() {
        PipelineStatus odd = new PipelineStatus("quote\" back\\slash\nline", PipelineState.READY, "", null,
                Map.of("a.b-c", 1.5, "9lives", 2.0));
        String page = Metrics.render(List.of(new Metrics.PipelineSnapshot(odd, NONE)), null);
        String labels = "{pipeline=\"quote\\\" back\\\\slash\\nline\"}";
        assertEquals(0, value(page, "hourglass_pipeline_requests_total" + labels));
        assertEquals(1.5, value(page, "hourglass_model_a_b_c" + labels));
        assertEquals(2.0, value(page, "hourglass_model__9lives" + labels));
        assertTrue(page.contains("# HELP hourglass_model_a_b_c Served model's 'a.b-c' (from pipeline.json).\n"), page);
        assertEquals("a_b_c", Metrics.sanitize("a.b-c"));
        assertEquals("eval_auroc", Metrics.sanitize("eval_auroc"));
        assertTrue(Metrics.CONTENT_TYPE.startsWith("text/plain; version=0.0.4"), Metrics.CONTENT_TYPE);
    }

    @Test
    void oneSeriesPerNameTheOwnersOverAFailedDuplicate() {
        PipelineStatus owner = new PipelineStatus("conf", PipelineState.TRAINED, "", null, Map.of());
        PipelineStatus refused = new PipelineStatus("conf", PipelineState.FAILED, "name taken", null, Map.of());
        String page = Metrics.render(List.of(new Metrics.PipelineSnapshot(refused, NONE),
                new Metrics.PipelineSnapshot(owner, NONE)), null);
        assertEquals(1, value(page, "hourglass_pipelines"));
        assertEquals(1, value(page, "hourglass_pipeline_state{pipeline=\"conf\",state=\"TRAINED\"}"));
        assertEquals(0, value(page, "hourglass_pipeline_state{pipeline=\"conf\",state=\"FAILED\"}"));
    }
}
