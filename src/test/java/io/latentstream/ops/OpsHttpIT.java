package io.latentstream.ops;

import io.latentstream.config.AppConfig;
import io.latentstream.config.ConfigLoader;
import io.latentstream.topology.ModelRef;
import io.latentstream.topology.ProcessorRuntime;
import io.latentstream.topology.TestModels;
import io.latentstream.topology.TopicApplier;
import io.latentstream.topology.TopicPlan;
import io.latentstream.topology.Topics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * /metrics, /health, /ready of a running processor; the scrape of our own meters passes
 * {@code promtool check metrics}; every metric the alert rules query exists in the scrape.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class OpsHttpIT {
    @TempDir
    Path dir;

    @Test
    void endpointsAndPromtool() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.startTemporary()) {
            String bootstrap = kafka.bootstrapServers();
            AppConfig cfg = ConfigLoader.load(null, Map.of(), Map.of("topic.prefix", "ops", "application.id", "ops-app", "model.name", "t"));
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                new TopicApplier(admin, 30_000).apply(TopicPlan.builtIn(), "ops", 1, false);
            }
            Meters meters = Meters.prometheus();
            ModelRef model = new ModelRef(TestModels.goldenScorer());
            AtomicReference<ProcessorRuntime> rt = new AtomicReference<>();
            try (OpsHttpServer http = new OpsHttpServer("127.0.0.1", 0, (PrometheusMeterRegistry) meters.registry(), () -> status(rt, model))) {
                HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                String base = "http://127.0.0.1:" + http.port();
                assertEquals(503, get(client, base + "/ready").statusCode(), "not ready before the processor runs");
                assertEquals(200, get(client, base + "/health").statusCode());
                rt.set(ProcessorRuntime.startWatching(cfg, bootstrap, model, meters, m -> { }));
                try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap), new StringSerializer(), new StringSerializer())) {
                    for (int i = 0; i < 200; i++) {
                        p.send(new ProducerRecord<>(Topics.from(cfg).input(), "a", i % 50 == 0 ? "oops" : "[10,10,10,10,10]"));
                    }
                }
                long deadline = System.currentTimeMillis() + 60_000;
                while (meters.scoredCount() + meters.deadLetteredCount() < 200 && System.currentTimeMillis() < deadline) {
                    Thread.sleep(100);
                }
                HttpResponse<String> ready = get(client, base + "/ready");
                assertEquals(200, ready.statusCode(), ready.body());
                assertTrue(ready.body().contains("\"model_version\":1") && ready.body().contains("RUNNING"), ready.body());
                assertEquals(405, client.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode());
                String scrape = get(client, base + "/metrics").body();
                assertTrue(scrape.contains("latentstream_records_scored_total"), "our meters");
                assertTrue(scrape.contains("jvm_memory_used_bytes"), "JVM meters");
                assertTrue(scrape.contains("kafka_stream"), "Kafka Streams client meters");
                Files.writeString(Path.of("target/ops-scrape.txt"), scrape); // kept for inspection

                // promtool lints our own meters (Kafka's client metric names are not ours to rename).
                String ours = ownMeters(scrape);
                Path oursFile = dir.resolve("ours.txt");
                Files.writeString(oursFile, ours);
                Process promtool = new ProcessBuilder("promtool", "check", "metrics").redirectInput(oursFile.toFile())
                        .redirectErrorStream(true).start();
                String lint = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(promtool.waitFor(60, TimeUnit.SECONDS));
                assertEquals(0, promtool.exitValue(), "promtool check metrics:\n" + lint);

                // Every metric the alert rules and the dashboard query exists in this real scrape.
                Set<String> queried = new TreeSet<>();
                queried.addAll(metricNames(Files.readString(Path.of("monitoring/prometheus/rules.yml"))));
                queried.addAll(metricNames(Files.readString(Path.of("monitoring/grafana/latentstream-dashboard.json"))));
                Set<String> missing = new TreeSet<>();
                for (String m : queried) {
                    if (!Pattern.compile("(?m)^" + Pattern.quote(m) + "[{ ]").matcher(scrape).find()) {
                        missing.add(m);
                    }
                }
                assertEquals(Set.of(), missing, "queried by monitoring/ but absent from a real scrape");
            } finally {
                if (rt.get() != null) {
                    rt.get().close();
                }
            }
        }
    }

    static OpsHttpServer.Status status(AtomicReference<ProcessorRuntime> rt, ModelRef model) {
        return new OpsHttpServer.Status() {
            @Override
            public boolean healthy() {
                return rt.get() == null || rt.get().healthy();
            }

            @Override
            public boolean ready() {
                return rt.get() != null && rt.get().ready();
            }

            @Override
            public Map<String, Object> details() {
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("state", rt.get() == null ? "WAITING_FOR_MODEL" : rt.get().state().name());
                d.put("model_version", model.current() == null ? null : model.current().version());
                return d;
            }
        };
    }

    static HttpResponse<String> get(HttpClient c, String url) throws Exception {
        return c.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The latentstream_* families of a scrape (HELP, TYPE and samples). */
    static String ownMeters(String scrape) {
        StringBuilder sb = new StringBuilder();
        for (String line : scrape.split("\n")) {
            String name = line.startsWith("# HELP ") || line.startsWith("# TYPE ") ? line.substring(7) : line;
            if (name.startsWith("latentstream_")) {
                sb.append(line).append('\n');
            }
        }
        return sb.toString();
    }

    /** Metric names in PromQL expressions of a rules file (latentstream_*, kafka_*, jvm_*, up). */
    static Set<String> metricNames(String yaml) {
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("\\b((?:latentstream|kafka|jvm|process)_[a-z0-9_]+)").matcher(yaml);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }
}
