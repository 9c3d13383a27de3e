package org.hourglass.web.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.hourglass.web.guard.Origins.Verdict;
import org.junit.jupiter.api.Test;

class OriginsTest {

    @Test
    void originAgainstHost() {
        assertEquals(Verdict.SAME, Origins.of("http://127.0.0.1:8080", null, "127.0.0.1:8080"));
        assertEquals(Verdict.SAME, Origins.of("http://LocalHost:8080", null, "localhost:8080"), "case");
        assertEquals(Verdict.SAME, Origins.of("http://example.org", null, "example.org:80"), "default port");
        assertEquals(Verdict.SAME, Origins.of("https://example.org", null, "example.org:443"), "default port");
        assertEquals(Verdict.CROSS, Origins.of("http://evil.example", null, "127.0.0.1:8080"));
        assertEquals(Verdict.CROSS, Origins.of("http://127.0.0.1:9999", null, "127.0.0.1:8080"), "another port");
        assertEquals(Verdict.CROSS, Origins.of("http://127.0.0.1:8080.evil.example", null, "127.0.0.1:8080"));
        assertEquals(Verdict.CROSS, Origins.of("null", null, "127.0.0.1:8080"), "an opaque origin");
        assertEquals(Verdict.CROSS, Origins.of("http://127.0.0.1:8080", null, null), "no Host to compare with");
        assertEquals(Verdict.CROSS, Origins.of("http://a b", null, "a b"), "unreadable");
    }

    @Test
    void refererWhenThereIsNoOriginAndNeither() {
        assertEquals(Verdict.SAME, Origins.of(null, "http://127.0.0.1:8080/system/console/bundles?x=1",
                "127.0.0.1:8080"));
        assertEquals(Verdict.CROSS, Origins.of(null, "http://evil.example/form.html", "127.0.0.1:8080"));
        assertEquals(Verdict.CROSS, Origins.of(null, "http://127.0.0.1:8080@evil.example/", "127.0.0.1:8080"),
                "user info is not a host");
        assertEquals(Verdict.CROSS, Origins.of("http://evil.example", "http://127.0.0.1:8080/", "127.0.0.1:8080"),
                "Origin wins over Referer");
        assertEquals(Verdict.UNKNOWN, Origins.of(null, null, "127.0.0.1:8080"));
    }
}
