package io.latentstream.ops;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The rollback endpoint and the read-only resource helper, on loopback. */
class OpsHttpServerTest {
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static OpsHttpServer server() {
        return new OpsHttpServer("127.0.0.1", 0, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), () -> new OpsHttpServer.Status() {
            @Override
            public boolean healthy() {
                return true;
            }

            @Override
            public boolean ready() {
                return true;
            }

            @Override
            public Map<String, Object> details() {
                return Map.of();
            }
        });
    }

    private static HttpResponse<String> post(int port, String path, String token, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void rollbackNeedsTheTokenAndAVersion() throws Exception {
        AtomicLong requested = new AtomicLong();
        try (OpsHttpServer http = server()) {
            http.addRollbackEndpoint("s3cret".getBytes(StandardCharsets.UTF_8), to -> {
                if (to == 9) {
                    return "there is no v9 of model m on the topic (versions [1, 2, 3])";
                }
                requested.set(to);
                return null;
            });
            int port = http.port();
            assertEquals(401, post(port, "/rollback", null, "{\"to\":1}").statusCode());
            assertEquals(401, post(port, "/rollback", "wrong", "{\"to\":1}").statusCode());
            assertEquals(400, post(port, "/rollback", "s3cret", "{}").statusCode());
            assertEquals(400, post(port, "/rollback", "s3cret", "{\"to\":\"x\"}").statusCode());
            assertEquals(400, post(port, "/rollback", "s3cret", "not json").statusCode());
            assertEquals(413, post(port, "/rollback", "s3cret", "{\"to\":1,\"pad\":\"" + "x".repeat(2000) + "\"}").statusCode());
            assertEquals(0, requested.get(), "nothing refused reached the control topic");
            HttpResponse<String> ok = post(port, "/rollback", "s3cret", "{\"to\":3}");
            assertEquals(202, ok.statusCode(), ok.body());
            assertEquals(3, requested.get());
            HttpResponse<String> refused = post(port, "/rollback", "s3cret", "{\"to\":9}");
            assertEquals(409, refused.statusCode(), refused.body());
            assertEquals("{\"error\":\"there is no v9 of model m on the topic (versions [1, 2, 3])\"}", refused.body());
            assertEquals(3, requested.get());
            HttpResponse<String> get = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/rollback")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(405, get.statusCode());
        }
    }

    @Test
    void readOnlyResourcesAnswerOnlyTheirExactPath() throws Exception {
        try (OpsHttpServer http = server()) {
            http.addGet("/", "text/plain", () -> "home".getBytes(StandardCharsets.UTF_8));
            int port = http.port();
            HttpResponse<String> home = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, home.statusCode());
            assertEquals("home", home.body());
            HttpResponse<String> other = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/nope")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(404, other.statusCode());
            assertEquals(405, post(port, "/", null, "").statusCode());
        }
    }
}
