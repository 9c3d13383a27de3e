package org.hourglass.web.console;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;

/**
 * The page's JSON (Jackson): records and collections as they are. One policy with the REST API: numbers that are
 * not finite (NaN, infinities) are written as {@code null}, since JSON has none; {@link Html} is its markup as a
 * string. {@code <}, {@code >}, {@code &} and the line separators U+2028/U+2029 are written as {@code \}u escapes so
 * the text is safe inside a {@code <script>} element too.
 */
final class Json {

    private static final ObjectMapper MAPPER = mapper();

    private Json() {
    }

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the page's JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static ObjectMapper mapper() {
        JsonSerializer<Number> finiteOrNull = new JsonSerializer<>() {
            @Override
            public void serialize(Number value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
                double d = value.doubleValue();
                if (!Double.isFinite(d)) {
                    gen.writeNull();
                } else if (value instanceof Float f) {
                    gen.writeNumber(f);
                } else {
                    gen.writeNumber(d);
                }
            }
        };
        SimpleModule module = new SimpleModule("hourglass-console")
                .addSerializer(Double.class, finiteOrNull).addSerializer(double.class, finiteOrNull)
                .addSerializer(Float.class, finiteOrNull).addSerializer(float.class, finiteOrNull)
                .addSerializer(double[].class, new JsonSerializer<>() {
                    @Override
                    public void serialize(double[] values, JsonGenerator gen, SerializerProvider serializers)
                            throws IOException {
                        gen.writeStartArray(values, values.length);
                        for (double v : values) {
                            finiteOrNull.serialize(v, gen, serializers);
                        }
                        gen.writeEndArray();
                    }
                })
                .addSerializer(float[].class, new JsonSerializer<>() {
                    @Override
                    public void serialize(float[] values, JsonGenerator gen, SerializerProvider serializers)
                            throws IOException {
                        gen.writeStartArray(values, values.length);
                        for (float v : values) {
                            finiteOrNull.serialize(v, gen, serializers);
                        }
                        gen.writeEndArray();
                    }
                })
                .addSerializer(Html.class, new JsonSerializer<>() {
                    @Override
                    public void serialize(Html value, JsonGenerator gen, SerializerProvider serializers)
                            throws IOException {
                        gen.writeString(value.markup());
                    }
                });
        ObjectMapper mapper = new ObjectMapper().registerModule(module);
        mapper.getFactory().setCharacterEscapes(new ScriptSafe());
        return mapper;
    }

    /** Jackson's standard escapes plus the characters that could end a script element or a JavaScript line. */
    private static final class ScriptSafe extends CharacterEscapes {
        private static final long serialVersionUID = 1L;
        private final int[] ascii = standardAsciiEscapesForJSON();

        ScriptSafe() {
            ascii['<'] = ESCAPE_STANDARD;
            ascii['>'] = ESCAPE_STANDARD;
            ascii['&'] = ESCAPE_STANDARD;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            return ch == '\u2028' || ch == '\u2029'
                    ? new com.fasterxml.jackson.core.io.SerializedString(String.format("\\u%04x", ch)) : null;
        }
    }
}
