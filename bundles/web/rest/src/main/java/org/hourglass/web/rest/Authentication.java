package org.hourglass.web.rest;

import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.NotAuthorizedException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.core.HttpHeaders;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsApplicationSelect;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsExtension;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsName;

/**
 * Credentials for calls that change something (POST), and for reads too when configured. It runs after the
 * request was matched to a resource, so an unknown path or method is a 404 or 405 whoever asks.
 */
@Component(service = ContainerRequestFilter.class, configurationPid = RestApi.PID)
@JakartarsExtension
@JakartarsName("hourglass.rest.authentication")
@JakartarsApplicationSelect(RestApplication.SELECT)
public final class Authentication implements ContainerRequestFilter {

    private static final String CHALLENGE = "Basic realm=\"Hourglass REST API\", charset=\"UTF-8\"";

    private volatile boolean readRequiresAuth;
    private volatile Credentials credentials;

    @Activate
    public Authentication(RestApi.Config config) {
        this(RestApi.settings(config));
    }

    Authentication(RestApi.Settings settings) {
        apply(settings);
    }

    @Modified
    void modified(RestApi.Config config) {
        apply(RestApi.settings(config));
    }

    private void apply(RestApi.Settings s) {
        credentials = new Credentials(s.username(), s.password(), s.token());
        readRequiresAuth = s.readRequiresAuth();
    }

    @Override
    public void filter(ContainerRequestContext request) {
        String method = request.getMethod();
        if (method.equals(HttpMethod.OPTIONS)) {
            return; // the runtime's own answer, which Exchange turns into a 405 like other missing methods
        }
        if (!readRequiresAuth && (method.equals(HttpMethod.GET) || method.equals(HttpMethod.HEAD))) {
            return;
        }
        Credentials.Check check = credentials.check(request.getHeaderString(HttpHeaders.AUTHORIZATION));
        if (!check.ok()) {
            throw new NotAuthorizedException(check.reason(), CHALLENGE);
        }
    }
}
