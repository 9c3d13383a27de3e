package org.hourglass.web.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.servlet.FilterChain;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ConsoleOriginFilterTest {

    private final ConsoleOriginFilter filter = new ConsoleOriginFilter();
    private final AtomicInteger passed = new AtomicInteger();
    private final FilterChain chain = (req, resp) -> passed.incrementAndGet();

    @Test
    void crossSiteChangesAreRefusedBeforeTheConsole() throws Exception {
        for (String method : new String[] {"POST", "PUT", "DELETE", "PATCH"}) {
            Fakes.Answer a = send(method, "/system/console/bundles/42", "http://evil.example", null);
            assertEquals(403, a.status, method);
            assertTrue(a.text().contains("cross-site request refused") && a.text().contains("'http://evil.example'"),
                    a.text());
            assertEquals("close", a.headers.get("Connection"), "the unread form closes the connection");
        }
        assertEquals(403, send("POST", "/system/console/configMgr", null, "http://evil.example/x.html").status,
                "Referer when there is no Origin");
        assertEquals(0, passed.get());
    }

    @Test
    void sameSiteReadsAndProgramsPass() throws Exception {
        assertEquals(200, send("POST", "/system/console/bundles/42", "http://127.0.0.1:8080", null).status);
        assertEquals(200, send("POST", "/system/console/configMgr", null, "http://127.0.0.1:8080/system/console/"
                + "configMgr").status);
        assertEquals(200, send("POST", "/system/console/configMgr", null, null).status, "curl sends neither");
        assertEquals(200, send("GET", "/system/console/bundles", "http://evil.example", null).status,
                "a GET changes nothing (and its answer is not readable by the other site)");
        assertEquals(4, passed.get());
    }

    private Fakes.Answer send(String method, String uri, String origin, String referer) throws Exception {
        Map<String, String> headers = new HashMap<>(Map.of("Host", "127.0.0.1:8080", "Content-Length", "12"));
        if (origin != null) {
            headers.put("Origin", origin);
        }
        if (referer != null) {
            headers.put("Referer", referer);
        }
        Fakes.Answer a = new Fakes.Answer();
        filter.doFilter(Fakes.request(method, uri, "127.0.0.1", headers), Fakes.response(a), chain);
        return a;
    }
}
