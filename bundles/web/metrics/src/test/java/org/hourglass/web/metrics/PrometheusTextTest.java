package org.hourglass.web.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.hourglass.api.executor.Device;
import org.hourglass.api.executor.ExecutorInfo;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.api.pipeline.PipelineStatus;
import org.hourglass.api.pipeline.ServingStats;
import org.hourglass.api.pipeline.TrainingProgress;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {

    @Test
    void labelValuesAndHelpAreEscaped() {
        String text = new PrometheusText().family("m", "gauge", "a \\ help\nline")
                .sample("m", 1.5, "pipeline", "quote\" back\\slash\nline").toString();
        assertEquals("# HELP m a \\\\ help\\nline\n# TYPE m gauge\nm{pipeline=\"quote\\\" back\\\\slash\\nline\"} 1.5\n",
                text);
    }

    @Test
    void familiesAreDeclaredOnceAndNumbersFormatted() {
        String text = new PrometheusText().family("c_total", "counter", "h").sample("c_total", 3)
                .family("c_total", "counter", "h").sample("c_total", Double.NaN, "a", "b").toString();
        assertEquals("# HELP c_total h\n# TYPE c_total counter\nc_total 3\nc_total{a=\"b\"} NaN\n", text);
        assertEquals("+Inf", PrometheusText.number(Double.POSITIVE_INFINITY));
        assertEquals("1.0E-4", PrometheusText.number(1e-4));
        assertEquals("0.25", PrometheusText.number(0.25));
        assertEquals("eval_auroc", PrometheusText.sanitize("eval_auroc"));
        assertEquals("a_b_c", PrometheusText.sanitize("a.b-c"));
        assertThrows(IllegalArgumentException.class, () -> new PrometheusText().family("bad name", "gauge", ""));
        assertThrows(IllegalArgumentException.class, () -> new PrometheusText().sample("m", 1, "odd"));
    }

    @Test
    void histogramHasCumulativeBucketsSumAndCount() {
        String text = new PrometheusText().histogram("d_seconds", new double[] {0.1, 1, Double.POSITIVE_INFINITY},
                new long[] {2, 5, 7}, 3.25, "pipeline", "p").toString();
        assertEquals("""
                d_seconds_bucket{pipeline="p",le="0.1"} 2
                d_seconds_bucket{pipeline="p",le="1"} 5
                d_seconds_bucket{pipeline="p",le="+Inf"} 7
                d_seconds_sum{pipeline="p"} 3.25
                d_seconds_count{pipeline="p"} 7
                """, text);
        assertThrows(IllegalArgumentException.class, () -> new PrometheusText().histogram("d", new double[] {1},
                new long[] {1}, 1));
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
        ServingStats none = new ServingStats(0, 0, 0, new double[] {Double.POSITIVE_INFINITY}, new long[] {0}, 0);
        String page = Metrics.render(List.of(new Metrics.PipelineSnapshot(waiting, none),
                new Metrics.PipelineSnapshot(trained, serving)), new ExecutorInfo(Device.AUTO, Device.CPU, 0, 2, 1,
                "ALL_OPT", List.of("CPUExecutionProvider"), "no GPU", 3, 1234));
        for (String line : List.of(
                "hourglass_pipelines 2",
                "hourglass_executor_sessions_open 3",
                "hourglass_executor_runs_total 1234",
                "hourglass_pipeline_state{pipeline=\"demo\",state=\"TRAINED\"} 1",
                "hourglass_pipeline_state{pipeline=\"demo\",state=\"READY\"} 0",
                "hourglass_pipeline_state{pipeline=\"wait\",state=\"WAITING\"} 1",
                "hourglass_pipeline_requests_total{pipeline=\"demo\"} 4",
                "hourglass_pipeline_errors_total{pipeline=\"demo\"} 1",
                "hourglass_pipeline_samples_total{pipeline=\"demo\"} 30",
                "hourglass_pipeline_request_duration_seconds_bucket{pipeline=\"demo\",le=\"0.01\"} 3",
                "hourglass_pipeline_request_duration_seconds_count{pipeline=\"demo\"} 4",
                "hourglass_pipeline_request_duration_seconds_sum{pipeline=\"demo\"} 0.5",
                "hourglass_training_running{pipeline=\"demo\"} 0",
                "hourglass_training_steps{pipeline=\"demo\"} 90",
                "hourglass_training_loss{pipeline=\"demo\"} 0.0123",
                "hourglass_training_samples_per_second{pipeline=\"demo\"} 5000.5",
                "hourglass_model_eval_auroc{pipeline=\"demo\"} 0.9",
                "hourglass_model_threshold{pipeline=\"demo\"} 0.02",
                "hourglass_executor_info{requested=\"AUTO\",active=\"CPU\",device_id=\"0\","
                        + "optimization_level=\"ALL_OPT\",providers=\"CPUExecutionProvider\"} 1",
                "hourglass_executor_cuda 0",
                "hourglass_executor_intra_op_threads 2")) {
            assertTrue(page.contains("\n" + line + "\n"), line + " in\n" + page);
        }
        assertTrue(!page.contains("hourglass_training_steps{pipeline=\"wait\""), "never trained: no training lines");
        assertEquals(1, page.split("# TYPE hourglass_pipeline_request_duration_seconds histogram", -1).length - 1);
    }
}
