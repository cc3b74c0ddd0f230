package io.latentstream.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The small HTTP server of each process: {@code GET /metrics} (Prometheus text format),
 * {@code GET /health} (alive) and {@code GET /ready} (JSON: state, active model version); the
 * retrainer adds the authenticated control endpoints, the demo its page.
 *
 * <p>The JDK's own server (jdk.httpserver): four read-only endpoints do not justify another
 * dependency, it is maintained with the JDK, and it binds where we say.
 */
public final class OpsHttpServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What /health and /ready report. */
    public interface Status {
        boolean healthy();

        boolean ready();

        /** Extra fields of the /ready body (state, model version, ...). */
        Map<String, Object> details();
    }

    private final HttpServer server;

    public OpsHttpServer(String bindAddress, int port, PrometheusMeterRegistry registry, Supplier<Status> status) {
        try {
            server = HttpServer.create(new InetSocketAddress(bindAddress, port), 16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + bindAddress + ":" + port + ": " + e.getMessage(), e);
        }
        server.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "ops-http");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/metrics", ex -> {
            if (!get(ex)) {
                return;
            }
            send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
        });
        server.createContext("/health", ex -> {
            if (!get(ex)) {
                return;
            }
            boolean ok = status.get().healthy();
            send(ex, ok ? 200 : 503, "application/json", "{\"status\":\"" + (ok ? "UP" : "DOWN") + "\"}");
        });
        server.createContext("/ready", ex -> {
            if (!get(ex)) {
                return;
            }
            Status s = status.get();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("ready", s.ready());
            body.putAll(s.details());
            send(ex, s.ready() ? 200 : 503, "application/json", JSON.writeValueAsString(body));
        });
        server.start();
    }

    /** Outcome of a POST /retrain or /rollback request that passed authentication. */
    public enum RetrainAnswer { ACCEPTED, BUSY }

    /**
     * Adds {@code POST /retrain} with {@code Authorization: Bearer <token>}: 401 with WWW-Authenticate
     * without a valid token (compared in constant time, never logged), 405 for other methods, 413 for
     * a body over 1 KiB, 409 while a retrain runs, 202 when accepted.
     *
     * @param token    the expected token, or null to refuse every request
     * @param onAccept starts the retrain (asynchronously) or reports it busy
     */
    public void addRetrainEndpoint(byte[] token, Supplier<RetrainAnswer> onAccept) {
        server.createContext("/retrain", ex -> {
            if (authorizedPost(ex, token) == null) {
                return;
            }
            if (onAccept.get() == RetrainAnswer.BUSY) {
                send(ex, 409, "application/json", "{\"error\":\"a retrain is running\"}");
                return;
            }
            send(ex, 202, "application/json", "{\"status\":\"accepted\"}");
        });
    }

    /**
     * Adds {@code POST /rollback} with body {@code {"to": VERSION}}, same authentication and limits as
     * /retrain; 400 when the body names no version, 409 with the reason when that version cannot be
     * activated (not on the topic, not valid, not fitting the running stream), 202 when the rollback
     * was handed to the control topic. The retrainer that leads performs it (and the processors
     * verify the target as usual).
     *
     * @param onAccept hands the rollback on; returns null, or why the version cannot be activated
     */
    public void addRollbackEndpoint(byte[] token, java.util.function.LongFunction<String> onAccept) {
        server.createContext("/rollback", ex -> {
            byte[] body = authorizedPost(ex, token);
            if (body == null) {
                return;
            }
            long to;
            try {
                com.fasterxml.jackson.databind.JsonNode n = JSON.readTree(body);
                if (n == null || !n.path("to").canConvertToLong() || n.path("to").asLong() < 1) {
                    throw new IllegalArgumentException();
                }
                to = n.path("to").asLong();
            } catch (Exception e) {
                send(ex, 400, "application/json", "{\"error\":\"body must be {\\\"to\\\": VERSION}\"}");
                return;
            }
            String refused = onAccept.apply(to);
            if (refused != null) {
                send(ex, 409, "application/json", JSON.writeValueAsString(java.util.Map.of("error", refused)));
                return;
            }
            send(ex, 202, "application/json", "{\"status\":\"accepted\",\"to\":" + to + "}");
        });
    }

    /** A read-only resource (GET/HEAD) computed per request, e.g. the demo page and its state. */
    public void addGet(String path, String contentType, Supplier<byte[]> body) {
        server.createContext(path, ex -> {
            if (!get(ex)) {
                return;
            }
            if (!ex.getRequestURI().getPath().equals(path)) {
                send(ex, 404, "text/plain", "not found\n");
                return;
            }
            byte[] bytes = body.get();
            ex.getResponseHeaders().set("Content-Type", contentType);
            ex.getResponseHeaders().set("Cache-Control", "no-store");
            boolean head = "HEAD".equals(ex.getRequestMethod());
            ex.sendResponseHeaders(200, head ? -1 : bytes.length);
            if (!head) {
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(bytes);
                }
            }
            ex.close();
        });
    }

    /**
     * Checks method, bearer token and body size of a control request; answers 405/401/413 itself and
     * returns null then, else the body.
     */
    private static byte[] authorizedPost(HttpExchange ex, byte[] token) throws IOException {
        if (!"POST".equals(ex.getRequestMethod())) {
            ex.getResponseHeaders().add("Allow", "POST");
            send(ex, 405, "text/plain", "use POST\n");
            return null;
        }
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        byte[] given = auth != null && auth.startsWith("Bearer ") ? auth.substring(7).trim().getBytes(StandardCharsets.UTF_8) : null;
        if (token == null || given == null || !java.security.MessageDigest.isEqual(token, given)) {
            ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"latentstream\"");
            send(ex, 401, "application/json", "{\"error\":\"a valid bearer token is required\"}");
            return null;
        }
        byte[] body = ex.getRequestBody().readNBytes(1025);
        if (body.length > 1024) {
            send(ex, 413, "application/json", "{\"error\":\"request body too large\"}");
            return null;
        }
        return body;
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    private static boolean get(HttpExchange ex) throws IOException {
        if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
            ex.getResponseHeaders().add("Allow", "GET, HEAD");
            send(ex, 405, "text/plain", "method not allowed\n");
            return false;
        }
        return true;
    }

    static void send(HttpExchange ex, int code, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", contentType);
        boolean head = "HEAD".equals(ex.getRequestMethod());
        ex.sendResponseHeaders(code, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
        ex.close();
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
