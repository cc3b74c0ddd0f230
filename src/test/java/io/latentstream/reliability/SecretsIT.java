package io.latentstream.reliability;

import io.latentstream.ops.EmbeddedKafka;
import io.latentstream.topology.TestModels;
import io.latentstream.topology.Topics;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * T8: the POST /retrain matrix against a real retrainer process, and a scan of everything the
 * processor and the retrainer print and serve (logs, /metrics, /health, /ready, `config show`) for
 * sentinel values put into the retrain token, kafka.sasl.jaas.config and kafka.ssl.keystore.password.
 */
@Tag("serial") // its retrainer child runs at SCHED_IDLE: no CPU while two test forks keep both cores busy
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class SecretsIT {
    static final String TOKEN = "SENTINEL-token-7f3a9c";
    static final String JAAS_SECRET = "SENTINEL-jaas-91bc44";
    static final String KEYSTORE_SECRET = "SENTINEL-keystore-5d2e08";
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @org.junit.jupiter.api.AfterEach
    void noChildLeftBehind() {
        ChildJvm.killAll();
    }

    @TempDir
    Path dir;

    @Test
    void controlEndpointMatrixAndNoSecretAnywhere() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.startTemporary()) {
            String bs = kafka.bootstrapServers();
            Topics t = RetrainerCrashIT.topicsWithGoldenAndSamples(bs, "t8");
            int processorPort = EmbeddedKafka.freePort();
            int retrainerPort = EmbeddedKafka.freePort();
            Path cfg = config(bs);
            List<String> seen = new ArrayList<>();
            try (ChildJvm processor = new ChildJvm(dir.resolve("processor.log"), Map.of(), "run", "--config", cfg.toString(),
                    "--set", "http.port=" + processorPort, "--set", "kafka.state.dir=" + dir.resolve("state")).start();
                 ChildJvm retrainer = new ChildJvm(dir.resolve("retrainer.log"), Map.of("OMP_NUM_THREADS", "1",
                         "LATENTSTREAM_RETRAIN_TOKEN", TOKEN), "retrain", "--config", cfg.toString(), "--set", "http.port=" + retrainerPort)
                         .start()) {
                processor.awaitLog(ExactlyOnceCrashIT.RUNNING, 1, 120);
                retrainer.awaitLog("this retrainer leads", 1, 120);
                String r = "http://127.0.0.1:" + retrainerPort;
                List<Integer> matrix = new ArrayList<>();
                matrix.add(post(r + "/retrain", null, "").statusCode());                    // no Authorization
                matrix.add(post(r + "/retrain", "Bearer not-the-token", "").statusCode());  // wrong token
                matrix.add(post(r + "/retrain", "Basic " + TOKEN, "").statusCode());        // wrong scheme
                matrix.add(post(r + "/retrain", "Bearer " + TOKEN, "").statusCode());       // accepted
                matrix.add(HTTP.send(HttpRequest.newBuilder(URI.create(r + "/retrain")).GET().build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode());                     // wrong method
                matrix.add(post(r + "/retrain", "Bearer " + TOKEN, "x".repeat(4096)).statusCode()); // body too large
                int busy = 0;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (busy != 409 && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                    busy = post(r + "/retrain", "Bearer " + TOKEN, "").statusCode();             // while the accepted run trains
                }
                matrix.add(busy);
                System.out.println("T8 POST /retrain matrix (none, wrong token, wrong scheme, valid, GET, 4 KiB body, while running): " + matrix);
                assertEquals(List.of(401, 401, 401, 202, 405, 413, 409), matrix);
                for (int port : new int[] {processorPort, retrainerPort}) {
                    for (String path : new String[] {"/metrics", "/health", "/ready"}) {
                        seen.add(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
                                HttpResponse.BodyHandlers.ofString()).body());
                    }
                }
                retrainer.awaitLog("retrain (control:retrain)", 1, 120);
                processor.stop();
                retrainer.stop();
            }
            ChildJvm show = new ChildJvm(dir.resolve("config-show.log"), Map.of("LATENTSTREAM_RETRAIN_TOKEN", TOKEN), "config", "show",
                    "--config", cfg.toString()).start();
            assertEquals(0, show.awaitExit(60), show.tail());
            for (String log : new String[] {"processor.log", "retrainer.log", "config-show.log"}) {
                seen.add(Files.readString(dir.resolve(log), StandardCharsets.UTF_8));
            }
            long bytes = seen.stream().mapToLong(String::length).sum();
            Map<String, Long> found = new LinkedHashMap<>();
            for (String secret : new String[] {TOKEN, JAAS_SECRET, KEYSTORE_SECRET}) {
                found.put(secret, seen.stream().mapToLong(s -> s.split(java.util.regex.Pattern.quote(secret), -1).length - 1).sum());
            }
            System.out.printf(Locale.ROOT, "T8 secrets scan: %,d characters of logs, /metrics, /health, /ready and config show; occurrences %s%n",
                    bytes, found);
            assertTrue(bytes > 10_000, "the scan read real output");
            assertTrue(seen.get(seen.size() - 1).contains("[hidden]"), "config show masks the secrets it lists");
            found.forEach((secret, n) -> assertEquals(0L, n, secret + " leaked"));
        }
    }

    private Path config(String bs) throws Exception {
        String jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"svc\" password=\"" + JAAS_SECRET + "\";";
        Map<String, String> p = new LinkedHashMap<>();
        p.put("bootstrap.servers", bs);
        p.put("topic.prefix", "t8");
        p.put("application.id", "t8-app");
        p.put("input.format", "json");
        p.put("model.name", TestModels.golden().manifest().name());
        p.put("http.bind.address", "127.0.0.1");
        p.put("retrain.interval.ms", "0");
        p.put("retrain.epochs", "300"); // long enough to answer 409 while it runs
        p.put("retrain.min.samples", "100");
        p.put("retrain.drift.anomaly.rate.factor", "0");
        p.put("retrain.drift.latent.bound", "0");
        p.put("kafka.session.timeout.ms", "6000");
        // Secrets a real deployment carries; the broker here is PLAINTEXT, so they are configured but unused.
        p.put("kafka.sasl.jaas.config", jaas);
        p.put("kafka.ssl.keystore.password", KEYSTORE_SECRET);
        StringBuilder sb = new StringBuilder();
        p.forEach((k, v) -> sb.append(k).append('=').append(v.replace("\\", "\\\\")).append('\n'));
        Path f = dir.resolve("secrets.properties");
        Files.writeString(f, sb.toString());
        return f;
    }

    private static HttpResponse<String> post(String url, String auth, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (auth != null) {
            b.header("Authorization", auth);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
