package org.hourglass.web.guard;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** Requests and responses made of dynamic proxies: only what the guard reads and writes. */
final class Fakes {

    private Fakes() {
    }

    /** What a response was given. */
    static final class Answer {
        int status = 200;
        String contentType;
        final Map<String, String> headers = new HashMap<>();
        final ByteArrayOutputStream body = new ByteArrayOutputStream();

        String text() {
            return body.toString(StandardCharsets.UTF_8);
        }
    }

    static HttpServletRequest request(String method, String uri, String remote, Map<String, String> headers) {
        return (HttpServletRequest) Proxy.newProxyInstance(Fakes.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, m, args) -> switch (m.getName()) {
                    case "getMethod" -> method;
                    case "getRequestURI" -> uri;
                    case "getRemoteAddr" -> remote;
                    case "getHeader" -> headers.get((String) args[0]);
                    case "getContentLengthLong" -> (long) Integer.parseInt(headers.getOrDefault("Content-Length", "-1"));
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    static HttpServletResponse response(Answer a) {
        ServletOutputStream out = new ServletOutputStream() {
            @Override
            public void write(int b) {
                a.body.write(b);
            }

            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void setWriteListener(WriteListener listener) {
            }
        };
        return (HttpServletResponse) Proxy.newProxyInstance(Fakes.class.getClassLoader(),
                new Class<?>[] {HttpServletResponse.class}, (proxy, m, args) -> {
                    switch (m.getName()) {
                        case "getOutputStream" -> {
                            return out;
                        }
                        case "getStatus" -> {
                            return a.status;
                        }
                        case "setStatus", "sendError" -> a.status = (Integer) args[0];
                        case "setHeader" -> a.headers.put((String) args[0], (String) args[1]);
                        case "setContentType" -> a.contentType = (String) args[0];
                        case "setContentLength", "reset" -> {
                        }
                        default -> throw new UnsupportedOperationException(m.getName());
                    }
                    return null;
                });
    }
}
