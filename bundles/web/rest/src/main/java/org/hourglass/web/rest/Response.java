package org.hourglass.web.rest;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** An answer: status, headers, and a body of bytes or a file to stream. */
final class Response {

    private final int status;
    private final String contentType;
    private final byte[] bytes;
    private final Path file;
    private final Map<String, String> headers = new LinkedHashMap<>();

    private Response(int status, String contentType, byte[] bytes, Path file) {
        this.status = status;
        this.contentType = contentType;
        this.bytes = bytes;
        this.file = file;
    }

    static Response json(int status, byte[] json) {
        return new Response(status, "application/json", json, null);
    }

    static Response bytes(int status, String contentType, byte[] body) {
        return new Response(status, contentType, body, null);
    }

    static Response file(String contentType, Path file) {
        return new Response(200, contentType, null, file);
    }

    Response header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    int status() {
        return status;
    }

    String contentType() {
        return contentType;
    }

    /** The body when it is in memory; null for a file. */
    byte[] bytes() {
        return bytes;
    }

    /** The file to stream; null for an in-memory body. */
    Path file() {
        return file;
    }

    Map<String, String> headers() {
        return headers;
    }
}
