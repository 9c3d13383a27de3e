package org.hourglass.web.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class CredentialsTest {

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private final Credentials both = new Credentials("admin", "s3cret:with:colons", "tok-123");

    @Test
    void basicAcceptsTheConfiguredUserAndPassword() {
        assertTrue(both.check(basic("admin", "s3cret:with:colons")).ok());
        assertTrue(both.check("  basic " + basic("admin", "s3cret:with:colons").substring(6) + " ").ok(),
                "scheme is case-insensitive");
        assertEquals("wrong user or password", both.check(basic("admin", "nope")).reason());
        assertEquals("wrong user or password", both.check(basic("root", "s3cret:with:colons")).reason());
        assertFalse(both.check(basic("admin", "s3cret:with:colon")).ok());
        assertFalse(both.check(basic("admin", "")).ok());
    }

    @Test
    void bearerAcceptsTheConfiguredToken() {
        assertTrue(both.check("Bearer tok-123").ok());
        assertTrue(both.check("bearer tok-123").ok());
        assertEquals("wrong token", both.check("Bearer tok-124").reason());
        assertFalse(both.check("Bearer ").ok());
    }

    @Test
    void malformedOrMissingHeadersAreRefusedWithAReason() {
        assertTrue(both.check(null).reason().startsWith("credentials required"));
        assertTrue(both.check("").reason().startsWith("credentials required"));
        assertTrue(both.check("Basic !!!").reason().contains("not Base64"));
        assertTrue(both.check("Basic " + Base64.getEncoder().encodeToString("nocolon".getBytes(StandardCharsets.UTF_8)))
                .reason().contains("no ':'"));
        assertTrue(both.check("Digest abc").reason().contains("unsupported authorization scheme 'digest'"));
    }

    @Test
    void anEmptyPasswordDisablesBasicAndAnEmptyTokenDisablesBearer() {
        Credentials tokenOnly = new Credentials("admin", "", "tok");
        assertFalse(tokenOnly.basicEnabled());
        assertFalse(tokenOnly.check(basic("admin", "")).ok());
        assertTrue(tokenOnly.check(basic("admin", "")).reason().contains("no password configured"));
        assertTrue(tokenOnly.check("Bearer tok").ok());

        Credentials passwordOnly = new Credentials("admin", "pw", null);
        assertFalse(passwordOnly.bearerEnabled());
        assertFalse(passwordOnly.check("Bearer ").ok());
        assertTrue(passwordOnly.check("Bearer anything").reason().contains("no token configured"));

        Credentials none = new Credentials("admin", "", "");
        assertTrue(none.check(basic("admin", "")).reason().startsWith("no credentials are configured"));
    }

    @Test
    void comparisonIsOverFixedLengthDigests() {
        byte[] a = Credentials.digest("short");
        byte[] b = Credentials.digest("a much longer secret than the other one");
        assertEquals(32, a.length);
        assertEquals(32, b.length);
        assertFalse(Credentials.constantTimeEquals(a, b));
        assertTrue(Credentials.constantTimeEquals(a, Credentials.digest("short")));
    }
}
