package org.hourglass.web.guard;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import java.util.Set;
import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses cross-site changes in front of the whole Web Console (every page and plug-in, the Hourglass page
 * included): the browser keeps the console's HTTP Basic credentials and sends them with a form that another site's
 * page posts, so a POST, PUT, DELETE or PATCH whose {@code Origin} (or else {@code Referer}) names another site is
 * answered 403 before the console sees it. Requests naming neither are let through: browsers send {@code Origin}
 * with every cross-site POST, so such a request comes from a program (curl, a script), which has to hold the
 * credentials itself. The console's authentication runs first (a servlet context's security comes before its
 * filters): without credentials the answer stays 401.
 */
@Component(service = Filter.class, property = {
        "osgi.http.whiteboard.filter.name=Hourglass console cross-site guard",
        "osgi.http.whiteboard.filter.pattern=/*",
        "osgi.http.whiteboard.context.select=(osgi.http.whiteboard.context.name=" + ConsoleOriginFilter.CONSOLE + ")"})
public final class ConsoleOriginFilter implements Filter {

    /** The servlet context the Web Console (5.x) registers its servlet and resources in. */
    static final String CONSOLE = "org.apache.felix.webconsole";

    private static final Logger LOG = LoggerFactory.getLogger(ConsoleOriginFilter.class);
    private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS", "TRACE");

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest req = (HttpServletRequest) request;
        if (!SAFE.contains(req.getMethod()) && refuses(req)) {
            String origin = req.getHeader("Origin") != null ? req.getHeader("Origin") : req.getHeader("Referer");
            LOG.warn("Web Console: refused a cross-site {} {} from {} (page {}, Host {})", req.getMethod(),
                    req.getRequestURI(), req.getRemoteAddr(), Origins.quote(origin), Origins.quote(req.getHeader("Host")));
            Refusal.send(req, (HttpServletResponse) response, 403, "cross-site request refused: the page that sent "
                    + "it (" + Origins.quote(origin) + ") is not this server's; the Web Console accepts changes only "
                    + "from its own pages", Map.of());
            return;
        }
        chain.doFilter(request, response);
    }

    /** Whether a changing request comes from another site's page (see the class comment for requests naming none). */
    static boolean refuses(HttpServletRequest req) {
        return Origins.of(req.getHeader("Origin"), req.getHeader("Referer"), req.getHeader("Host"))
                == Origins.Verdict.CROSS;
    }
}
