package org.hourglass.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Entry point of the launcher: {@code Hourglass.builder()...start()}.
 *
 * <pre>{@code
 * try (HourglassPlatform hourglass = Hourglass.builder()
 *         .bundles(Path.of("target/bundles"))
 *         .modelDir(Path.of("models"))
 *         .factoryConfiguration("org.hourglass.data.idx", "train", Map.of("images", "...", "limit", 2000))
 *         .factoryConfiguration(Pipeline.FACTORY_PID, "shirts", Map.of("training.data", "train"))
 *         .start()) {
 *     Pipeline shirts = hourglass.pipeline("shirts", Duration.ofSeconds(30));
 *     ...
 * }
 * }</pre>
 */
public final class Hourglass {

    private Hourglass() {
    }

    public static Builder builder() {
        return new Builder();
    }

    /** What to start: bundles, storage, framework properties and the initial configurations. Not thread-safe. */
    public static final class Builder {

        final List<Path> bundles = new ArrayList<>();
        final Map<String, String> properties = new LinkedHashMap<>();
        final List<Configuration> configurations = new ArrayList<>();
        Path storage;
        Duration startTimeout = Duration.ofSeconds(60);
        Duration stopTimeout = Duration.ofSeconds(30);

        private Builder() {
        }

        /**
         * Installs every {@code *.jar} of the directory (not its subdirectories), e.g. the {@code target/bundles}
         * folder the embedding example's build writes. May be called more than once.
         */
        public Builder bundles(Path directory) {
            if (!Files.isDirectory(directory)) {
                throw new HourglassException("bundle directory " + directory.toAbsolutePath() + " does not exist");
            }
            try (Stream<Path> files = Files.list(directory)) {
                List<Path> jars = files.filter(p -> p.getFileName().toString().endsWith(".jar"))
                        .filter(Files::isRegularFile).sorted().toList();
                if (jars.isEmpty()) {
                    throw new HourglassException("bundle directory " + directory.toAbsolutePath() + " has no jars");
                }
                bundles.addAll(jars);
            } catch (IOException e) {
                throw new HourglassException("cannot list " + directory + ": " + e.getMessage(), e);
            }
            return this;
        }

        /** Installs these bundle jars (in addition to any given before). */
        public Builder bundles(Collection<Path> jars) {
            for (Path jar : jars) {
                if (!Files.isRegularFile(jar)) {
                    throw new HourglassException("bundle " + jar.toAbsolutePath() + " does not exist");
                }
                bundles.add(jar);
            }
            return this;
        }

        /**
         * The framework's storage folder (installed bundles, configurations). It is emptied at every start: the
         * builder is the source of truth for bundles and configurations, while trained models live in the model
         * folder and survive. Default: a temporary folder removed by {@link HourglassPlatform#close()}.
         */
        public Builder storage(Path directory) {
            this.storage = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** Where pipelines keep their models ({@code <dir>/<pipeline>/}); sets {@code hourglass.model.dir}. */
        public Builder modelDir(Path directory) {
            return property("hourglass.model.dir", directory.toAbsolutePath().toString());
        }

        /** A framework property, e.g. {@code org.osgi.framework.bootdelegation}; bundles read them too. */
        public Builder property(String key, String value) {
            properties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** A configuration of a singleton PID (e.g. {@code org.hourglass.executor}) applied at start. */
        public Builder configuration(String pid, Map<String, ?> values) {
            configurations.add(new Configuration(pid, null, Map.copyOf(values)));
            return this;
        }

        /**
         * A named factory configuration applied at start, e.g. a data source ({@code org.hourglass.data.idx}) or a
         * pipeline ({@link org.hourglass.api.pipeline.Pipeline#FACTORY_PID}). The name also becomes the
         * instance's {@code hourglass.name} unless the values set one.
         */
        public Builder factoryConfiguration(String factoryPid, String name, Map<String, ?> values) {
            configurations.add(new Configuration(factoryPid, Objects.requireNonNull(name, "name"), Map.copyOf(values)));
            return this;
        }

        /** How long {@link #start()} may take to install, resolve and start the bundles (default 60 s). */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** How long {@link HourglassPlatform#close()} waits for the framework to stop (default 30 s). */
        public Builder stopTimeout(Duration timeout) {
            this.stopTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * Starts the framework, installs and starts the bundles (fewest dependencies first, so logging is up before
         * anything logs), checks that the pipeline API is the host's, and applies the configurations.
         *
         * @throws HourglassException naming the bundle that did not resolve or start, or the configuration refused
         */
        public HourglassPlatform start() {
            if (bundles.isEmpty()) {
                throw new HourglassException("no bundles given: call bundles(directory) with the platform's bundles");
            }
            return HourglassPlatform.start(this);
        }
    }

    /** A configuration to apply at start: {@code name} null for a singleton PID. */
    record Configuration(String pid, String name, Map<String, ?> values) {
    }
}
