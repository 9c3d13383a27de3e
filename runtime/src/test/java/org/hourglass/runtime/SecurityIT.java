package org.hourglass.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exported server's security defaults, end to end: the console and every REST call that changes something or
 * runs a model need credentials; the HTTP port is bound to the loopback address only; neither the password nor the
 * token (nor a wrong guess) shows up in the server's output or its command line; data sources read files only
 * inside the data directories, whatever the configuration says (a plain path, {@code ..}, a symbolic link). The HTTP
 * guard ({@link #webGuard}): cross-site changes to the console are refused, foreign Host names too, HEAD works on the
 * REST API, failed logins are logged and lock the address out.
 */
class SecurityIT {

    private static final Path SCRIPT = Path.of(System.getProperty("hourglass.script", "bin/hourglass"));

    @TempDir
    Path home;

    @Test
    void credentialsLoopbackQuietLogsAndDataDirectories() throws Exception {
        Path data = Files.createDirectories(home.resolve("data/inside"));
        Path outside = Files.createDirectories(home.resolve("outside"));
        byte[] images = idx(64);
        Files.write(data.resolve("x.idx"), images);
        Files.write(outside.resolve("x.idx"), images);
        Files.createSymbolicLink(data.resolve("link.idx"), outside.resolve("x.idx"));
        Map<String, String> sources = Map.of(
                "sec-inside", data.resolve("x.idx").toString(),
                "sec-outside", outside.resolve("x.idx").toString(),
                "sec-dotdot", data.resolve("../../outside/x.idx").toString(),
                "sec-link", data.resolve("link.idx").toString(),
                "sec-system", "/etc/passwd");
        for (Map.Entry<String, String> s : sources.entrySet()) {
            DeployFiles.config(home, "org.hourglass.data.idx-" + s.getKey(), "hourglass.name=" + s.getKey(),
                    "images=" + s.getValue());
            DeployFiles.config(home, "org.hourglass.pipeline-" + s.getKey(), "hourglass.name=" + s.getKey(),
                    "family=dense", "training.data=" + s.getKey(), "latent.size=4", "epochs=1", "batch.size=16",
                    "auto.train=true");
        }
        String password = "pw-" + UUID.randomUUID();
        String token = "tk-" + UUID.randomUUID();
        String guess = "guess-" + UUID.randomUUID();
        Map<String, String> env = new java.util.HashMap<>(DeployFiles.withoutDemoData(home));
        env.put("HOURGLASS_API_TOKEN", token);

        try (RunningServer server = RunningServer.start(SCRIPT, home, password, env)) {
            Api api = new Api(server, password);
            server.await("every pipeline to finish or fail", Duration.ofSeconds(90), () -> {
                for (String name : sources.keySet()) {
                    String st = api.state(name);
                    if (!st.equals("TRAINED") && !st.equals("FAILED")) {
                        return false;
                    }
                }
                return true;
            });

            // Data directories: only the file inside trains; the others fail naming the attribute and the rule.
            assertEquals("TRAINED", api.state("sec-inside"), api.pipeline("sec-inside").toString());
            for (String name : List.of("sec-outside", "sec-dotdot", "sec-link", "sec-system")) {
                JsonNode p = api.pipeline(name);
                assertEquals("FAILED", p.get("state").asText(), p.toString());
                String message = p.get("message").asText();
                assertTrue(message.contains("attribute 'images': ") && message.contains("is outside the data "
                        + "directories") && message.contains("HOURGLASS_DATA_ANYWHERE"), message);
                assertFalse(Files.exists(home.resolve("data/models/" + name + "/pipeline.json")), name);
            }

            // Loopback only: the listening socket of the HTTP port is bound to 127.0.0.1, nothing else.
            List<String> listening = listeners(server.port());
            assertEquals(List.of("127.0.0.1"), listening, "addresses listening on port " + server.port());

            // This test makes 36 failed logins on purpose; the lock-out after 5 (webGuard) would answer 429 instead.
            guardSetting(server, "login.failures.free", "1000");

            // The console: nothing without credentials, not even a wrong guess; a configuration POST is refused.
            assertEquals(401, server.status("/system/console/bundles", false));
            assertEquals(200, server.status("/system/console/bundles", true));
            HttpResponse<byte[]> consoleGuess = server.send("GET", "/system/console/bundles",
                    Map.of("Authorization", Api.basic(RunningServer.USER, guess)), null);
            assertEquals(401, consoleGuess.statusCode());
            // On a fresh connection: the console closes one after a 401, and a reused one would fail the client.
            String form = "apply=true&action=ajaxConfigManager&propertylist=read.requires.auth&read.requires.auth=true";
            String consolePost = server.raw("POST /system/console/configMgr/org.hourglass.web.rest HTTP/1.1\r\n"
                    + "Host: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: "
                    + form.length() + "\r\nConnection: close\r\n\r\n" + form);
            assertTrue(consolePost.startsWith("HTTP/1.1 401 "), consolePost);
            assertEquals(200, api.get("/pipelines/sec-inside").statusCode(), "reads still open: nothing changed");

            // REST: every call that changes something or runs a model needs credentials; reads are open.
            String[] mutating = {"train", "cancel", "score", "label", "encode", "reconstruct", "evaluate"};
            byte[] body = Api.instances(new float[][] {new float[784]}).getBytes(StandardCharsets.UTF_8);
            for (String call : mutating) {
                for (String auth : new String[] {null, Api.basic(RunningServer.USER, guess), "Bearer " + guess,
                        "Basic not-base64!", "Digest x"}) {
                    HttpResponse<byte[]> r = api.send("POST", "/pipelines/sec-inside/" + call, auth,
                            "application/json", body);
                    Api.error(r, 401);
                    assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic "), call);
                    // The refused body was not read, so the connection closes, and says so: the next call of
                    // this client (on a new connection) must not fail.
                    assertEquals("close", r.headers().firstValue("Connection").orElse(""), call);
                }
            }
            assertEquals(200, api.get("/pipelines/sec-inside").statusCode(), "reads are open by default");
            assertEquals(200, api.send("POST", "/pipelines/sec-inside/score", "Bearer " + token, "application/json",
                    body).statusCode(), "the token is accepted");
            assertEquals(200, api.post("/pipelines/sec-inside/score", "application/json",
                    new String(body, StandardCharsets.UTF_8)).statusCode(), "the password is accepted");
            assertEquals("TRAINED", api.state("sec-inside"), "no refused call started a training");

            // No credentials in the output (password, token, a guess, their Basic encodings) or the command line.
            String log = server.log();
            for (String secret : List.of(password, token, guess, b64(password), b64(guess))) {
                assertFalse(log.contains(secret), "the server output contains a secret\n" + server.logTail());
                assertFalse(server.commandLine().contains(secret), "the command line contains a secret");
            }
            assertTrue(log.contains("REST API at /hourglass/api: HTTP Basic on for user 'admin', bearer token on"),
                    "the log says authentication is on, without the secrets\n" + server.logTail());
            // Nor in framework storage: configurations keep the $[env:...] placeholders, not the values.
            try (Stream<Path> files = Files.walk(home.resolve("data/framework"))) {
                for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                    String content = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                    assertFalse(content.contains(password) || content.contains(token), "a secret is stored in " + f);
                }
            }
        }
    }

    /**
     * In front of the console and the REST API: cross-site changes to the console (the console page's Train button
     * among them) are refused and change nothing, same-site ones work; requests naming a host that is not the
     * server's are refused (DNS rebinding); HEAD answers like GET; failed logins are logged and lock the address out.
     */
    @Test
    void webGuard() throws Exception {
        String password = "pw-" + UUID.randomUUID();
        String guess = "guess-" + UUID.randomUUID();
        try (RunningServer server = RunningServer.start(SCRIPT, home, password, DeployFiles.withoutDemoData(home))) {
            Api api = new Api(server, password);
            String self = "http://127.0.0.1:" + server.port();
            String evil = "http://evil.example";
            // From the very first answer: the HTTP server starts after the guard (it once answered for a second
            // before the guard's filter was there, and a cross-site POST went through).
            int first = -1;
            for (long end = System.nanoTime() + 90_000_000_000L; first < 0 && System.nanoTime() < end; ) {
                try {
                    first = consoleForm(server, password, "/system/console/bundles/0", "action=refreshPackages",
                            Map.of("Origin", evil)).statusCode();
                } catch (IOException notListening) {
                    Thread.sleep(20);
                }
            }
            assertTrue(first == 403 || first == 404, "the first answer to a cross-site POST was " + first);
            server.await("the console", Duration.ofSeconds(90),
                    () -> server.status("/system/console/bundles", true) == 200);

            // Cross-site: stopping a bundle and creating a pipeline configuration are refused before the console.
            int metrics = bundleId(server, "org.hourglass.web.metrics");
            String create = "apply=true&factoryPid=org.hourglass.pipeline&action=ajaxConfigManager"
                    + "&propertylist=hourglass.name,family,training.data&family=dense&training.data=none"
                    + "&hourglass.name=";
            List<Answer> refused = List.of(
                    consoleForm(server, password, "/system/console/bundles/" + metrics, "action=stop",
                            Map.of("Origin", evil)),
                    consoleForm(server, password, "/system/console/bundles/" + metrics, "action=stop",
                            Map.of("Referer", evil + "/page.html")),
                    consoleForm(server, password, "/system/console/configMgr/" + NEW_CONFIG, create + "csrf-made",
                            Map.of("Origin", evil)),
                    consoleForm(server, password, "/system/console/configMgr/" + NEW_CONFIG, create + "csrf-null",
                            Map.of("Origin", "null")),
                    consoleForm(server, password, "/system/console/hourglass/csrf-made", "action=train",
                            Map.of("Origin", evil)));
            for (Answer r : refused) {
                assertEquals(403, r.statusCode(), r.body());
                assertTrue(r.body().contains("cross-site request refused"), r.body());
            }
            // The same requests from the console's own pages work.
            Answer made = consoleForm(server, password, "/system/console/configMgr/" + NEW_CONFIG,
                    create + "same-site", Map.of("Origin", self, "Referer", self + "/system/console/configMgr"));
            assertEquals(302, made.statusCode(), made.body());
            server.await("the same-site pipeline", Duration.ofSeconds(10), () -> !api.state("same-site")
                    .equals("absent"));
            assertEquals("absent", api.state("csrf-made"), "the cross-site configuration was not created");
            assertEquals("absent", api.state("csrf-null"));
            assertEquals("Active", bundleState(server, metrics), "the cross-site stop did not stop it");
            assertEquals(200, consoleForm(server, password, "/system/console/bundles/" + metrics, "action=stop",
                    Map.of("Origin", self)).statusCode());
            assertEquals("Resolved", bundleState(server, metrics));
            assertEquals(200, consoleForm(server, password, "/system/console/bundles/" + metrics, "action=start",
                    Map.of("Referer", self + "/system/console/bundles")).statusCode());
            assertEquals("Active", bundleState(server, metrics));

            // Host names: a name that merely resolves here (DNS rebinding) is refused, with or without credentials.
            for (String path : List.of("/hourglass/api/pipelines", "/system/console/bundles")) {
                String rebound = server.raw("GET " + path + " HTTP/1.1\r\nHost: rebind.evil.example:" + server.port()
                        + "\r\nAuthorization: " + Api.basic(RunningServer.USER, password)
                        + "\r\nConnection: close\r\n\r\n");
                assertTrue(rebound.startsWith("HTTP/1.1 421 "), rebound);
                assertTrue(rebound.contains("this server does not answer as 'rebind.evil.example:"), rebound);
            }
            assertTrue(server.raw("GET /hourglass/api/pipelines HTTP/1.1\r\nHost: x.example\r\n"
                    + "Connection: close\r\n\r\n").contains("{\"status\":421,\"error\":\"Misdirected Request\""),
                    "JSON under the API");
            for (String host : List.of("localhost:" + server.port(), "127.0.0.1:" + server.port(), "[::1]")) {
                String ok = server.raw("GET /hourglass/api/pipelines HTTP/1.1\r\nHost: " + host
                        + "\r\nConnection: close\r\n\r\n");
                assertTrue(ok.startsWith("HTTP/1.1 200 "), host + ": " + ok);
            }

            // HEAD answers like GET without the body; on a POST-only resource it is a 405 naming POST.
            HttpResponse<byte[]> get = api.get("/pipelines/same-site");
            HttpResponse<byte[]> head = api.send("HEAD", "/pipelines/same-site", null, null, null);
            assertEquals(200, head.statusCode());
            assertEquals("application/json", head.headers().firstValue("Content-Type").orElse(""));
            assertEquals(Long.toString(get.body().length), head.headers().firstValue("Content-Length").orElse(""));
            assertEquals(0, head.body().length);
            HttpResponse<byte[]> headPost = api.send("HEAD", "/pipelines/same-site/score", null, null, null);
            assertEquals(405, headPost.statusCode());
            assertEquals("POST", headPost.headers().firstValue("Allow").orElse(""));
            assertEquals(404, api.send("HEAD", "/pipelines/nothing", null, null, null).statusCode());

            // Failed logins: each is logged with user and address, never the password; the 6th locks the address
            // out (1 s): the right password is refused too, unchecked, until then.
            for (int i = 0; i < 5; i++) {
                Api.error(api.send("POST", "/pipelines/same-site/train", Api.basic(RunningServer.USER, guess), null,
                        null), 401);
            }
            HttpResponse<byte[]> sixth = server.send("GET", "/system/console/bundles",
                    Map.of("Authorization", Api.basic(RunningServer.USER, guess)), null);
            assertEquals(401, sixth.statusCode());
            HttpResponse<byte[]> locked = api.send("POST", "/pipelines/same-site/train",
                    Api.basic(RunningServer.USER, password), null, null);
            assertTrue(Api.error(locked, 429).get("message").asText().startsWith("too many failed logins from "
                    + "127.0.0.1"));
            long retry = Long.parseLong(locked.headers().firstValue("Retry-After").orElse("0"));
            assertTrue(retry >= 1 && retry <= 2, "Retry-After " + retry);
            assertEquals(429, server.status("/system/console/bundles", true), "the console is locked too");
            assertEquals(200, api.get("/pipelines").statusCode(), "requests without credentials are not locked out");
            Thread.sleep(retry * 1000 + 200);
            assertEquals(200, server.status("/system/console/bundles", true), "the lock-out ends");
            String log = server.log();
            assertEquals(6, server.occurrences("Failed login for user 'admin' from 127.0.0.1"), server.logTail());
            assertTrue(log.contains("Too many failed logins from 127.0.0.1: requests with credentials from there "
                    + "are refused for 1 s"), server.logTail());
            assertFalse(log.contains(guess) || log.contains(b64(guess)) || log.contains(password), "no secrets");
        }
    }

    /** HOURGLASS_READ_REQUIRES_AUTH=true closes the reads (GET and HEAD) of the REST API to callers without credentials. */
    @Test
    void readsCanRequireCredentials() throws Exception {
        String password = "pw-" + UUID.randomUUID();
        Map<String, String> env = new java.util.HashMap<>(DeployFiles.withoutDemoData(home));
        env.put("HOURGLASS_READ_REQUIRES_AUTH", "true");
        try (RunningServer server = RunningServer.start(SCRIPT, home, password, env)) {
            Api api = new Api(server, password);
            server.await("the REST API", Duration.ofSeconds(90), () -> server.status(Api.BASE + "/pipelines", true)
                    == 200);
            for (String path : List.of("/pipelines", "/pipelines/fashion-demo", "/plugins", "/openapi.json")) {
                Api.error(api.get(path), 401);
                assertEquals(401, api.send("HEAD", path, null, null, null).statusCode(), path);
                assertEquals(200, api.send("GET", path, Api.basic(RunningServer.USER, password), null, null)
                        .statusCode(), path);
            }
            assertTrue(server.log().contains("reads need credentials"), server.logTail());
        }
    }

    /** The console's path for a configuration that does not exist yet (a new factory configuration). */
    private static final String NEW_CONFIG = "%5BTemporary%20PID%20replaced%20by%20real%20PID%20upon%20save%5D";

    /** A console answer: status and body. */
    private record Answer(int statusCode, String body) {
    }

    /** A console form POST with the console's credentials and the given extra headers (Origin, Referer). */
    private static Answer consoleForm(RunningServer server, String password, String path, String form,
            Map<String, String> headers) throws IOException, InterruptedException {
        Map<String, String> all = new java.util.HashMap<>(headers);
        all.put("Authorization", Api.basic(RunningServer.USER, password));
        all.put("Content-Type", "application/x-www-form-urlencoded");
        HttpResponse<byte[]> r = server.send("POST", path, all, form.getBytes(StandardCharsets.UTF_8));
        return new Answer(r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
    }

    private static int bundleId(RunningServer server, String symbolicName) throws Exception {
        JsonNode data = Api.JSON.readTree(server.get("/system/console/bundles/" + symbolicName + ".json", true)
                .body()).get("data").get(0);
        return data.get("id").asInt();
    }

    private static String bundleState(RunningServer server, int id) throws Exception {
        return Api.JSON.readTree(server.get("/system/console/bundles/" + id + ".json", true).body()).get("data")
                .get(0).get("state").asText();
    }

    /** Changes one attribute of the HTTP guard's configuration in the console and waits until it applies. */
    private static void guardSetting(RunningServer server, String attribute, String value) throws Exception {
        int before = server.occurrences("HTTP guard: answers requests for hosts");
        int saved = server.postForm("/system/console/configMgr/org.hourglass.web.guard", "apply=true&action="
                + "ajaxConfigManager&propertylist=" + attribute + "&" + attribute + "=" + value).statusCode();
        assertTrue(saved == 200 || saved == 302, "saving the guard's configuration answered " + saved);
        server.await("the guard's new configuration", Duration.ofSeconds(10),
                () -> server.occurrences("HTTP guard: answers requests for hosts") > before);
    }

    private static String b64(String password) {
        return Base64.getEncoder().encodeToString((RunningServer.USER + ":" + password)
                .getBytes(StandardCharsets.UTF_8));
    }

    /** Local addresses with a listening TCP socket on {@code port}, from /proc/net/tcp and /proc/net/tcp6. */
    private static List<String> listeners(int port) throws IOException {
        List<String> out = new ArrayList<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path file = Path.of(table);
            if (!Files.exists(file)) {
                continue;
            }
            try (Stream<String> lines = Files.lines(file)) {
                for (String line : (Iterable<String>) lines.skip(1)::iterator) {
                    String[] f = line.trim().split("\\s+");
                    String[] local = f[1].split(":");
                    if (f[3].equals("0A") && Integer.parseInt(local[1], 16) == port) {
                        out.add(address(local[0]));
                    }
                }
            }
        }
        return out;
    }

    /** A /proc/net address (hex, 32-bit words in host order, little-endian here). */
    private static String address(String hex) {
        byte[] b = new byte[hex.length() / 2];
        for (int w = 0; w < b.length / 4; w++) {
            int word = (int) Long.parseLong(hex.substring(8 * w, 8 * w + 8), 16);
            ByteBuffer.wrap(b, 4 * w, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(word);
        }
        try {
            java.net.InetAddress a = java.net.InetAddress.getByAddress(b);
            return a.getHostAddress().replace("0:0:0:0:0:ffff:", "");
        } catch (java.net.UnknownHostException e) {
            return hex;
        }
    }

    /** A valid IDX file of n random 28x28 unsigned-byte images. */
    private static byte[] idx(int n) {
        ByteBuffer b = ByteBuffer.allocate(16 + n * 784);
        b.putInt(0x0803).putInt(n).putInt(28).putInt(28);
        byte[] pixels = new byte[n * 784];
        new Random(7).nextBytes(pixels);
        b.put(pixels);
        return b.array();
    }
}
