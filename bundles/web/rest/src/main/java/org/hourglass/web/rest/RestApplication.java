package org.hourglass.web.rest;

import jakarta.ws.rs.core.Application;
import java.util.Map;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsApplicationBase;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsName;

/**
 * The REST API's application on the Jakarta RESTful Web Services Whiteboard, under {@code /hourglass/api}. Its
 * resource ({@link RestApi}) and extensions ({@link Authentication}, {@link Exchange}, {@link Errors},
 * {@link JsonWriter}) are components that select it by name.
 */
@Component(service = Application.class)
@JakartarsApplicationBase(RestApi.BASE)
@JakartarsName(RestApplication.NAME)
public final class RestApplication extends Application {

    static final String NAME = "hourglass.rest";
    static final String SELECT = "(osgi.jakartars.name=" + NAME + ")";

    /**
     * No WADL (OPTIONS is refused like any method a path does not have, {@link Exchange}); {@code Location} as
     * the resource gives it (a path), not made absolute with the request's host.
     */
    static final Map<String, Object> PROPERTIES = Map.of("jersey.config.server.wadl.disableWadl", true,
            "jersey.config.server.headers.location.relative.resolution.disabled", true);

    @Override
    public Map<String, Object> getProperties() {
        return PROPERTIES;
    }
}
