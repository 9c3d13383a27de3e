package org.hourglass.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metrics endpoint of the exported server: after REST scoring calls (one of them refused for its input), the
 * Prometheus page counts the requests, errors and samples of the pipeline, and its latency histogram's count and
 * +Inf bucket equal the requests.
 */
class MetricsIT {

    private static final Path SCRIPT = Path.of(System.getProperty("hourglass.script", "bin/hourglass"));
    private static final String API = "/hourglass/api";

    @TempDir
    Path home;

    @Test
    void countsScoringRequestsErrorsSamplesAndLatencies() throws Exception {
        deploy();
        String password = UUID.randomUUID().toString();
        Map<String, String> auth = Map.of("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                (RunningServer.USER + ":" + password).getBytes(StandardCharsets.UTF_8)));
        try (RunningServer s = RunningServer.start(SCRIPT, home, password)) {
            s.await("pipeline 'metrics' to be READY", Duration.ofSeconds(90),
                    () -> state(metrics(s), "READY") == 1);
            String before = metrics(s);
            assertEquals(0, value(before, "hourglass_pipeline_requests_total{pipeline=\"metrics\"}"));

            HttpResponse<byte[]> started = s.send("POST", API + "/pipelines/metrics/train", auth, null);
            assertEquals(202, started.statusCode(), new String(started.body(), StandardCharsets.UTF_8));
            s.await("training to finish", Duration.ofSeconds(90), () -> state(metrics(s), "TRAINED") == 1);

            int samples = 0;
            for (int rows : new int[] {2, 3, 4}) {
                HttpResponse<byte[]> r = s.send("POST", API + "/pipelines/metrics/score", json(auth),
                        instances(rows, 784).getBytes(StandardCharsets.UTF_8));
                assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
                samples += rows;
            }
            // A row the pipeline itself refuses (a NaN; a wrong width is refused by the REST layer before it).
            Map<String, String> csv = new java.util.HashMap<>(auth);
            csv.put("Content-Type", "text/csv");
            String nanRow = "nan" + ",0".repeat(783) + "\n";
            HttpResponse<byte[]> bad = s.send("POST", API + "/pipelines/metrics/score", csv,
                    nanRow.getBytes(StandardCharsets.UTF_8));
            assertEquals(400, bad.statusCode(), new String(bad.body(), StandardCharsets.UTF_8));
            assertTrue(new String(bad.body(), StandardCharsets.UTF_8).contains("feature 0 is NaN"),
                    new String(bad.body(), StandardCharsets.UTF_8));

            HttpResponse<String> page = s.get("/hourglass/metrics", false);
            assertEquals(200, page.statusCode());
            assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
                    page.headers().toString());
            String text = page.body();
            String p = "{pipeline=\"metrics\"}";
            assertEquals(4, value(text, "hourglass_pipeline_requests_total" + p), text);
            assertEquals(1, value(text, "hourglass_pipeline_errors_total" + p), text);
            assertEquals(samples, value(text, "hourglass_pipeline_samples_total" + p), text);
            assertEquals(4, value(text, "hourglass_pipeline_request_duration_seconds_count" + p), text);
            assertEquals(4, value(text,
                    "hourglass_pipeline_request_duration_seconds_bucket{pipeline=\"metrics\",le=\"+Inf\"}"), text);
            assertTrue(value(text, "hourglass_pipeline_request_duration_seconds_sum" + p) > 0, text);
            assertEquals(2, value(text, "hourglass_training_epochs" + p), text);
            assertEquals(0, value(text, "hourglass_training_running" + p), text);
            assertTrue(value(text, "hourglass_training_steps" + p) > 0, text);
            assertTrue(value(text, "hourglass_model_eval_auroc" + p) > 0.5, text);
            assertTrue(value(text, "hourglass_model_threshold" + p) > 0, text);
            assertTrue(text.contains("# TYPE hourglass_pipeline_request_duration_seconds histogram\n"), text);
            // The client's writer puts labels in name order and writes every sample value as a double
            assertTrue(Pattern.compile("(?m)^hourglass_executor_info\\{active=\"(CPU|CUDA)\",.*,requested=\"AUTO\""
                    + "\\} 1(\\.0)?$").matcher(text).find(), text);
            // Read-only: other methods are refused by the servlet.
            assertEquals(405, s.send("POST", "/hourglass/metrics", Map.of(), new byte[0]).statusCode());
        }
    }

    private static Map<String, String> json(Map<String, String> auth) {
        Map<String, String> h = new HashMap<>(auth);
        h.put("Content-Type", "application/json");
        return h;
    }

    private static String metrics(RunningServer s) throws InterruptedException {
        try {
            HttpResponse<String> r = s.get("/hourglass/metrics", false);
            return r.statusCode() == 200 ? r.body() : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** The value of {@code hourglass_pipeline_state} for the pipeline and state; -1 while the page lacks it. */
    private static double state(String page, String state) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote("hourglass_pipeline_state{pipeline=\"metrics\",state=\""
                + state + "\"}") + " (\\S+)$").matcher(page);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    /** The value of one sample line, e.g. {@code name{labels}}. */
    private static double value(String page, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(page);
        assertTrue(m.find(), "no sample " + series + " in\n" + page);
        return Double.parseDouble(m.group(1));
    }

    private static String instances(int rows, int width) {
        StringBuilder sb = new StringBuilder("{\"instances\": [");
        for (int i = 0; i < rows; i++) {
            sb.append(i == 0 ? "[" : ",[");
            for (int j = 0; j < width; j++) {
                sb.append(j == 0 ? "" : ",").append((i * 31 + j * 7) % 256);
            }
            sb.append(']');
        }
        return sb.append("]}").toString();
    }

    private void deploy() throws IOException {
        Path deploy = Files.createDirectories(home.resolve("deploy"));
        DeployFiles.fashionTraining(home, "metrics-train", 0, 1000);
        DeployFiles.fashionTest(home, "metrics-test", 0, 300);
        Files.writeString(deploy.resolve("org.hourglass.pipeline-metrics.cfg"), String.join("\n",
                "hourglass.name=metrics",
                "family=dense",
                "loss=mse",
                "scoring=reconstruction-error",
                "training.data=metrics-train",
                "evaluation.data=metrics-test",
                "latent.size=8",
                "epochs=2",
                "auto.train=false", ""));
    }
}
