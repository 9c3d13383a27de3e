package org.hourglass.web.rest;

import java.io.InputStream;
import java.util.function.UnaryOperator;

/**
 * What the API needs of an HTTP request, independent of the servlet container.
 *
 * @param method        HTTP method, upper case
 * @param path          the path below {@code /hourglass/api}, decoded; "" or "/" for the root
 * @param headers       header lookup by name (case-insensitive); null when absent
 * @param contentLength the declared body length, -1 when unknown (chunked)
 * @param body          the body stream
 */
record Request(String method, String path, UnaryOperator<String> headers, long contentLength, InputStream body) {

    String header(String name) {
        return headers.apply(name);
    }

    /** The media type without parameters, lower case; "" when absent. */
    String mediaType() {
        String ct = header("Content-Type");
        if (ct == null) {
            return "";
        }
        int semi = ct.indexOf(';');
        return (semi < 0 ? ct : ct.substring(0, semi)).trim().toLowerCase(java.util.Locale.ROOT);
    }
}
