package org.hourglass.shell;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.felix.service.command.Descriptor;
import org.hourglass.api.pipeline.Evaluation;
import org.hourglass.api.pipeline.Pipeline;
import org.hourglass.api.pipeline.PipelineException;
import org.hourglass.api.pipeline.PipelineState;
import org.hourglass.api.pipeline.PipelineStatus;
import org.hourglass.api.pipeline.PluginInventory;
import org.hourglass.api.pipeline.TrainingProgress;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.ComponentContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * The Gogo commands of scope {@code hourglass}. Every command prints plain text to the session's output; wrong
 * arguments and refusals print one line saying why and a usage line to its error stream, never a stack trace.
 */
@Component(service = Object.class, immediate = true, property = {
        "osgi.command.scope=hourglass",
        "osgi.command.function=plugins",
        "osgi.command.function=pipelines",
        "osgi.command.function=train",
        "osgi.command.function=cancel",
        "osgi.command.function=status",
        "osgi.command.function=score",
        "osgi.command.function=evaluate",
        "osgi.command.function=export",
        "osgi.command.function=config"})
public final class HourglassCommands {

    static final String NAME = "hourglass.name";
    private static final String PIPELINES = "pipelines";
    /** How often {@code train} looks at the progress. */
    static final long POLL_MILLIS = 1000;

    /**
     * Pipelines by name, kept as service references: binding a reference does not make the framework create the
     * pipeline's service object inside the registration event (which, while the pipeline's own activation held its
     * lock on a loaded machine, could time out and leave a pipeline unknown to the shell); the object is looked up
     * when a command needs it.
     */
    private final Map<ServiceReference<Pipeline>, String> names = new ConcurrentHashMap<>();

    private volatile ComponentContext components;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile PluginInventory inventory;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile ConfigurationAdmin configAdmin;

    @Activate
    void activate(ComponentContext context) {
        this.components = context;
    }

    @Reference(name = PIPELINES, service = Pipeline.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, unbind = "removePipeline", updated = "updatedPipeline")
    void addPipeline(ServiceReference<Pipeline> ref) {
        Object name = ref.getProperty(NAME);
        if (name != null) {
            names.put(ref, name.toString());
        }
    }

    void updatedPipeline(ServiceReference<Pipeline> ref) {
        removePipeline(ref);
        addPipeline(ref);
    }

    void removePipeline(ServiceReference<Pipeline> ref) {
        names.remove(ref);
    }

    /** The pipeline's service object, or null where it went away or could not be created. */
    private Pipeline service(ServiceReference<Pipeline> ref) {
        ComponentContext c = components;
        return c == null ? null : c.locateService(PIPELINES, ref);
    }

    // ------------------------------------------------------------------------------------------ commands

    @Descriptor("lists the registered plug-ins: kind, name, bundle, version")
    public void plugins() {
        PluginInventory inv = inventory;
        if (inv == null) {
            System.err.println("the plug-in inventory is not available (is org.hourglass.pipeline started?)");
            return;
        }
        print(Views.plugins(inv.plugins()));
    }

    @Descriptor("lists the pipelines: name, state, epoch, loss, AUROC, threshold, message")
    public void pipelines() {
        List<PipelineStatus> all = new ArrayList<>();
        for (ServiceReference<Pipeline> ref : names.keySet()) {
            Pipeline p = service(ref);
            if (p != null) {
                all.add(p.status());
            }
        }
        print(Views.pipelines(all));
    }

    @Descriptor("starts training a pipeline and prints its progress until it ends; interrupting the command "
            + "stops following, not the training; -n starts it without following")
    public void train(@Descriptor("[-n] <pipeline>") String... args) {
        run("train [-n] <pipeline>", () -> {
            boolean follow = true;
            List<String> rest = new ArrayList<>(Arrays.asList(args));
            if (!rest.isEmpty() && rest.get(0).equals("-n")) {
                follow = false;
                rest.remove(0);
            }
            Pipeline p = pipeline(exactly(rest.toArray(String[]::new), 1)[0]);
            try {
                p.train();
                System.out.println(p.name() + ": training started");
            } catch (PipelineException e) {
                if (p.status().state() != PipelineState.TRAINING) {
                    throw new UsageException(e.getMessage());
                }
                System.out.println(p.name() + ": already training");
            }
            if (follow) {
                follow(p);
            } else {
                System.out.println("follow it with: hourglass:status " + p.name());
            }
        });
    }

    @Descriptor("cancels a pipeline's running training; the model served before stays")
    public void cancel(@Descriptor("<pipeline>") String... args) {
        run("cancel <pipeline>", () -> {
            Pipeline p = pipeline(exactly(args, 1)[0]);
            System.out.println(p.cancel() ? p.name() + ": training cancelled"
                    : p.name() + ": no training was running (" + p.status().state() + ")");
        });
    }

    @Descriptor("shows a pipeline's state, message, training progress and model metrics")
    public void status(@Descriptor("<pipeline>") String... args) {
        run("status <pipeline>", () -> print(Views.status(pipeline(exactly(args, 1)[0]).status())));
    }

    @Descriptor("scores the rows of a numeric CSV file (optional header line); prints scores and labels, or "
            + "writes them as CSV to <out-file>")
    public void score(@Descriptor("<pipeline> <csv-file> [<out-file>]") String... args) {
        run("score <pipeline> <csv-file> [<out-file>]", () -> {
            if (args.length < 2 || args.length > 3) {
                throw new UsageException(args.length < 2 ? "missing arguments" : "too many arguments");
            }
            Pipeline p = pipeline(args[0]);
            float[][] rows = CsvRows.read(Path.of(args[1]));
            double[] scores;
            double threshold;
            try {
                scores = p.score(rows);
                threshold = p.threshold();
            } catch (PipelineException | IllegalArgumentException e) {
                throw new UsageException(p.name() + ": " + e.getMessage());
            }
            if (args.length == 2) {
                print(Views.scores(scores, threshold));
                return;
            }
            Path out = Path.of(args[2]);
            try {
                Files.writeString(out, Views.scoresCsv(scores, threshold), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UsageException("cannot write " + out + ": " + e);
            }
            System.out.println("wrote " + scores.length + " scores to " + out + "; "
                    + Views.summary(scores.length, Views.anomalous(scores, threshold), threshold));
        });
    }

    @Descriptor("evaluates a pipeline on its configured evaluation data: AUROC, average precision, F1")
    public void evaluate(@Descriptor("<pipeline>") String... args) {
        run("evaluate <pipeline>", () -> {
            Pipeline p = pipeline(exactly(args, 1)[0]);
            Evaluation e;
            try {
                e = p.evaluate();
            } catch (PipelineException | IllegalArgumentException | IllegalStateException ex) {
                throw new UsageException(p.name() + ": " + ex.getMessage());
            }
            print(Views.evaluation(p.name(), e));
        });
    }

    @Descriptor("copies the served model (<pipeline>.onnx, standalone) and its pipeline.json into a folder")
    public void export(@Descriptor("<pipeline> <dir>") String... args) {
        run("export <pipeline> <dir>", () -> {
            String[] a = exactly(args, 2);
            Pipeline p = pipeline(a[0]);
            Path dir = Path.of(a[1]);
            Path model;
            Path record;
            try {
                model = p.modelFile();
                record = p.recordFile();
            } catch (PipelineException e) {
                throw new UsageException(p.name() + ": " + e.getMessage());
            }
            try {
                Files.createDirectories(dir);
                Path onnx = Files.copy(model, dir.resolve(p.name() + ".onnx"), StandardCopyOption.REPLACE_EXISTING);
                Path json = Files.copy(record, dir.resolve("pipeline.json"), StandardCopyOption.REPLACE_EXISTING);
                print(new Table("FILE", "BYTES").row(onnx, Files.size(onnx)).row(json, Files.size(json)).toString());
            } catch (IOException e) {
                throw new UsageException("cannot export to " + dir + ": " + e);
            }
        });
    }

    @Descriptor("pipeline and plug-in configurations: config list [<factoryPid>] | config set <factoryPid> <name> "
            + "key=value... | config delete <factoryPid> <name>")
    public void config(@Descriptor("list|set|delete ...") String... args) {
        String usage = "config list [<factoryPid>] | config set <factoryPid> <name> key=value|key=[a,b]|key!... "
                + "| config delete <factoryPid> <name>";
        run(usage, () -> {
            ConfigurationAdmin cm = configAdmin;
            if (cm == null) {
                throw new UsageException("Configuration Admin is not available");
            }
            if (args.length == 0) {
                throw new UsageException("missing arguments");
            }
            String[] rest = Arrays.copyOfRange(args, 1, args.length);
            switch (args[0]) {
                case "list" -> configList(cm, rest.length == 0 ? "org.hourglass.*" : exactly(rest, 1)[0]);
                case "set" -> configSet(cm, rest);
                case "delete" -> configDelete(cm, exactly(rest, 2));
                default -> throw new UsageException("unknown sub-command '" + args[0] + "'");
            }
        });
    }

    // ------------------------------------------------------------------------------------------ config

    private void configList(ConfigurationAdmin cm, String factoryPid) throws Exception {
        Configuration[] found = cm.listConfigurations("(service.factoryPid=" + escapeFilter(factoryPid) + ")");
        if (found == null) {
            System.out.println("no configurations of factory " + factoryPid);
            return;
        }
        Arrays.sort(found, (a, b) -> a.getPid().compareTo(b.getPid()));
        Table t = new Table("FACTORY", "NAME", "SOURCE", "PROPERTIES");
        for (Configuration c : found) {
            Dictionary<String, Object> props = c.getProperties();
            Map<String, String> shown = new TreeMap<>();
            for (Enumeration<String> keys = props.keys(); keys.hasMoreElements(); ) {
                String key = keys.nextElement();
                if (!key.startsWith("service.") && !key.startsWith("felix.") && !key.equals(NAME)) {
                    shown.put(key, ConfigArgs.secret(key) ? "********" : ConfigArgs.show(props.get(key)));
                }
            }
            Object file = props.get("felix.fileinstall.filename");
            StringBuilder text = new StringBuilder();
            shown.forEach((k, v) -> text.append(text.length() == 0 ? "" : " ").append(k).append('=').append(v));
            t.row(c.getFactoryPid(), name(c), file == null ? "shell/console" : Path.of(
                    java.net.URI.create(file.toString()).getPath()).getFileName(), text);
        }
        print(t.toString());
    }

    private void configSet(ConfigurationAdmin cm, String[] args) throws Exception {
        if (args.length < 2) {
            throw new UsageException("config set needs a factory PID and a name");
        }
        String factoryPid = args[0];
        String name = args[1];
        Map<String, Object> changes = ConfigArgs.parse(Arrays.copyOfRange(args, 2, args.length));
        Configuration existing = find(cm, factoryPid, name);
        Configuration c = existing != null ? existing : cm.getFactoryConfiguration(factoryPid, name, "?");
        Dictionary<String, Object> props = c.getProperties() == null ? new Hashtable<>() : c.getProperties();
        props.put(NAME, name);
        changes.forEach((k, v) -> {
            if (v == ConfigArgs.REMOVE) {
                props.remove(k);
            } else {
                props.put(k, v);
            }
        });
        c.update(props);
        System.out.println((existing == null ? "created " : "updated ") + c.getPid());
        Object file = props.get("felix.fileinstall.filename");
        if (file != null) {
            System.out.println("note: this configuration comes from " + file
                    + "; the file wins when it changes or at the next start: edit the file to keep the change");
        }
    }

    private void configDelete(ConfigurationAdmin cm, String[] args) throws Exception {
        Configuration c = find(cm, args[0], args[1]);
        if (c == null) {
            throw new UsageException("no configuration of factory " + args[0] + " named '" + args[1] + "'");
        }
        Object file = c.getProperties() == null ? null : c.getProperties().get("felix.fileinstall.filename");
        if (file != null) {
            throw new UsageException(c.getPid() + " comes from " + file + "; delete that file instead");
        }
        String pid = c.getPid();
        c.delete();
        System.out.println("deleted " + pid);
    }

    /** The factory configuration named {@code name}: by its {@code hourglass.name} or by its PID {@code fpid~name}. */
    private static Configuration find(ConfigurationAdmin cm, String factoryPid, String name)
            throws IOException, InvalidSyntaxException {
        Configuration[] found = cm.listConfigurations("(service.factoryPid=" + escapeFilter(factoryPid) + ")");
        if (found != null) {
            for (Configuration c : found) {
                if (name.equals(name(c)) || c.getPid().equals(factoryPid + "~" + name)) {
                    return c;
                }
            }
        }
        return null;
    }

    private static String name(Configuration c) {
        Object n = c.getProperties() == null ? null : c.getProperties().get(NAME);
        if (n != null) {
            return n.toString();
        }
        int tilde = c.getPid().indexOf('~');
        return tilde >= 0 ? c.getPid().substring(tilde + 1) : c.getPid();
    }

    /** LDAP filter escaping, keeping {@code *} as the wildcard. */
    static String escapeFilter(String s) {
        return s.replace("\\", "\\5c").replace("(", "\\28").replace(")", "\\29");
    }

    // ------------------------------------------------------------------------------------------ helpers

    private interface Body {
        void run() throws Exception;
    }

    /** Runs a command body; a usage problem prints its message and the usage line, anything else one line. */
    private static void run(String usage, Body body) {
        try {
            body.run();
        } catch (UsageException e) {
            System.err.println(e.getMessage());
            System.err.println("usage: hourglass:" + usage);
        } catch (Exception e) {
            System.err.println("failed: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
        } finally {
            System.out.flush();
            System.err.flush();
        }
    }

    private static String[] exactly(String[] args, int n) throws UsageException {
        if (args.length < n) {
            throw new UsageException("missing arguments");
        }
        if (args.length > n) {
            throw new UsageException("too many arguments: " + String.join(" ", Arrays.copyOfRange(args, n,
                    args.length)));
        }
        return args;
    }

    /**
     * The pipeline answering for the name. Two configurations may give one name; the second is FAILED naming the
     * first, so the one that is not FAILED answers.
     */
    private Pipeline pipeline(String name) throws UsageException {
        return names.entrySet().stream().filter(e -> e.getValue().equals(name)).map(e -> service(e.getKey()))
                .filter(java.util.Objects::nonNull)
                .min(java.util.Comparator.comparing(p -> p.status().state() == PipelineState.FAILED))
                .orElseThrow(() -> new UsageException(unknown(name, names.values())));
    }

    static String unknown(String name, java.util.Collection<String> known) {
        return "no pipeline named '" + name + "'; pipelines: "
                + (known.isEmpty() ? "(none)" : String.join(", ", new java.util.TreeSet<>(known)));
    }

    /**
     * Prints a progress line whenever the job moved, until it ends or the thread is interrupted (Ctrl-C in the
     * shell, or the session closing): then training goes on and the command says so.
     */
    static void follow(Pipeline p) {
        PrintStream out = System.out;
        long lastStep = -1;
        try (CtrlC ctrlC = CtrlC.interrupts(Thread.currentThread())) {
            while (true) {
                PipelineStatus s = p.status();
                TrainingProgress progress = s.progress();
                if (progress != null && progress.steps() > 0 && progress.step() != lastStep
                        && s.state() == PipelineState.TRAINING) {
                    lastStep = progress.step();
                    out.println(Views.progress(p.name(), progress));
                    out.flush();
                }
                if (s.state() != PipelineState.TRAINING) {
                    if (progress != null && progress.steps() > 0 && progress.step() != lastStep) {
                        out.println(Views.progress(p.name(), progress));
                    }
                    out.println(Views.ended(s));
                    return;
                }
                p.awaitTraining(POLL_MILLIS);
            }
        } catch (InterruptedException e) {
            // Printed before the interrupt flag is set again: Gogo's pipe streams are interruptible channels.
            out.println(p.name() + ": stopped following; the training goes on (hourglass:status " + p.name()
                    + ", hourglass:cancel " + p.name() + ")");
            out.flush();
            Thread.currentThread().interrupt();
        }
    }

    private static void print(String text) {
        System.out.print(text);
    }
}
