package org.hourglass.web.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.api.pipeline.PipelineStatus;
import org.hourglass.api.pipeline.PluginInfo;
import org.hourglass.api.pipeline.ScoreHistogram;
import org.hourglass.api.pipeline.TrainingProgress;
import org.junit.jupiter.api.Test;

class PagesTest {

    private final Pages pages = new Pages("/system/console");

    static PipelineView training(String name) {
        TrainingProgress p = new TrainingProgress(3, 10, 30, 100, 0.125, List.of(0.5, 0.25), List.of(0.6, 0.3),
                1234.4, 65, false);
        return new PipelineView(new PipelineStatus(name, PipelineState.TRAINING, "", p, Map.of()), Optional.empty(),
                Map.of("hourglass.name", name, "epochs", 10, "input.shape", new int[] {1, 28, 28},
                        "service.pid", "org.hourglass.pipeline~" + name), "org.hourglass.pipeline~" + name);
    }

    static PipelineView trained(String name) {
        TrainingProgress p = new TrainingProgress(2, 2, 20, 20, 0.1, List.of(0.5, 0.25), List.of(), 1000, 0, true);
        ScoreHistogram h = new ScoreHistogram(new double[] {0, 1, 2}, new int[] {5, 1}, new int[] {1, 5}, 1.5,
                "eval");
        return new PipelineView(new PipelineStatus(name, PipelineState.TRAINED, "", p,
                Map.of("eval_auroc", 0.9125, "threshold", 1.5, "final_loss", 0.25, "custom_metric", 2.0,
                        "baseline_knn_auroc", 0.875, "baseline_iforest_auroc", 0.8)),
                Optional.of(h), Map.of("hourglass.name", name), "");
    }

    @Test
    void overviewListsPipelinesAndGroupsPluginsByKind() {
        PipelineView waiting = new PipelineView(new PipelineStatus("w", PipelineState.WAITING,
                "waiting for family '<conv>'", null, Map.of()), Optional.empty(), Map.of(), "pid-w");
        List<PluginInfo> plugins = List.of(
                new PluginInfo("data", "train-set", "org.hourglass.data.idx", "0.1.0", Map.of()),
                new PluginInfo("family", "dense", "org.hourglass.family.dense", "0.1.0", Map.of()),
                new PluginInfo("gadget", "odd", "x.y", "1.0.0", Map.of()));
        String html = pages.overview(List.of(trained("a"), waiting), plugins, true, null).markup();

        assertTrue(html.contains("href=\"/system/console/hourglass/a.html\""), html);
        assertTrue(html.contains("waiting for family &#39;&lt;conv&gt;&#39;"), "message escaped");
        assertTrue(html.contains("<td>0.9125</td>"), "AUROC in the row");
        assertTrue(html.contains("href=\"/system/console/configMgr/org.hourglass.pipeline?factoryCreate=true&amp;"
                + "referer=%2Fsystem%2Fconsole%2Fhourglass\""), "create link: a new factory configuration, then back");
        assertTrue(html.contains("href=\"/system/console/configMgr/pid-w?referer=%2Fsystem%2Fconsole%2Fhourglass\""),
                "edit link");
        int families = html.indexOf("data-kind=\"family\"");
        int masking = html.indexOf("data-kind=\"masking\"");
        int data = html.indexOf("data-kind=\"data\"");
        int other = html.indexOf("data-kind=\"gadget\"");
        assertTrue(families >= 0 && families < masking && masking < data && data < other, "kinds in order");
        assertTrue(html.contains("none registered"), "an empty kind says so");
        assertTrue(html.contains("<td>train-set</td><td>org.hourglass.data.idx</td><td>0.1.0</td>"), html);
    }

    @Test
    void overviewWithoutPipelinesOrInventory() {
        String html = pages.overview(List.of(), List.of(), false, new Pages.Note("done <now>", false)).markup();
        assertTrue(html.contains("No pipeline is configured yet."));
        assertTrue(html.contains("inventory service is not available"));
        assertTrue(html.contains("hg-note-info") && html.contains("done &lt;now&gt;"));
    }

    @Test
    void detailWhileTraining() {
        String html = pages.detail(training("p-1"), new Pages.Note("x is already training", true)).markup();
        assertTrue(html.contains("data-state=\"TRAINING\""));
        assertTrue(html.contains("data-json=\"/system/console/hourglass/p-1.json\""));
        assertTrue(html.contains("action=\"/system/console/hourglass/p-1\""));
        assertTrue(html.contains("id=\"hg-train\" class=\"hg-button\" disabled"), "no second start while training");
        assertTrue(html.contains("id=\"hg-cancel\" class=\"hg-button\">"), "cancel enabled");
        assertTrue(html.contains("<td id=\"hg-epoch\">3 / 10</td>"));
        assertTrue(html.contains("<td id=\"hg-rate\">1234</td>"));
        assertTrue(html.contains("<td id=\"hg-eta\">1 min 05 s</td>"));
        assertTrue(html.contains("value=\"30\""), "progress bar at 30 %");
        assertTrue(html.contains("class=\"hg-training\"") && html.contains("class=\"hg-validation\""), "loss curve");
        assertTrue(html.contains("hg-note-error") && html.contains("x is already training"));
        assertTrue(html.contains("<th>input.shape</th><td>1, 28, 28</td>"), "arrays shown as lists");
        assertFalse(html.contains("service.pid"), "framework bookkeeping not shown");
        assertTrue(html.contains("src=\"/system/console/hourglass/res/hourglass.js\""));
        assertFalse(html.contains("{{"), "every slot filled");
    }

    @Test
    void detailWhenTrained() {
        String html = pages.detail(trained("q"), null).markup();
        assertTrue(html.contains("id=\"hg-train\" class=\"hg-button\">"), "train enabled");
        assertTrue(html.contains("id=\"hg-cancel\" class=\"hg-button\" disabled"));
        assertTrue(html.contains("hg-chart hg-histogram") && html.contains("AUROC 0.9125"));
        assertTrue(html.indexOf("<th>AUROC</th>") < html.indexOf("<th>Threshold</th>"), "known metrics first");
        assertTrue(html.contains("<th>custom_metric</th><td>2</td>"), "unknown metrics by key");
        assertTrue(html.contains("<tr id=\"hg-metric-baseline_knn_auroc\"><th>AUROC of the k-NN baseline (5th "
                + "neighbour)</th><td>0.875</td></tr>"), html);
        assertTrue(html.contains("<th>AUROC of the isolation-forest baseline</th><td>0.8</td>"), html);
        assertTrue(html.indexOf("<th>Evaluated samples</th>") < html.indexOf("k-NN baseline")
                && html.indexOf("isolation-forest baseline") < html.indexOf("<th>Threshold</th>"),
                "the baselines follow the model's figures");
        assertTrue(html.contains("id=\"hg-roc-box\"") && html.contains("hg-chart hg-roc"), "the ROC curve");
        assertTrue(html.indexOf("hg-chart hg-histogram") < html.indexOf("hg-chart hg-roc"));
        assertTrue(html.contains("<td id=\"hg-eta\">done</td>"));
        assertTrue(html.contains("href=\"/system/console/configMgr\""), "without a PID: the configuration list");
    }

    @Test
    void statusJsonCarriesFieldsProgressAndCurve() {
        Pages.Status s = pages.status(training("p"));
        assertEquals("TRAINING", s.state());
        assertEquals(30.0, s.percent());
        assertEquals("30 / 100", s.fields().get("step"));
        assertEquals("0.125", s.fields().get("loss"));
        assertTrue(s.lossCurve().startsWith("<svg"));
        String json = Json.write(s);
        assertTrue(json.contains("\"epochLosses\":[0.5,0.25]"), json);
        assertTrue(json.startsWith("{\"name\":\"p\",\"state\":\"TRAINING\","), json);
        assertTrue(json.contains("\"percent\":30.0,\"progress\":{\"epoch\":"), json);
        assertTrue(json.contains("\"epochDiagnostics\":[") && json.contains("\"recoveries\":["), json);
        assertTrue(json.contains("\"lossCurve\":\"\\u003Csvg"), json);
    }

    @Test
    void missingPipelineAndSegments() {
        String html = pages.missing("<x>", null).markup();
        assertTrue(html.contains("no pipeline named &#39;&lt;x&gt;&#39;"), html);
        assertEquals("a.b_c-d", Pages.segment("a.b_c-d"));
        assertEquals("a%20b%2F%C3%A9", Pages.segment("a b/é"));
    }
}
