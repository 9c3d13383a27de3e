package org.hourglass.web.guard;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Where a browser request comes from, compared with where it was sent. Browsers name the page that made a request
 * in {@code Origin} (sent with every cross-site POST) and usually in {@code Referer}; a page of another site
 * riding on credentials the browser keeps (HTTP Basic) names that site, which differs from the {@code Host} the
 * request was sent to.
 */
final class Origins {

    /** The outcome: the page is this server's, another site's, or the request names none. */
    enum Verdict {
        SAME, CROSS, UNKNOWN
    }

    private Origins() {
    }

    /**
     * Compares {@code Origin} (or, without it, the scheme, host and port of {@code Referer}) with {@code Host}.
     * {@code Origin: null} (a sandboxed or privacy-redirected page), an unreadable value or a missing {@code Host}
     * is {@link Verdict#CROSS}: nothing shows the page is this server's. Neither header is {@link Verdict#UNKNOWN}.
     */
    static Verdict of(String origin, String referer, String host) {
        String page = origin != null ? origin.trim() : referer != null ? referer.trim() : null;
        if (page == null) {
            return Verdict.UNKNOWN;
        }
        if (host == null || host.isBlank()) {
            return Verdict.CROSS;
        }
        try {
            URI uri = new URI(page);
            String scheme = uri.getScheme();
            String authority = uri.getRawAuthority();
            if (scheme == null || authority == null || authority.contains("@")) {
                return Verdict.CROSS;
            }
            return authority(scheme, authority).equals(authority(scheme, host.trim())) ? Verdict.SAME : Verdict.CROSS;
        } catch (URISyntaxException e) {
            return Verdict.CROSS;
        }
    }

    /** Host and port in lower case, without the scheme's default port ({@code Host: x:80} is {@code http://x}). */
    private static String authority(String scheme, String authority) {
        String a = authority.toLowerCase(Locale.ROOT);
        String defaultPort = switch (scheme.toLowerCase(Locale.ROOT)) {
            case "http" -> ":80";
            case "https" -> ":443";
            default -> null;
        };
        return defaultPort != null && a.endsWith(defaultPort) ? a.substring(0, a.length() - defaultPort.length()) : a;
    }

    /** A header value for a log line or a message: at most 200 characters, no control characters. */
    static String quote(String value) {
        if (value == null) {
            return "(none)";
        }
        String v = value.length() > 200 ? value.substring(0, 200) + "..." : value;
        return "'" + v.replaceAll("\\p{Cntrl}", "?") + "'";
    }
}
