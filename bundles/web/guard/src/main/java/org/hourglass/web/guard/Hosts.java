package org.hourglass.web.guard;

import java.net.URI;
import java.util.Collection;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The host names the server answers as: the hosts of its endpoints (the address Jetty binds to, or every interface's
 * address for a wildcard bind), the loopback names, and configured names (a DNS name, a proxy's name). A request
 * whose {@code Host} names anything else was sent to a name that merely resolves here, as in DNS rebinding, where a
 * page of another site reaches a server on the loopback address through a name that site controls.
 */
final class Hosts {

    /** Always accepted: no other site can make a browser send these, and they only reach a local server. */
    static final Set<String> LOOPBACK = Set.of("localhost", "127.0.0.1", "[::1]");

    private final Set<String> names = new TreeSet<>();

    /**
     * @param endpoints  the HTTP runtime's endpoints, e.g. {@code http://127.0.0.1:8080/}
     * @param configured further names or addresses, with or without a port
     */
    Hosts(Collection<String> endpoints, Collection<String> configured) {
        names.addAll(LOOPBACK);
        for (String e : endpoints) {
            try {
                String host = URI.create(e.trim()).getHost();
                if (host != null) {
                    names.add(normalize(host));
                }
            } catch (IllegalArgumentException notAUri) {
                // not an endpoint URL; nothing to add
            }
        }
        for (String c : configured) {
            if (!c.isBlank()) {
                names.add(name(c.trim()));
            }
        }
    }

    /** Whether a request with this {@code Host} header is answered; none (HTTP/1.0 clients) is. */
    boolean allows(String hostHeader) {
        return hostHeader == null || names.contains(name(hostHeader.trim()));
    }

    Set<String> names() {
        return names;
    }

    /** The host part of a {@code Host} value ({@code name[:port]}, {@code [v6][:port]}), normalised. */
    static String name(String host) {
        String h = host;
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            h = end < 0 ? h : h.substring(0, end + 1);
        } else {
            int colon = h.indexOf(':');
            if (colon >= 0 && colon == h.lastIndexOf(':')) {
                h = h.substring(0, colon);
            } else if (colon >= 0) {
                h = "[" + h + "]"; // a bare IPv6 address (configuration), bracketed as a Host header has it
            }
        }
        return normalize(h);
    }

    private static String normalize(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }
}
