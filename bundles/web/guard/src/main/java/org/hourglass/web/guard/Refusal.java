package org.hourglass.web.guard;

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

    private Refusal() {
    }

    static void send(HttpServletRequest req, HttpServletResponse resp, int status, String message,
            Map<String, String> headers) throws IOException {
        String uri = req.getRequestURI();
        boolean json = uri != null && uri.startsWith("/hourglass/");
        String reason = REASONS.getOrDefault(status, "Error");
        byte[] body = (json ? "{\"status\":" + status + ",\"error\":\"" + reason + "\",\"message\":\""
                + jsonEscape(message) + "\"}" : status + " " + reason + ": " + message + "\n")
                .getBytes(StandardCharsets.UTF_8);
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

    static String jsonEscape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
