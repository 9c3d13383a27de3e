package org.hourglass.web.rest;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.hourglass.api.pipeline.Pipeline;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sample shape of each pipeline's served model, so that request rows are checked while they are parsed. It
 * is read from the model's record ({@code pipeline.json}: {@code inputShape}, documented in rest.md) once per
 * model file and kept until another model serves; no API call is needed. When it cannot be known (no model, a
 * record of another model), the pipeline still checks every sample itself.
 */
final class InputShapes {

    private static final Logger LOG = LoggerFactory.getLogger(InputShapes.class);

    private record Known(Path model, Bodies.Shape shape) {
    }

    private final Map<String, Known> byPipeline = new ConcurrentHashMap<>();

    Bodies.Shape of(Pipeline p) {
        Path model;
        Path record;
        try {
            model = p.modelFile();
            record = p.recordFile();
        } catch (RuntimeException noModel) {
            return Bodies.Shape.UNKNOWN; // the call itself answers why (409, 503)
        }
        Known known = byPipeline.get(p.name());
        if (known != null && known.model().equals(model)) {
            return known.shape();
        }
        Bodies.Shape shape = read(record, model);
        if (shape.known()) {
            byPipeline.put(p.name(), new Known(model, shape));
        }
        return shape;
    }

    /** The record's input shape when the record is that of {@code model}; UNKNOWN otherwise. */
    static Bodies.Shape read(Path record, Path model) {
        try {
            JsonNode r = Documents.MAPPER.readTree(record.toFile());
            JsonNode dims = r.path("inputShape");
            if (model == null || !model.getFileName().toString().equals(r.path("modelFile").asText())
                    || !dims.isArray() || dims.isEmpty()) {
                return Bodies.Shape.UNKNOWN; // a record being replaced, or of another format
            }
            long width = 1;
            StringBuilder shape = new StringBuilder("[");
            for (JsonNode d : dims) {
                if (!d.canConvertToLong() || d.asLong() <= 0) {
                    return Bodies.Shape.UNKNOWN;
                }
                width *= d.asLong();
                if (width > Integer.MAX_VALUE) {
                    return Bodies.Shape.UNKNOWN;
                }
                shape.append(shape.length() > 1 ? ", " : "").append(d.asLong());
            }
            return new Bodies.Shape((int) width, shape.append(']').toString());
        } catch (IOException | RuntimeException e) {
            LOG.debug("REST API: cannot read the input shape from {}", record, e);
            return Bodies.Shape.UNKNOWN;
        }
    }
}
