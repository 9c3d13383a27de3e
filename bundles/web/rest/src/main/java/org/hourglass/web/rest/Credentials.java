package org.hourglass.web.rest;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;

/**
 * The configured credentials and the check of an {@code Authorization} header against them: HTTP Basic with
 * user and password (refused while the password is empty) or {@code Bearer} with the token (refused while the
 * token is empty). Secrets are compared in constant time.
 */
final class Credentials {

    /** Outcome of a check; {@code reason} says why a request was refused, for the error message. */
    record Check(boolean ok, String reason) {
    }

    private final byte[] user;
    private final byte[] password;
    private final byte[] token;

    Credentials(String user, String password, String token) {
        this.user = digest(user == null ? "" : user);
        this.password = password == null || password.isEmpty() ? null : digest(password);
        this.token = token == null || token.isEmpty() ? null : digest(token);
    }

    boolean basicEnabled() {
        return password != null;
    }

    boolean bearerEnabled() {
        return token != null;
    }

    Check check(String authorization) {
        if (password == null && token == null) {
            return new Check(false, "no credentials are configured for the REST API: set a password or a token "
                    + "in configuration org.hourglass.web.rest");
        }
        if (authorization == null || authorization.isBlank()) {
            return new Check(false, "credentials required: HTTP Basic (user and password) or Authorization: "
                    + "Bearer <token>");
        }
        String header = authorization.trim();
        int space = header.indexOf(' ');
        String scheme = (space < 0 ? header : header.substring(0, space)).toLowerCase(Locale.ROOT);
        String value = space < 0 ? "" : header.substring(space + 1).trim();
        switch (scheme) {
            case "basic":
                return basic(value);
            case "bearer":
                if (token == null) {
                    return new Check(false, "bearer tokens are not enabled (no token configured)");
                }
                return constantTimeEquals(token, digest(value)) ? new Check(true, "")
                        : new Check(false, "wrong token");
            default:
                return new Check(false, "unsupported authorization scheme '" + scheme + "': use Basic or Bearer");
        }
    }

    private Check basic(String encoded) {
        if (password == null) {
            return new Check(false, "HTTP Basic is not enabled (no password configured)");
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return new Check(false, "malformed Basic credentials (not Base64)");
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return new Check(false, "malformed Basic credentials (no ':' between user and password)");
        }
        // Both compared every time: the answer's timing does not tell which one was wrong.
        boolean userOk = constantTimeEquals(user, digest(decoded.substring(0, colon)));
        boolean passwordOk = constantTimeEquals(password, digest(decoded.substring(colon + 1)));
        return userOk & passwordOk ? new Check(true, "") : new Check(false, "wrong user or password");
    }

    /**
     * Compares in time independent of where the inputs differ. Callers pass SHA-256 digests, so the time does not
     * depend on the secret's length either.
     */
    static boolean constantTimeEquals(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }

    static byte[] digest(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
