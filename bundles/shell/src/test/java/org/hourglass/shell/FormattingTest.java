package org.hourglass.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.hourglass.api.pipeline.Evaluation;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.api.pipeline.PipelineStatus;
import org.hourglass.api.pipeline.PluginInfo;
import org.hourglass.api.pipeline.TrainingProgress;
import org.junit.jupiter.api.Test;

class FormattingTest {

    @Test
    void tablesAlignColumnsAndTrimTrailingBlanks() {
        String t = new Table("A", "LONG HEADER", "C").row("wide cell", 1, "").row("x", null, "z\nnext").toString();
        assertEquals("""
                A          LONG HEADER  C
                wide cell  1
                x                       z next
                """, t);
        assertThrows(IllegalArgumentException.class, () -> new Table("A", "B").row("only one"));
    }

    @Test
    void numbersAreShortAndLocaleFree() {
        assertEquals("0.0095211", Fmt.num(0.00952110432));
        assertEquals("26971", Fmt.num(26970.6));
        assertEquals("1", Fmt.num(1.0));
        assertEquals("0", Fmt.num(0.0));
        assertEquals("-", Fmt.num(Double.NaN));
        assertEquals("-", Fmt.num(null));
        assertEquals("1.2346e-05", Fmt.num(1.23456e-5));
        assertEquals("inf", Fmt.num(Double.POSITIVE_INFINITY));
        assertEquals("42 s", Fmt.duration(41.6));
        assertEquals("3 min 5 s", Fmt.duration(185));
        assertEquals("1 h 2 min", Fmt.duration(3720));
    }

    @Test
    void pluginsAndPipelinesAreTables() {
        String plugins = Views.plugins(List.of(new PluginInfo("family", "dense", "org.hourglass.family.dense",
                "0.1.0.SNAPSHOT", Map.of())));
        assertEquals("""
                KIND    NAME   BUNDLE                      VERSION
                family  dense  org.hourglass.family.dense  0.1.0.SNAPSHOT
                """, plugins);
        TrainingProgress done = new TrainingProgress(3, 3, 90, 90, 0.0123, List.of(0.1, 0.05, 0.0123), List.of(),
                5000, 0, true);
        String pipelines = Views.pipelines(List.of(
                new PipelineStatus("b-wait", PipelineState.WAITING, "family 'x' is missing", null, Map.of()),
                new PipelineStatus("a-demo", PipelineState.TRAINED, "", done,
                        Map.of("final_loss", 0.0123, "eval_auroc", 0.9032789, "threshold", 0.024212))));
        assertEquals("""
                NAME    STATE    EPOCH  LOSS    AUROC    THRESHOLD  MESSAGE
                a-demo  TRAINED  3/3    0.0123  0.90328  0.024212
                b-wait  WAITING  -      -       -        -          family 'x' is missing
                """, pipelines);
        assertTrue(Views.pipelines(List.of()).startsWith("no pipelines configured"));
    }

    @Test
    void statusProgressAndEndLines() {
        TrainingProgress running = new TrainingProgress(2, 8, 50, 200, 0.02, List.of(0.03), List.of(0.031), 12000.4,
                12.2, false);
        PipelineStatus s = new PipelineStatus("demo", PipelineState.TRAINING, "", running, Map.of());
        assertEquals("demo: epoch 2/8 step 50/200 loss 0.02 validation 0.031, 12000 samples/s, eta 12 s",
                Views.progress("demo", running));
        String status = Views.status(s);
        assertTrue(status.startsWith("pipeline         demo\nstate            TRAINING\n"), status);
        assertTrue(status.contains("\neta              12 s\n"), status);
        PipelineStatus trained = new PipelineStatus("demo", PipelineState.TRAINED, "", running,
                Map.of("final_loss", 0.01, "threshold", 0.02, "eval_auroc", 0.9));
        assertEquals("demo: TRAINED, loss 0.01, threshold 0.02, AUROC 0.9", Views.ended(trained));
        assertTrue(Views.status(trained).contains("model eval_auroc  0.9\n"), Views.status(trained));
        assertEquals("demo: FAILED (out of\nmemory)".replace("\n", " "),
                Views.ended(new PipelineStatus("demo", PipelineState.FAILED, "out of\nmemory", null, Map.of())));
    }

    @Test
    void scoresAsTableAndCsv() {
        double[] scores = {0.01, 0.5};
        assertEquals("""
                ROW  SCORE  ANOMALOUS
                1    0.01   false
                2    0.5    true
                1 of 2 anomalous (threshold 0.1)
                """, Views.scores(scores, 0.1));
        assertEquals("row,score,anomalous\n1,0.01,false\n2,0.5,true\n", Views.scoresCsv(scores, 0.1));
        String e = Views.evaluation("demo", new Evaluation(10, 3, 0.75, 0.5, 0.4, 0.1));
        assertTrue(e.contains("auroc              0.75\n"), e);
        assertTrue(!e.contains("BASELINE"), "no baselines, no table: " + e);
        String b = Views.evaluation("demo", new Evaluation(10, 3, 0.75, 0.5, 0.4, 0.1, List.of(
                new Evaluation.Baseline("knn", "distance to the 5th nearest of 9 training samples", 0.625, 0.5),
                new Evaluation.Baseline("iforest", "isolation forest, 100 trees of 9 training samples", Double.NaN,
                        0.25))));
        assertTrue(b.startsWith(e), b);
        assertEquals("""
                BASELINE  AUROC  AVERAGE PRECISION  FITTED
                knn       0.625  0.5                distance to the 5th nearest of 9 training samples
                iforest   -      0.25               isolation forest, 100 trees of 9 training samples
                """, b.substring(e.length()));
    }

    @Test
    void unknownPipelineNamesTheKnownOnes() {
        assertEquals("no pipeline named 'x'; pipelines: a, b", HourglassCommands.unknown("x", List.of("b", "a")));
        assertEquals("no pipeline named 'x'; pipelines: (none)", HourglassCommands.unknown("x", List.of()));
        assertEquals("org.hourglass.\\28x\\29*", HourglassCommands.escapeFilter("org.hourglass.(x)*"));
    }
}
