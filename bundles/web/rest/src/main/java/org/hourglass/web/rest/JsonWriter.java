package org.hourglass.web.rest;

import com.fasterxml.jackson.jakarta.rs.json.JacksonJsonProvider;
import jakarta.ws.rs.ext.MessageBodyWriter;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsApplicationSelect;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsExtension;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsMediaType;
import org.osgi.service.jakartars.whiteboard.propertytypes.JakartarsName;

/**
 * Jackson's JAX-RS provider writing the API's answers with {@link Documents#MAPPER} (its NaN policy). Request
 * bodies are not read through it: they are parsed as they arrive, within the request limits ({@link Bodies}).
 */
@Component(service = MessageBodyWriter.class)
@JakartarsExtension
@JakartarsName("hourglass.rest.json")
@JakartarsMediaType("application/json")
@JakartarsApplicationSelect(RestApplication.SELECT)
public final class JsonWriter extends JacksonJsonProvider {

    public JsonWriter() {
        super(Documents.MAPPER);
    }
}
