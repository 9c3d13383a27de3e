package org.hourglass.web.rest;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Matches a method and a path to a handler. Templates are paths whose segments are literals or {@code {param}}
 * (one non-empty segment). A path that some template matches but not for this method is a 405 with the methods
 * that would work; a path no template matches is a 404. {@code HEAD} matches the {@code GET} route of a path (the
 * servlet leaves the body out), so every {@code GET} resource answers it too.
 */
final class Router {

    /** Handles one matched request. */
    @FunctionalInterface
    interface Handler {
        Response handle(Request request, Map<String, String> params) throws IOException;
    }

    /** One route: method, template and handler. */
    record Route(String method, String template, Handler handler) {
        Route {
            if (!template.startsWith("/")) {
                throw new IllegalArgumentException("a template starts with '/': " + template);
            }
        }
    }

    /** A route found for a request, with the values of its parameters. */
    record Match(Route route, Map<String, String> params) {
    }

    private final List<Route> routes = new ArrayList<>();

    Router add(String method, String template, Handler handler) {
        for (Route r : routes) {
            if (r.method().equals(method) && r.template().equals(template)) {
                throw new IllegalArgumentException("duplicate route " + method + " " + template);
            }
        }
        routes.add(new Route(method, template, handler));
        return this;
    }

    List<Route> routes() {
        return Collections.unmodifiableList(routes);
    }

    /**
     * The route for this request.
     *
     * @throws ApiException 404 when no template matches the path, 405 (with {@code Allow}) when none matches the
     *                      method
     */
    Match match(String method, String path) {
        List<String> segments = segments(path);
        TreeSet<String> allowed = new TreeSet<>();
        for (Route r : routes) {
            Map<String, String> params = bind(segments(r.template()), segments);
            if (params == null) {
                continue;
            }
            if (r.method().equals(method) || method.equals("HEAD") && r.method().equals("GET")) {
                return new Match(r, params);
            }
            allowed.add(r.method());
            if (r.method().equals("GET")) {
                allowed.add("HEAD");
            }
        }
        if (allowed.isEmpty()) {
            throw ApiException.notFound("no resource at " + (path == null || path.isEmpty() ? "/" : path));
        }
        String allow = String.join(", ", allowed);
        throw new ApiException(405, method + " is not allowed on " + path + "; use " + allow, Map.of("Allow", allow));
    }

    /** Template parameters bound to the path's segments, or null when the path does not fit. */
    private static Map<String, String> bind(List<String> template, List<String> path) {
        if (template.size() != path.size()) {
            return null;
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < template.size(); i++) {
            String t = template.get(i);
            String p = path.get(i);
            if (p.isEmpty()) {
                return null;
            }
            if (t.startsWith("{") && t.endsWith("}")) {
                params.put(t.substring(1, t.length() - 1), p);
            } else if (!t.equals(p)) {
                return null;
            }
        }
        return params;
    }

    /** Non-empty segments: "/a/b/" and "/a/b" are the same path; an empty segment ("a//b") never matches. */
    static List<String> segments(String path) {
        List<String> out = new ArrayList<>();
        if (path == null) {
            return out;
        }
        String p = path.startsWith("/") ? path.substring(1) : path;
        if (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        if (p.isEmpty()) {
            return out;
        }
        out.addAll(List.of(p.split("/", -1))); // an empty segment ("a//b") matches nothing
        return out;
    }
}
