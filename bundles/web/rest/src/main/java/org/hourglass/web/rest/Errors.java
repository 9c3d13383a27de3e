package org.hourglass.web.rest;

import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Request;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.hourglass.api.pipeline.PipelineException;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsApplicationSelect;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsExtension;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every failure as a JSON error ({@link Documents.Error}): the API's own refusals, the runtime's 404 and 405 (with
 * {@code Allow}: the methods of the path, HEAD with GET, OPTIONS left out), a pipeline's refusal as 400, a body
 * that could not be read as 400, and anything unexpected as 500 without details (logged).
 */
@Component(service = ExceptionMapper.class)
@JakartarsExtension
@JakartarsName("hourglass.rest.errors")
@JakartarsApplicationSelect(RestApplication.SELECT)
public final class Errors implements ExceptionMapper<Throwable> {

    private static final Logger LOG = LoggerFactory.getLogger(Errors.class);

    @Context
    private UriInfo uri;

    @Context
    private Request request;

    @Override
    public Response toResponse(Throwable t) {
        String method = request.getMethod();
        String path = "/" + uri.getPath(false).replaceFirst("^/", "");
        if (t instanceof NotAllowedException e && e.getMessage().startsWith("HTTP 405")) {
            String allow = allow(e.getResponse().getAllowedMethods());
            return json(405, method + " is not allowed on " + path + "; use " + allow).header(HttpHeaders.ALLOW, allow)
                    .build();
        }
        if (t instanceof NotFoundException e && e.getMessage().startsWith("HTTP 404")) {
            return json(404, "no resource at " + path).build();
        }
        if (t instanceof WebApplicationException e) {
            Response r = e.getResponse();
            Response.ResponseBuilder b = json(r.getStatus(), e.getMessage());
            for (String h : List.of(HttpHeaders.ALLOW, HttpHeaders.WWW_AUTHENTICATE)) {
                if (r.getHeaderString(h) != null) {
                    b.header(h, r.getHeaderString(h));
                }
            }
            return b.build();
        }
        if (t instanceof PipelineException) {
            return json(400, t.getMessage()).build();
        }
        if (t instanceof IOException) {
            LOG.debug("REST API: the body of {} {} could not be read", method, path, t);
            return json(400, "the request body could not be read to its end (the connection ended or timed out)")
                    .build();
        }
        LOG.error("REST API: {} {} failed", method, path, t);
        return json(500, "internal error; the server log has details").build();
    }

    /** The methods a path allows, as the API names them: HEAD with GET, no OPTIONS, in order. */
    static String allow(Collection<String> methods) {
        Set<String> allowed = new TreeSet<>(methods);
        allowed.remove("OPTIONS");
        if (allowed.contains("GET")) {
            allowed.add("HEAD");
        }
        return String.join(", ", allowed);
    }

    /** A JSON error answer of this status. */
    static Response.ResponseBuilder json(int status, String message) {
        String reason = reason(status);
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new Documents.Error(status, reason, message == null ? reason : message));
    }

    /** The reason phrase; RFC 9110's name for 413, which JAX-RS still calls "Request Entity Too Large". */
    static String reason(int status) {
        if (status == 413) {
            return "Content Too Large";
        }
        Response.Status s = Response.Status.fromStatusCode(status);
        return s == null ? "Error" : s.getReasonPhrase();
    }

    // ------------------------------------------------------------------------------------------ refusals

    static WebApplicationException status(int status, String message) {
        return new WebApplicationException(message, status);
    }

    static WebApplicationException badRequest(String message) {
        return status(400, message);
    }

    static WebApplicationException notFound(String message) {
        return status(404, message);
    }

    static WebApplicationException conflict(String message) {
        return status(409, message);
    }

    static WebApplicationException unavailable(String message) {
        return status(503, message);
    }
}
