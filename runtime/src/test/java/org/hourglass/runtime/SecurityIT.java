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
 * inside the data directories, whatever the configuration says (a plain path, {@code ..}, a symbolic link).
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
