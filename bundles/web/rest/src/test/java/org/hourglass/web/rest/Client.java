package org.hourglass.web.rest;

import jakarta.ws.rs.core.Application;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import org.glassfish.jersey.internal.MapPropertiesDelegate;
import org.glassfish.jersey.server.ApplicationHandler;
import org.glassfish.jersey.server.ContainerRequest;
import org.glassfish.jersey.server.ContainerResponse;
import org.glassfish.jersey.server.ResourceConfig;

/**
 * The REST API as the whiteboard runs it, in memory: the resource and its extensions in a Jersey application,
 * requests answered without a network.
 */
final class Client {

    /** An answer: status, content type, headers (one value each) and the body as sent. */
    record Answer(int status, String contentType, Map<String, String> headers, byte[] bytes) {
    }

    private final ApplicationHandler handler;

    Client(RestApi api, RestApi.Settings settings) {
        ResourceConfig config = ResourceConfig.forApplication(new Application() {
            @Override
            public Map<String, Object> getProperties() {
                return RestApplication.PROPERTIES;
            }
        });
        config.register(api).register(new Authentication(settings)).register(new Exchange())
                .register(new Errors()).register(new JsonWriter());
        handler = new ApplicationHandler(config);
    }

    /** Sends a request to {@code /hourglass/api} + {@code path}; {@code headers} may be empty. */
    Answer send(String method, String path, Map<String, String> headers, long length, InputStream body) {
        ContainerRequest request = new ContainerRequest(URI.create("http://localhost" + RestApi.BASE + "/"),
                URI.create("http://localhost" + RestApi.BASE + path), method, null, new MapPropertiesDelegate(),
                handler.getConfiguration());
        headers.forEach((k, v) -> {
            if (v != null) {
                request.header(k, v);
            }
        });
        if (length >= 0) {
            request.header("Content-Length", Long.toString(length));
        }
        request.setEntityStream(body);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ContainerResponse response;
        try {
            response = handler.apply(request, out).get();
        } catch (InterruptedException | ExecutionException e) {
            throw new AssertionError(e);
        }
        Map<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        response.getStringHeaders().forEach((k, v) -> h.put(k, String.join(", ", v)));
        h.remove("Content-Type");
        String type = response.getMediaType() == null ? null : response.getMediaType().toString();
        return new Answer(response.getStatus(), type, h, out.toByteArray());
    }
}
