package org.hourglass.web.guard;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A refused request's answer. Under {@code /hourglass/} (REST API, metrics) it is the REST API's JSON error
 * ({@code {"status", "error", "message"}}, see docs/rest.md); elsewhere (the Web Console) plain text.
 */
final class Refusal {

    private static final Map<Integer, String> REASONS = Map.of(403, "Forbidden", 421, "Misdirected Request",
            429, "Too Many Requests");

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The REST API's error document, written by Jackson. */
    record ErrorBody(int status, String error, String message) {
    }

    private Refusal() {
    }

    static void send(HttpServletRequest req, HttpServletResponse resp, int status, String message,
            Map<String, String> headers) throws IOException {
        String uri = req.getRequestURI();
        boolean json = uri != null && uri.startsWith("/hourglass/");
        String reason = REASONS.getOrDefault(status, "Error");
        byte[] body = json ? JSON.writeValueAsBytes(new ErrorBody(status, reason, message))
                : (status + " " + reason + ": " + message + "\n").getBytes(StandardCharsets.UTF_8);
        resp.reset();
        resp.setStatus(status);
        resp.setContentType(json ? "application/json" : "text/plain;charset=UTF-8");
        resp.setContentLength(body.length);
        resp.setHeader("Cache-Control", "no-store");
        resp.setHeader("X-Content-Type-Options", "nosniff");
        headers.forEach(resp::setHeader);
        // The body of a refused request is never read: the connection cannot be reused, and clients are told so.
        if (req.getContentLengthLong() > 0 || req.getHeader("Transfer-Encoding") != null) {
            resp.setHeader("Connection", "close");
        }
        try (OutputStream out = resp.getOutputStream()) {
            out.write(body);
        }
    }
}
