package io.latentstream.topology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.latentstream.cli.CliTest;
import io.latentstream.config.AppConfig;
import io.latentstream.config.ConfigLoader;
import io.latentstream.config.Settings;
import io.latentstream.lifecycle.ModelPublisher;
import io.latentstream.model.ModelBundle;
import io.latentstream.ops.EmbeddedKafka;
import io.latentstream.ops.Meters;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The processor with Kafka Streams' own rebalance protocol (kafka.group.protocol=streams, KIP-1071, GA
 * since Kafka 4.2): the stream threads join a streams group while the processor's other clients (the
 * model watcher) keep plain consumers, every input ends up exactly once in its output under
 * exactly_once_v2, and `status` reads the streams group (members, lag).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class StreamsProtocolIT {
    private static final int N = 600;

    @Test
    void theProcessorRunsInAStreamsGroupAndStatusReadsIt() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.startTemporary()) {
            String b = kafka.bootstrapServers();
            String prefix = "sp";
            AppConfig cfg = ConfigLoader.load(null, Map.of(), Map.of("topic.prefix", prefix, "application.id", "sp-app",
                    "kafka.group.protocol", "streams", "kafka.commit.interval.ms", "100"));
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", b))) {
                new TopicApplier(admin, 30_000).apply(TopicPlan.builtIn(), prefix, 1, false);
            }
            Topics t = Topics.from(cfg);
            int bad = ProcessorIT.produceJsonWithBadOnes(b, t.input(), N, 5);
            Map<String, Integer> outputs = new HashMap<>(); // topic + source position -> count
            // As `run` starts it: the model comes from the models topic, through the processor's model watcher (a plain consumer).
            ModelBundle golden = TestModels.golden();
            new ModelPublisher(b, cfg.kafkaClientOverrides(), t.models()).publish(golden, "publish");
            AppConfig named = cfg.with(Map.of(Settings.MODEL_NAME, golden.manifest().name()));
            try (ProcessorRuntime rt = ProcessorRuntime.startWatching(named, b, new ModelRef(), new Meters(new SimpleMeterRegistry()), msg -> { });
                 KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", b, "isolation.level", "read_committed",
                         "group.id", "sp-audit", "auto.offset.reset", "earliest"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                c.subscribe(List.of(t.scores(), t.latents(), t.dlq()));
                long deadline = System.currentTimeMillis() + 90_000;
                while (count(outputs, t.dlq()) + count(outputs, t.scores()) < N || count(outputs, t.latents()) < N - bad) {
                    assertTrue(System.currentTimeMillis() < deadline, "outputs so far: " + outputs.size());
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(250))) {
                        outputs.merge(r.topic() + " " + header(r, "ls.source.partition") + "@" + header(r, "ls.source.offset"), 1, Integer::sum);
                    }
                }
                assertEquals(bad, count(outputs, t.dlq()));
                assertEquals(N - bad, count(outputs, t.scores()));
                assertTrue(outputs.values().stream().allMatch(n -> n == 1), "an output twice: " + outputs);

                JsonNode running = statusUntilCaughtUp(b, prefix);
                JsonNode processor = running.get("processor");
                assertEquals("streams", processor.get("type").asText(), running.toString());
                assertEquals(1, processor.get("members").asInt(), running.toString());
                assertEquals(N, running.get("window").get("inputs").asLong());
                assertEquals(bad, running.get("window").get("dead_letters").get("by_reason").get("BAD_JSON").asLong());
            }
            JsonNode stopped = status(b, prefix);
            assertEquals(0, stopped.get("processor").get("members").asInt(), stopped.toString());
            assertTrue(stopped.get("problems").toString().contains("no processor is running: group sp-app has no members"), stopped.toString());
        }
    }

    /** Status once the last commit is in (commits come every 100 ms, a status call takes a second or two). */
    private static JsonNode statusUntilCaughtUp(String bootstrap, String prefix) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        JsonNode s = status(bootstrap, prefix);
        while (s.get("processor").get("lag").asLong() > 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(500);
            s = status(bootstrap, prefix);
        }
        assertEquals(0, s.get("processor").get("lag").asLong(), s.toString());
        return s;
    }

    private static JsonNode status(String bootstrap, String prefix) throws Exception {
        CliTest.Result r = CliTest.run("status", "-b", bootstrap, "--set", "topic.prefix=" + prefix, "--set", "application.id=sp-app",
                "--set", "kafka.group.protocol=streams", "--name", TestModels.golden().manifest().name(), "--json");
        assertTrue(r.code() == 0 || r.code() == 1, r.err());
        return new ObjectMapper().readTree(r.out());
    }

    private static int count(Map<String, Integer> outputs, String topic) {
        return (int) outputs.keySet().stream().filter(k -> k.startsWith(topic + " ")).count();
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? "?" : new String(h.value(), StandardCharsets.UTF_8);
    }
}
