package org.hourglass.shell;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.hourglass.api.pipeline.Evaluation;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.api.pipeline.PipelineStatus;
import org.hourglass.api.pipeline.PluginInfo;
import org.hourglass.api.pipeline.TrainingProgress;

/** The text the commands print, made from API records only (no services): unit-testable. */
final class Views {

    private Views() {
    }

    static String plugins(List<PluginInfo> plugins) {
        if (plugins.isEmpty()) {
            return "no plug-ins registered\n";
        }
        Table t = new Table("KIND", "NAME", "BUNDLE", "VERSION");
        for (PluginInfo p : plugins) {
            t.row(p.kind(), p.name(), p.bundle(), p.version());
        }
        return t.toString();
    }

    /** One row per pipeline, sorted by name. */
    static String pipelines(Collection<PipelineStatus> pipelines) {
        if (pipelines.isEmpty()) {
            return "no pipelines configured (hourglass:config set org.hourglass.pipeline <name> key=value...)\n";
        }
        Table t = new Table("NAME", "STATE", "EPOCH", "LOSS", "AUROC", "THRESHOLD", "MESSAGE");
        pipelines.stream().sorted(java.util.Comparator.comparing(PipelineStatus::name)).forEach(s -> {
            TrainingProgress p = s.progress();
            String epoch = p == null ? "-" : p.epoch() + "/" + p.epochs();
            Double loss = s.state() == PipelineState.TRAINING && p != null ? Double.valueOf(p.loss())
                    : s.metrics().get("final_loss");
            t.row(s.name(), s.state(), epoch, Fmt.num(loss), Fmt.num(s.metrics().get("eval_auroc")),
                    Fmt.num(s.metrics().get("threshold")), s.message());
        });
        return t.toString();
    }

    /** A pipeline's state, message, progress and model metrics as aligned key/value lines. */
    static String status(PipelineStatus s) {
        Table t = new Table("pipeline", s.name());
        t.row("state", s.state());
        if (!s.message().isEmpty()) {
            t.row("message", s.message());
        }
        TrainingProgress p = s.progress();
        if (p != null) {
            t.row("training", p.done() ? "ended" : "running");
            t.row("epoch", p.epoch() + "/" + p.epochs());
            t.row("step", p.step() + "/" + p.steps());
            t.row("loss", Fmt.num(p.loss()));
            if (!p.validationLosses().isEmpty()) {
                t.row("validation loss", Fmt.num(p.validationLosses().get(p.validationLosses().size() - 1)));
            }
            t.row("samples/s", Fmt.num(p.samplesPerSecond()));
            if (!p.done()) {
                t.row("eta", Fmt.duration(p.etaSeconds()));
            }
        }
        for (Map.Entry<String, Double> m : new TreeMap<>(s.metrics()).entrySet()) {
            t.row("model " + m.getKey(), Fmt.num(m.getValue()));
        }
        return t.toString();
    }

    /** One line of live training progress. */
    static String progress(String pipeline, TrainingProgress p) {
        StringBuilder sb = new StringBuilder(pipeline).append(": epoch ").append(p.epoch()).append('/')
                .append(p.epochs()).append(" step ").append(p.step()).append('/').append(p.steps())
                .append(" loss ").append(Fmt.num(p.loss()));
        if (!p.validationLosses().isEmpty()) {
            sb.append(" validation ").append(Fmt.num(p.validationLosses().get(p.validationLosses().size() - 1)));
        }
        sb.append(", ").append(Fmt.num(p.samplesPerSecond())).append(" samples/s");
        if (!p.done()) {
            sb.append(", eta ").append(Fmt.duration(p.etaSeconds()));
        }
        return sb.toString();
    }

    /** The last line of {@code train}: how the job ended. */
    static String ended(PipelineStatus s) {
        StringBuilder sb = new StringBuilder(s.name()).append(": ").append(s.state());
        if (s.state() == PipelineState.TRAINED) {
            Map<String, Double> m = s.metrics();
            sb.append(", loss ").append(Fmt.num(m.get("final_loss")))
                    .append(", threshold ").append(Fmt.num(m.get("threshold")));
            if (m.containsKey("eval_auroc")) {
                sb.append(", AUROC ").append(Fmt.num(m.get("eval_auroc")));
            }
        }
        if (!s.message().isEmpty()) {
            sb.append(" (").append(Table.oneLine(s.message())).append(')');
        }
        return sb.toString();
    }

    /** The figures, then the reference detectors' on the same samples (when the pipeline gave any). */
    static String evaluation(String pipeline, Evaluation e) {
        String figures = new Table("pipeline", pipeline)
                .row("samples", e.count())
                .row("anomalies", e.anomalies())
                .row("auroc", Fmt.num(e.auroc()))
                .row("average precision", Fmt.num(e.averagePrecision()))
                .row("f1", Fmt.num(e.f1()))
                .row("threshold", Fmt.num(e.threshold()))
                .toString();
        if (e.baselines().isEmpty()) {
            return figures;
        }
        Table baselines = new Table("BASELINE", "AUROC", "AVERAGE PRECISION", "FITTED");
        for (Evaluation.Baseline b : e.baselines()) {
            baselines.row(b.name(), Fmt.num(b.auroc()), Fmt.num(b.averagePrecision()), b.description());
        }
        return figures + baselines;
    }

    /** Scores and labels as a table, with a summary line. */
    static String scores(double[] scores, double threshold) {
        Table t = new Table("ROW", "SCORE", "ANOMALOUS");
        int anomalous = 0;
        for (int i = 0; i < scores.length; i++) {
            boolean label = scores[i] > threshold;
            anomalous += label ? 1 : 0;
            t.row(i + 1, Fmt.num(scores[i]), label);
        }
        return t + summary(scores.length, anomalous, threshold) + "\n";
    }

    /** Scores and labels as CSV with a header line; scores at full precision. */
    static String scoresCsv(double[] scores, double threshold) {
        StringBuilder sb = new StringBuilder("row,score,anomalous\n");
        for (int i = 0; i < scores.length; i++) {
            sb.append(i + 1).append(',').append(scores[i]).append(',').append(scores[i] > threshold).append('\n');
        }
        return sb.toString();
    }

    static int anomalous(double[] scores, double threshold) {
        int n = 0;
        for (double s : scores) {
            n += s > threshold ? 1 : 0;
        }
        return n;
    }

    static String summary(int samples, int anomalous, double threshold) {
        return anomalous + " of " + samples + " anomalous (threshold " + Fmt.num(threshold) + ")";
    }
}
