package org.hourglass.runtime;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.function.Predicate;

/** The exported Hourglass jar started through runtime/bin/hourglass as a separate process. */
final class RunningServer implements AutoCloseable {

    static final String USER = "admin";

    private final Process process;
    private final Path log;
    private final int port;
    private final String password;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private RunningServer(Process process, Path log, int port, String password) {
        this.process = process;
        this.log = log;
        this.port = port;
        this.password = password;
    }

    static RunningServer start(Path script, Path home, String password) throws IOException {
        return start(script, home, password, java.util.Map.of());
    }

    /** Starts the server with extra environment variables (e.g. {@code HOURGLASS_FASHION_MNIST}). */
    static RunningServer start(Path script, Path home, String password, java.util.Map<String, String> env)
            throws IOException {
        int port = freePort();
        Path log = home.resolve("server-" + System.nanoTime() + ".log");
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("HOURGLASS_HOME", home.toString());
        pb.environment().put("HOURGLASS_HTTP_PORT", Integer.toString(port));
        pb.environment().put("HOURGLASS_CONSOLE_PASSWORD", password);
        // Tests read Fashion-MNIST even where they point the demo elsewhere: allow it next to the data folder.
        pb.environment().put("HOURGLASS_DATA_DIRS", home.resolve("data") + "," + DeployFiles.FASHION_MNIST);
        pb.environment().putAll(env);
        return new RunningServer(pb.start(), log, port, password);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The server's process id: bin/hourglass execs java, so this is the JVM. */
    long pid() {
        return process.pid();
    }

    /** The JVM's command line as the operating system shows it to every user (ps). */
    String commandLine() throws IOException {
        return Files.readString(Path.of("/proc/" + pid() + "/cmdline"), StandardCharsets.UTF_8).replace('\0', ' ');
    }

    /** Resident memory of the server process in KiB (VmRSS of /proc/<pid>/status). */
    long residentKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS in /proc/" + pid() + "/status");
    }

    /**
     * Live Java objects in KiB: the total of {@code jcmd GC.class_histogram}, which collects first. (The heap's
     * "used" figure after a collection also counts partly filled regions and varies by tens of MiB.)
     */
    long liveHeapKib() throws IOException, InterruptedException {
        java.util.regex.Matcher total = java.util.regex.Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)\\s*$")
                .matcher(jcmd("GC.class_histogram"));
        if (!total.find()) {
            throw new IOException("jcmd GC.class_histogram gave no total");
        }
        return Long.parseLong(total.group(1)) / 1024;
    }

    private String jcmd(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("jcmd", Long.toString(pid()), command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("jcmd " + command + " failed: " + out);
        }
        return out;
    }

    /** The HTTP port the server listens on (127.0.0.1). */
    int port() {
        return port;
    }

    /** GET a console path; returns status code, or -1 while nothing listens. */
    HttpResponse<String> get(String path, boolean withCredentials) throws IOException, InterruptedException {
        HttpRequest.Builder rb = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10));
        if (withCredentials) {
            rb.header("Authorization", basic());
        }
        return http.send(rb.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> postForm(String path, String form) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10))
                .header("Authorization", basic())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    int status(String path, boolean withCredentials) throws InterruptedException {
        try {
            return get(path, withCredentials).statusCode();
        } catch (IOException e) {
            return -1;
        }
    }

    /** Polls until the condition holds; fails with the server log's tail after the timeout. */
    void await(String what, Duration timeout, Check check) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                throw new AssertionError("server exited (" + process.exitValue() + ") while waiting for " + what
                        + "\n" + logTail());
            }
            if (check.holds()) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + what + "\n" + logTail());
    }

    interface Check {
        boolean holds() throws Exception;
    }

    String logTail() throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return "--- server log (last 40 lines) ---\n"
                + String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    String log() throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    /** How often {@code text} occurs in the server log so far. */
    int occurrences(String text) throws IOException {
        String all = log();
        int n = 0;
        for (int at = all.indexOf(text); at >= 0; at = all.indexOf(text, at + text.length())) {
            n++;
        }
        return n;
    }

    /** Sends a request with any method, headers and body (null: none) and returns the raw answer. */
    HttpResponse<byte[]> send(String method, String path, java.util.Map<String, String> headers, byte[] body)
            throws IOException, InterruptedException {
        HttpRequest.Builder rb = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(rb::header);
        return http.send(rb.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /**
     * Writes {@code head} (request line and headers, ending in an empty line) on a fresh connection, sends no
     * body, and returns the answer (status line, headers, body): for requests the server must refuse by their
     * headers alone.
     */
    String raw(String head) throws IOException {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            java.io.ByteArrayOutputStream answer = new java.io.ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            for (int n; !complete(answer.toString(StandardCharsets.UTF_8))
                    && (n = socket.getInputStream().read(buffer)) > 0; ) {
                answer.write(buffer, 0, n);
            }
            return answer.toString(StandardCharsets.UTF_8);
        }
    }

    /** Whether an HTTP answer has its headers and as much body as its Content-Length says. */
    private static boolean complete(String answer) {
        int end = answer.indexOf("\r\n\r\n");
        if (end < 0) {
            return false;
        }
        java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?im)^content-length:\\s*(\\d+)")
                .matcher(answer.substring(0, end));
        return length.find() && answer.length() - end - 4 >= Integer.parseInt(length.group(1));
    }

    static Predicate<String> contains(String s) {
        return body -> body.contains(s);
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private String basic() {
        return "Basic " + Base64.getEncoder().encodeToString((USER + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** Kills the server as a crash would (SIGKILL: no shutdown hooks, nothing flushed) and waits for it to die. */
    void kill() throws InterruptedException {
        process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            throw new AssertionError("server did not die within 30 s of SIGKILL");
        }
    }

    /** Stops the framework the way an operator does (SIGTERM) and waits for a clean exit. */
    @Override
    public void close() throws Exception {
        process.toHandle().descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            throw new AssertionError("server did not stop within 30 s of SIGTERM\n" + logTail());
        }
    }
}
