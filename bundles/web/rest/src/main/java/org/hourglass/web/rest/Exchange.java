package org.hourglass.web.rest;

import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.annotation.Annotation;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsApplicationSelect;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsExtension;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsName;

/**
 * What every exchange gets: the body tracked so that an answer that leaves it unread closes the connection
 * ({@link TrackedBody}); {@code Cache-Control: no-store} and {@code X-Content-Type-Options: nosniff}; for HEAD the
 * {@code Content-Length} of the body GET would send; and OPTIONS refused like any other method a path does not
 * have (405 naming the methods it has), where the runtime would answer it itself.
 */
@Component(service = {ContainerRequestFilter.class, ContainerResponseFilter.class})
@JakartarsExtension
@JakartarsName("hourglass.rest.exchange")
@JakartarsApplicationSelect(RestApplication.SELECT)
@PreMatching
public final class Exchange implements ContainerRequestFilter, ContainerResponseFilter {

    private static final String BODY = TrackedBody.class.getName();

    @Override
    public void filter(ContainerRequestContext request) {
        TrackedBody body = new TrackedBody(request.getEntityStream());
        request.setEntityStream(body);
        request.setProperty(BODY, body);
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) throws IOException {
        if (request.getMethod().equals(HttpMethod.OPTIONS) && response.getStatusInfo().getFamily()
                == jakarta.ws.rs.core.Response.Status.Family.SUCCESSFUL) {
            String allow = Errors.allow(response.getAllowedMethods());
            response.setStatus(405);
            response.getHeaders().putSingle(HttpHeaders.ALLOW, allow);
            response.setEntity(new Documents.Error(405, Errors.reason(405), "OPTIONS is not allowed on /"
                    + request.getUriInfo().getPath(false).replaceFirst("^/", "") + "; use " + allow),
                    new Annotation[0], MediaType.APPLICATION_JSON_TYPE);
        }
        response.getHeaders().putSingle(HttpHeaders.CACHE_CONTROL, "no-store");
        response.getHeaders().putSingle("X-Content-Type-Options", "nosniff");
        TrackedBody body = (TrackedBody) request.getProperty(BODY);
        if (body != null && TrackedBody.leftUnread(
                RestApi.contentLength(request.getHeaderString(HttpHeaders.CONTENT_LENGTH)),
                request.getHeaderString("Transfer-Encoding"), body.finished())) {
            response.getHeaders().putSingle("Connection", "close");
        }
        if (request.getMethod().equals(HttpMethod.HEAD) && response.hasEntity()
                && !response.getHeaders().containsKey(HttpHeaders.CONTENT_LENGTH)) {
            // The runtime drops a HEAD answer's body before it is written, and with it the length.
            response.getHeaders().putSingle(HttpHeaders.CONTENT_LENGTH, length(response.getEntity()));
        }
    }

    /** The length of a JSON document as the provider writes it (same mapper). */
    private static long length(Object entity) throws IOException {
        if (entity instanceof byte[] bytes) {
            return bytes.length;
        }
        Counter c = new Counter();
        Documents.MAPPER.writeValue(c, entity);
        return c.count;
    }

    private static final class Counter extends OutputStream {
        private long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }
}
