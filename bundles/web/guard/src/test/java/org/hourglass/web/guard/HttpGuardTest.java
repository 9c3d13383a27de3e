package org.hourglass.web.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.servlet.FilterChain;
import jakarta.servlet.http.HttpServletResponse;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HttpGuardTest {

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final AtomicInteger passed = new AtomicInteger();
    private final HttpGuard guard = new HttpGuard(config("", 3, 8), now::get);
    /** The "server" behind the guard: 401 unless the password is "right". */
    private final FilterChain server = (req, resp) -> {
        passed.incrementAndGet();
        String auth = ((jakarta.servlet.http.HttpServletRequest) req).getHeader("Authorization");
        if (auth != null && !auth.equals(basic("admin", "right"))) {
            ((HttpServletResponse) resp).setStatus(401);
        }
    };

    HttpGuardTest() {
        guard.addRuntime(Map.of("service.id", 1L, "osgi.http.endpoint", new String[] {"http://127.0.0.1:8080/"}));
    }

    @Test
    void foreignHostsAreRefusedWithJsonUnderTheApi() throws Exception {
        Fakes.Answer a = send("GET", "/hourglass/api/pipelines", "rebind.evil.example:8080", null);
        assertEquals(421, a.status);
        assertEquals("application/json", a.contentType);
        assertTrue(a.text().startsWith("{\"status\":421,\"error\":\"Misdirected Request\",\"message\":\"this server "
                + "does not answer as 'rebind.evil.example:8080'"), a.text());
        Fakes.Answer console = send("GET", "/system/console/bundles", "rebind.evil.example:8080", null);
        assertEquals(421, console.status);
        assertTrue(console.contentType.startsWith("text/plain"), console.contentType);
        assertEquals(0, passed.get(), "nothing behind the guard saw them");
        assertEquals(200, send("GET", "/hourglass/api/pipelines", "localhost:8080", null).status);
        assertEquals(1, passed.get());
    }

    @Test
    void configuredNamesAndEndpointsChange() throws Exception {
        assertEquals(421, send("GET", "/", "hourglass.example.org", null).status);
        guard.modified(config("hourglass.example.org, other.example", 3, 8));
        assertEquals(200, send("GET", "/", "hourglass.example.org:8080", null).status);
        assertEquals(200, send("GET", "/", "other.example", null).status);
        assertEquals(421, send("GET", "/", "192.168.1.7:8080", null).status);
        guard.addRuntime(Map.of("service.id", 1L, "osgi.http.endpoint", "http://192.168.1.7:8080/"));
        assertEquals(200, send("GET", "/", "192.168.1.7:8080", null).status);
        guard.removeRuntime(Map.of("service.id", 1L));
        assertEquals(421, send("GET", "/", "192.168.1.7:8080", null).status);
    }

    @Test
    void failedLoginsLockTheAddressOutForDoublingTimes() throws Exception {
        String wrong = basic("admin", "wrong");
        for (int i = 1; i <= 3; i++) {
            assertEquals(401, send("POST", "/hourglass/api/pipelines/x/train", "127.0.0.1:8080", wrong).status, "" + i);
        }
        // The 4th failure locks for 1 s: every request with credentials is refused unchecked, the right ones too.
        assertEquals(401, send("POST", "/hourglass/api/pipelines/x/train", "127.0.0.1:8080", wrong).status);
        int before = passed.get();
        Fakes.Answer locked = send("POST", "/hourglass/api/pipelines/x/train", "127.0.0.1:8080",
                basic("admin", "right"));
        assertEquals(429, locked.status);
        assertEquals("1", locked.headers.get("Retry-After"));
        assertTrue(locked.text().contains("too many failed logins from 127.0.0.1"), locked.text());
        assertEquals(before, passed.get(), "not passed on");
        assertEquals(200, send("GET", "/hourglass/api/pipelines", "127.0.0.1:8080", null).status,
                "requests without credentials are not locked out");
        assertEquals(200, sendFrom("10.0.0.9", basic("admin", "right")).status, "other addresses are not");

        now.addAndGet(1000);
        assertEquals(401, send("POST", "/x", "127.0.0.1:8080", wrong).status, "unlocked; the 5th failure locks 2 s");
        now.addAndGet(1999);
        assertEquals(429, send("POST", "/x", "127.0.0.1:8080", basic("admin", "right")).status);
        now.addAndGet(1);
        assertEquals(401, send("POST", "/x", "127.0.0.1:8080", wrong).status, "6th: 4 s");
        now.addAndGet(4000);
        assertEquals(401, send("POST", "/x", "127.0.0.1:8080", wrong).status, "7th: 8 s, the configured longest");
        now.addAndGet(8000);
        assertEquals(401, send("POST", "/x", "127.0.0.1:8080", wrong).status, "8th: still 8 s");
        now.addAndGet(7999);
        assertEquals(429, send("POST", "/x", "127.0.0.1:8080", wrong).status);
        now.addAndGet(1);
        assertEquals(200, send("POST", "/x", "127.0.0.1:8080", basic("admin", "right")).status);

        now.addAndGet(LoginThrottle.FORGET_MILLIS + 1);
        for (int i = 1; i <= 3; i++) {
            assertEquals(401, send("POST", "/x", "127.0.0.1:8080", wrong).status, "forgotten after 15 min: " + i);
        }
        assertEquals(200, send("POST", "/x", "127.0.0.1:8080", basic("admin", "right")).status);
    }

    @Test
    void theLogNamesTheUserNeverTheSecret() {
        assertEquals("'admin'", HttpGuard.user(basic("admin", "s3cret")));
        assertEquals("(a bearer token)", HttpGuard.user("Bearer s3cret"));
        assertEquals("(malformed Basic credentials)", HttpGuard.user("Basic not-base64!"));
        assertEquals("(malformed Basic credentials)", HttpGuard.user("Basic"));
        assertEquals("(malformed Basic credentials)", HttpGuard.user("Basic " + Base64.getEncoder()
                .encodeToString("s3cret".getBytes(StandardCharsets.UTF_8))));
        assertEquals("(scheme 'digest')", HttpGuard.user("Digest x=s3cret"));
        assertFalse(HttpGuard.user(basic("a\nb", "s3cret")).contains("\n"), "no line breaks in the log");
    }

    private Fakes.Answer send(String method, String uri, String host, String authorization) throws Exception {
        return sendFrom("127.0.0.1", method, uri, host, authorization);
    }

    private Fakes.Answer sendFrom(String remote, String authorization) throws Exception {
        return sendFrom(remote, "POST", "/x", "127.0.0.1:8080", authorization);
    }

    private Fakes.Answer sendFrom(String remote, String method, String uri, String host, String authorization)
            throws Exception {
        Map<String, String> headers = new HashMap<>();
        headers.put("Host", host);
        if (authorization != null) {
            headers.put("Authorization", authorization);
        }
        Fakes.Answer a = new Fakes.Answer();
        guard.doFilter(Fakes.request(method, uri, remote, headers), Fakes.response(a), server);
        return a;
    }

    static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    static HttpGuard.Config config(String hosts, int free, int maxSeconds) {
        return (HttpGuard.Config) Proxy.newProxyInstance(HttpGuardTest.class.getClassLoader(),
                new Class<?>[] {HttpGuard.Config.class}, (proxy, m, args) -> switch (m.getName()) {
                    case "allowed_hosts" -> hosts;
                    case "login_failures_free" -> free;
                    case "login_lockout_max_seconds" -> maxSeconds;
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }
}
