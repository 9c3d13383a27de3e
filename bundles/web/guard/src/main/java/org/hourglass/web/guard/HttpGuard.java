package org.hourglass.web.guard;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.servlet.runtime.HttpServiceRuntime;
import org.osgi.service.servlet.whiteboard.Preprocessor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In front of every request the HTTP server gets (a Servlet Whiteboard preprocessor runs before any servlet
 * context, its authentication included): refuses a {@code Host} that is not a name of this server (421), refuses
 * requests with credentials from an address locked out after failed logins (429 with {@code Retry-After}), and
 * logs every failed login (an answer 401 to a request that carried credentials) with the user and the client's
 * address, never the password.
 */
@Component(service = Preprocessor.class, configurationPid = HttpGuard.PID)
@Designate(ocd = HttpGuard.Config.class)
public final class HttpGuard implements Preprocessor {

    static final String PID = "org.hourglass.web.guard";

    @ObjectClassDefinition(name = "Hourglass HTTP guard", description = "Checked before every request of the HTTP "
            + "server (Web Console, REST API, metrics): the Host names it answers as, and failed logins.")
    public @interface Config {
        @AttributeDefinition(name = "Further host names", description = "Names or addresses, separated by commas, "
                + "that requests may name in their Host header besides the server's own address and localhost, "
                + "127.0.0.1, [::1]: e.g. the machine's DNS name or a proxy's. Others are refused with 421.")
        String allowed_hosts() default "";

        @AttributeDefinition(name = "Failed logins before a lock-out", description = "Failed logins from one "
                + "address before requests with credentials from there are refused for a while (1 s, doubling "
                + "with every further failure). Forgotten 15 minutes after the last failure.", min = "0")
        int login_failures_free() default 5;

        @AttributeDefinition(name = "Longest lock-out (s)", description = "The lock-out stops doubling here.",
                min = "1")
        int login_lockout_max_seconds() default 60;
    }

    private static final Logger LOG = LoggerFactory.getLogger(HttpGuard.class);
    private static final String ENDPOINT = "osgi.http.endpoint";

    private final Map<Object, List<String>> endpoints = new ConcurrentHashMap<>();
    private final LongSupplier clock;
    private volatile List<String> configuredHosts = List.of();
    private volatile Hosts hosts = new Hosts(List.of(), List.of());
    private volatile LoginThrottle throttle;
    private Set<String> loggedHosts;
    private LoginThrottle loggedThrottle;

    @Activate
    public HttpGuard(Config config) {
        this(config, System::currentTimeMillis);
    }

    HttpGuard(Config config, LongSupplier clock) {
        this.clock = clock;
        modified(config);
    }

    @Modified
    void modified(Config config) {
        configuredHosts = Arrays.stream(config.allowed_hosts().split("[,\\s]+")).filter(s -> !s.isBlank()).toList();
        // A new configuration starts with no failures recorded.
        throttle = new LoginThrottle(config.login_failures_free(), config.login_lockout_max_seconds() * 1000L);
        updateHosts();
    }

    @Reference(service = HttpServiceRuntime.class, cardinality = ReferenceCardinality.MULTIPLE,
            policy = ReferencePolicy.DYNAMIC, unbind = "removeRuntime", updated = "addRuntime")
    void addRuntime(Map<String, Object> properties) {
        endpoints.put(properties.get("service.id"), strings(properties.get(ENDPOINT)));
        updateHosts();
    }

    void removeRuntime(Map<String, Object> properties) {
        endpoints.remove(properties.get("service.id"));
        updateHosts();
    }

    private synchronized void updateHosts() {
        List<String> all = new ArrayList<>();
        endpoints.values().forEach(all::addAll);
        Hosts h = new Hosts(all, configuredHosts);
        hosts = h;
        LoginThrottle t = throttle;
        // The runtime's properties change with every servlet or filter registered: say only what changed.
        if (!h.names().equals(loggedHosts) || t != loggedThrottle) {
            loggedHosts = h.names();
            loggedThrottle = t;
            LOG.info("HTTP guard: answers requests for hosts {}; locks out an address after {} failed logins, for "
                    + "up to {} s", h.names(), t.free(), t.maxLockMillis() / 1000);
        }
    }

    private static List<String> strings(Object value) {
        if (value instanceof String s) {
            return List.of(s);
        }
        if (value instanceof String[] a) {
            return List.of(a);
        }
        if (value instanceof Collection<?> c) {
            return c.stream().map(String::valueOf).toList();
        }
        return List.of();
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest req = (HttpServletRequest) request;
        HttpServletResponse resp = (HttpServletResponse) response;
        String host = req.getHeader("Host");
        if (!hosts.allows(host)) {
            LOG.warn("HTTP guard: refused {} {} from {} for Host {} (not a name of this server)", req.getMethod(),
                    req.getRequestURI(), req.getRemoteAddr(), Origins.quote(host));
            Refusal.send(req, resp, 421, "this server does not answer as " + Origins.quote(host) + "; add the name "
                    + "to allowed.hosts of configuration " + PID + " (HOURGLASS_HTTP_HOSTS) if it is one of its "
                    + "names", Map.of());
            return;
        }
        String authorization = req.getHeader("Authorization");
        if (authorization == null) {
            chain.doFilter(request, response);
            return;
        }
        String address = req.getRemoteAddr();
        LoginThrottle t = throttle;
        long locked = t.lockedFor(address, clock.getAsLong());
        if (locked > 0) {
            long seconds = (locked + 999) / 1000;
            Refusal.send(req, resp, 429, "too many failed logins from " + address + "; try again in " + seconds
                    + " s", Map.of("Retry-After", Long.toString(seconds)));
            return;
        }
        chain.doFilter(request, response);
        if (resp.getStatus() == HttpServletResponse.SC_UNAUTHORIZED) {
            LoginThrottle.Entry e = t.failed(address, clock.getAsLong());
            LOG.warn("Failed login for user {} from {}: {} {} ({} in a row from this address)", user(authorization),
                    address, req.getMethod(), req.getRequestURI(), e.failures());
            if (e.lockedUntil() > 0) {
                LOG.warn("Too many failed logins from {}: requests with credentials from there are refused for "
                        + "{} s", address, (e.lockedUntil() - e.lastFailure() + 999) / 1000);
            }
        }
    }

    /** Who a refused {@code Authorization} header claimed to be, for the log: never the password or token. */
    static String user(String authorization) {
        String header = authorization.trim();
        int space = header.indexOf(' ');
        String scheme = (space < 0 ? header : header.substring(0, space)).toLowerCase(Locale.ROOT);
        if (scheme.equals("bearer")) {
            return "(a bearer token)";
        }
        if (!scheme.equals("basic")) {
            return "(scheme " + Origins.quote(scheme) + ")";
        }
        try {
            String decoded = new String(Base64.getDecoder().decode(header.substring(space + 1).trim()),
                    StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            return colon < 0 ? "(malformed Basic credentials)" : Origins.quote(decoded.substring(0, colon));
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            return "(malformed Basic credentials)";
        }
    }
}
