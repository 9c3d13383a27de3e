package org.hourglass.itest.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.hourglass.api.pipeline.Pipeline;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.itest.Configurations;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

/**
 * The {@code hourglass:} Gogo commands run through the Gogo runtime's CommandProcessor, on a small pipeline trained
 * on a Fashion-MNIST slice: listing, training with progress (and stopping to follow it), status, scoring a CSV file,
 * evaluation, export, configuration, and the one-line answers to wrong arguments.
 */
class ShellCommandsTest {

    private static final long TIMEOUT = TimeUnit.SECONDS.toMillis(30);

    @InjectBundleContext
    BundleContext context;

    @InjectService(timeout = 10_000)
    ConfigurationAdmin configAdmin;

    @InjectService(timeout = 10_000)
    CommandProcessor processor;

    @TempDir
    Path temp;

    private Configurations configs;
    private Path data;

    @BeforeEach
    void pipeline() throws Exception {
        configs = new Configurations(configAdmin);
        data = Path.of(context.getProperty("hourglass.fashion.mnist"));
        configs.factory("org.hourglass.data.idx", "shell-train",
                "images", data.resolve("train-images-idx3-ubyte.gz").toString(),
                "labels", data.resolve("train-labels-idx1-ubyte.gz").toString(),
                "classes", new Integer[] {0}, "limit", 1000);
        configs.factory("org.hourglass.data.idx", "shell-test",
                "images", data.resolve("t10k-images-idx3-ubyte.gz").toString(),
                "labels", data.resolve("t10k-labels-idx1-ubyte.gz").toString(),
                "normal.classes", new Integer[] {0}, "limit", 400);
        configs.factory(Pipeline.FACTORY_PID, "shell-demo", "family", "dense", "loss", "mse", "scoring",
                "reconstruction-error", "training.data", "shell-train", "evaluation.data", "shell-test",
                "latent.size", 8, "epochs", 4, "batch.size", 64, "auto.train", false,
                "model.dir", temp.resolve("models").toString());
    }

    @AfterEach
    void cleanUp() throws Exception {
        configs.close();
    }

    /** Output and error text of one command line. */
    private record Result(String out, String err) {
    }

    private Result run(String line) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), out, err);
        try {
            Object value = session.execute(line);
            assertEquals(null, value, line + " prints, it returns nothing");
        } finally {
            session.close();
        }
        return new Result(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void operatorsWorkflowThroughTheShell() throws Exception {
        Pipeline p = Configurations.await(context, Pipeline.class, "shell-demo", TIMEOUT);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (p.status().state() != PipelineState.READY) {
            assertTrue(System.nanoTime() < end, p.status().toString());
            Thread.sleep(50);
        }

        Result plugins = run("hourglass:plugins");
        assertTrue(plugins.out().startsWith("KIND "), plugins.out());
        assertTrue(plugins.out().matches("(?s).*\nfamily +dense +org\\.hourglass\\.family\\.dense +0\\.1\\.0.*"),
                plugins.out());
        assertTrue(plugins.out().contains("shell-train"), plugins.out());

        Result listed = run("hourglass:pipelines");
        assertTrue(listed.out().startsWith("NAME "), listed.out());
        assertTrue(listed.out().matches("(?s).*\nshell-demo +READY +- .*"), listed.out());

        // Follow training, then stop following (as Ctrl-C does: the command thread is interrupted).
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CommandSession session = processor.createSession(new ByteArrayInputStream(new byte[0]), out, out);
        Thread follower = new Thread(() -> {
            try {
                session.execute("hourglass:train shell-demo");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        follower.start();
        end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!out.toString(StandardCharsets.UTF_8).contains("shell-demo: training started")) {
            assertTrue(System.nanoTime() < end && follower.isAlive(), out.toString(StandardCharsets.UTF_8));
            Thread.sleep(5);
        }
        // Interrupt while the command waits for progress, not while it prints: an interrupt during a write closes
        // Gogo's interruptible pipe and would swallow the command's last line.
        while (follower.isAlive() && !commandIsWaiting()) {
            assertTrue(System.nanoTime() < end, "the train command never waited for progress");
            Thread.sleep(2);
        }
        // What the Gogo shell does on Ctrl-C: interrupt the foreground job (its command threads). A job short
        // enough to have ended already leaves no foreground job; then the command printed how training ended.
        org.apache.felix.service.command.Job job = session.foregroundJob();
        if (job != null) {
            job.interrupt();
        }
        follower.join(60_000);
        assertTrue(!follower.isAlive(), "the command returned");
        session.close();
        String followed = out.toString(StandardCharsets.UTF_8);
        assertTrue(followed.startsWith("shell-demo: training started\n"), followed);
        // Gogo interrupts the job's pipe threads as well, which can drop the command's last line, so the
        // "stopped following" message is checked in the shell bundle's FollowTest. Here: the command returned
        // and the interrupt did not cancel the training.
        assertTrue(!followed.contains("cancelled"), followed);
        Result afterInterrupt = run("hourglass:status shell-demo");
        assertTrue(afterInterrupt.out().matches("(?s)pipeline +shell-demo\nstate +(TRAINING|TRAINED)\n.*"),
                "job " + job + ":\n" + afterInterrupt.out());

        // Following again until it ends: progress lines, then how it ended.
        Result trained = run("hourglass:train shell-demo");
        assertTrue(trained.out().contains("shell-demo: epoch "), trained.out());
        assertTrue(trained.out().matches("(?s).*\nshell-demo: TRAINED, loss [0-9.e-]+, threshold [0-9.e-]+, "
                + "AUROC [0-9.]+\n"), trained.out());
        assertEquals("", trained.err());

        Result status = run("hourglass:status shell-demo");
        assertTrue(status.out().matches("(?s)pipeline +shell-demo\nstate +TRAINED\n.*"), status.out());
        assertTrue(status.out().matches("(?s).*\nepoch +4/4\n.*"), status.out());
        assertTrue(status.out().matches("(?s).*\nmodel eval_auroc +0\\.[0-9]+\n.*"), status.out());
        assertTrue(run("hourglass:pipelines").out().matches("(?s).*\nshell-demo +TRAINED +4/4 .*"));

        // Scores of a CSV file with a header, printed and written.
        Path csv = temp.resolve("rows.csv");
        Files.writeString(csv, csv(testImages(5)));
        Result scored = run("hourglass:score shell-demo " + csv);
        List<String> lines = scored.out().lines().toList();
        assertEquals(7, lines.size(), scored.out());
        assertTrue(lines.get(0).matches("ROW +SCORE +ANOMALOUS"), scored.out());
        assertTrue(lines.get(1).matches("1 +[0-9.e-]+ +(true|false)"), scored.out());
        assertTrue(lines.get(6).matches("[0-5] of 5 anomalous \\(threshold [0-9.e-]+\\)"), scored.out());
        Path written = temp.resolve("scores.csv");
        Result toFile = run("hourglass:score shell-demo " + csv + " " + written);
        assertTrue(toFile.out().startsWith("wrote 5 scores to " + written), toFile.out());
        List<String> rows = Files.readAllLines(written);
        assertEquals("row,score,anomalous", rows.get(0));
        assertEquals(6, rows.size());
        // The shell looks the pipeline up by name on every command; compare with the service registered now.
        double[] direct = Configurations.await(context, Pipeline.class, "shell-demo", TIMEOUT).score(testImages(5));
        assertEquals(direct[0], Double.parseDouble(rows.get(1).split(",")[1]), 0.0);
        // Quotes as in RFC 4180, read by the CSV library copied into the shell bundle: a header name holding a comma
        // and a line break (once split into two lines, the second refused as not numbers) and quoted values score
        // exactly as the plain file.
        Path quoted = temp.resolve("quoted.csv");
        Files.writeString(quoted, csv(testImages(5)).replaceFirst("p0,", "\"pixel 0,\nrow 0\",")
                .replaceAll("(?m)^([0-9]+),", "\"$1\","));
        assertTrue(Files.readString(quoted).startsWith("\"pixel 0,\nrow 0\",p1,"));
        assertEquals(scored.out(), run("hourglass:score shell-demo " + quoted).out());

        Result evaluated = run("hourglass:evaluate shell-demo");
        assertTrue(evaluated.out().matches("(?s).*\nsamples +400\n.*"), evaluated.out());
        assertTrue(evaluated.out().matches("(?s).*\nauroc +0\\.[0-9]+\n.*"), evaluated.out());
        // The baselines fitted on the same training data follow the figures.
        assertTrue(evaluated.out().matches("(?s).*\nBASELINE +AUROC +AVERAGE PRECISION +FITTED\n"
                + "knn +[0-9.]+ +[0-9.]+ +distance to the 5th nearest of [0-9,]+ training samples\n"
                + "iforest +[0-9.]+ +[0-9.]+ +isolation forest, 100 trees of [0-9]+ training samples\n.*"),
                evaluated.out());

        Path exported = temp.resolve("export");
        Result export = run("hourglass:export shell-demo " + exported);
        assertTrue(export.out().startsWith("FILE "), export.out() + export.err());
        assertTrue(Files.size(exported.resolve("shell-demo.onnx")) > 1000);
        assertEquals(Files.readString(p.recordFile()), Files.readString(exported.resolve("pipeline.json")));

        Result cancel = run("hourglass:cancel shell-demo");
        assertEquals("shell-demo: no training was running (TRAINED)\n", cancel.out());
    }

    @Test
    void wrongArgumentsPrintAReasonAndAUsageLine() throws Exception {
        Configurations.await(context, Pipeline.class, "shell-demo", TIMEOUT);
        Result unknown = run("hourglass:status nope");
        assertEquals("", unknown.out());
        assertTrue(unknown.err().startsWith("no pipeline named 'nope'; pipelines: "), unknown.err());
        assertTrue(unknown.err().contains("shell-demo"), unknown.err());
        assertTrue(unknown.err().endsWith("\nusage: hourglass:status <pipeline>\n"), unknown.err());

        assertEquals("missing arguments\nusage: hourglass:train [-n] <pipeline>\n", run("hourglass:train").err());
        assertEquals("too many arguments: b\nusage: hourglass:cancel <pipeline>\n",
                run("hourglass:cancel a b").err());
        Result missing = run("hourglass:score shell-demo /nonexistent/rows.csv");
        assertEquals("no such file: /nonexistent/rows.csv\n"
                + "usage: hourglass:score <pipeline> <csv-file> [<out-file>]\n", missing.err());
        Path bad = temp.resolve("bad.csv");
        Files.writeString(bad, "1,2\n3,x\n");
        assertTrue(run("hourglass:score shell-demo " + bad).err().startsWith(bad + " line 2, column 2: 'x' is "
                + "not a number\n"));
        Path narrow = temp.resolve("narrow.csv");
        Files.writeString(narrow, "1,2,3\n");
        String untrained = run("hourglass:score shell-demo " + narrow).err();
        assertTrue(untrained.startsWith("shell-demo: "), untrained);
        assertTrue(run("hourglass:export shell-demo " + temp).err().startsWith("shell-demo: "));
        assertTrue(run("hourglass:config frobnicate").err().startsWith("unknown sub-command 'frobnicate'\n"));
    }

    @Test
    void configurationsFromTheShell() throws Exception {
        Result set = run("hourglass:config set org.hourglass.pipeline shell-cfg family=dense loss=mse "
                + "training.data=shell-train latent.size=4 auto.train=false \"hidden.sizes=[32,16]\" model.dir="
                + temp.resolve("cfg-models"));
        assertEquals("created org.hourglass.pipeline~shell-cfg\n", set.out(), set.err());
        Pipeline p = Configurations.await(context, Pipeline.class, "shell-cfg", TIMEOUT);
        assertEquals(4, Integer.parseInt(p.configuration().get("latent.size").toString()));

        Result updated = run("hourglass:config set org.hourglass.pipeline shell-cfg latent.size=6 hidden.sizes!");
        assertEquals("updated org.hourglass.pipeline~shell-cfg\n", updated.out(), updated.err());
        Result list = run("hourglass:config list org.hourglass.pipeline");
        String row = list.out().lines().filter(l -> l.contains("shell-cfg")).findFirst().orElse(list.out());
        assertTrue(row.matches("org\\.hourglass\\.pipeline +shell-cfg +shell/console +.*latent\\.size=6.*"), row);
        assertTrue(!row.contains("hidden.sizes"), row);
        assertTrue(run("hourglass:config list").out().contains("shell-train"));

        Result deleted = run("hourglass:config delete org.hourglass.pipeline shell-cfg");
        assertEquals("deleted org.hourglass.pipeline~shell-cfg\n", deleted.out(), deleted.err());
        assertEquals("no configuration of factory org.hourglass.pipeline named 'shell-cfg'\n"
                + "usage: hourglass:config list [<factoryPid>] | config set <factoryPid> <name> "
                + "key=value|key=[a,b]|key!... | config delete <factoryPid> <name>\n",
                run("hourglass:config delete org.hourglass.pipeline shell-cfg").err());
        assertEquals("'latent' is not key=value (or key! to remove a key)",
                run("hourglass:config set org.hourglass.pipeline shell-x latent").err().lines().findFirst()
                        .orElse(""));
    }

    // ------------------------------------------------------------------------------------------ data

    private float[][] testImages(int n) throws Exception {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(data.resolve("t10k-images-idx3-ubyte.gz")))) {
            DataInputStream d = new DataInputStream(in);
            d.readFully(new byte[16]);
            float[][] rows = new float[n][784];
            byte[] pixels = new byte[784];
            for (int i = 0; i < n; i++) {
                d.readFully(pixels);
                for (int j = 0; j < 784; j++) {
                    rows[i][j] = pixels[j] & 0xff;
                }
            }
            return rows;
        }
    }

    private static String csv(float[][] rows) {
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < rows[0].length; j++) {
            sb.append(j == 0 ? "" : ",").append("p").append(j);
        }
        sb.append('\n');
        for (float[] row : rows) {
            for (int j = 0; j < row.length; j++) {
                sb.append(j == 0 ? "" : ",").append((int) row[j]);
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** True while a thread running {@code hourglass:train} waits for progress (inside Object.wait). */
    private static boolean commandIsWaiting() {
        for (var e : Thread.getAllStackTraces().entrySet()) {
            StackTraceElement[] stack = e.getValue();
            boolean following = false;
            for (StackTraceElement frame : stack) {
                following |= frame.getMethodName().equals("follow") && frame.getClassName().endsWith("HourglassCommands");
            }
            if (following && e.getKey().getState() == Thread.State.TIMED_WAITING && stack.length > 0
                    && stack[0].getMethodName().equals("wait")) {
                return true;
            }
        }
        return false;
    }

}
