package io.latentstream.topology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.latentstream.cli.CliTest;
import io.latentstream.cli.ExitCodes;
import io.latentstream.config.AppConfig;
import io.latentstream.config.ConfigLoader;
import io.latentstream.config.Settings;
import io.latentstream.lifecycle.ModelPublisher;
import io.latentstream.model.BundleCodec;
import io.latentstream.model.ModelBundle;
import io.latentstream.model.ThresholdCalibration;
import io.latentstream.ops.EmbeddedKafka;
import io.latentstream.ops.Meters;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * `models threshold` on a running processor: the rate is calibrated on the scores the active version
 * gives the input topic's records (exactly what the processor flagged of them is reported), the new
 * version is hot-swapped in, and the processor then flags the asked-for share of the same stream.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ModelThresholdIT {
    private static final int N = 4000;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void aRateSetOnTheLastRecordsIsWhatTheProcessorFlagsNext() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.startTemporary()) {
            String b = kafka.bootstrapServers();
            String prefix = "th";
            AppConfig cfg = ConfigLoader.load(null, Map.of(), Map.of("topic.prefix", prefix, "application.id", "th-app",
                    "kafka.commit.interval.ms", "100"));
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", b))) {
                new TopicApplier(admin, 30_000).apply(TopicPlan.builtIn(), prefix, 1, false);
            }
            Topics t = Topics.from(cfg);
            ModelBundle golden = TestModels.golden();
            String name = golden.manifest().name();
            new ModelPublisher(b, cfg.kafkaClientOverrides(), t.models()).publish(golden, "publish");
            AppConfig named = cfg.with(Map.of(Settings.MODEL_NAME, name));
            ModelRef model = new ModelRef();
            Random rnd = new Random(9);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            try (ProcessorRuntime rt = ProcessorRuntime.startWatching(named, b, model, new Meters(registry), msg -> { });
                 KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", b, "linger.ms", 20,
                         "max.in.flight.requests.per.connection", 1), new ByteArraySerializer(), new ByteArraySerializer());
                 KafkaConsumer<byte[], byte[]> scores = new KafkaConsumer<>(Map.of("bootstrap.servers", b,
                         "isolation.level", "read_committed", "group.id", "th-audit", "auto.offset.reset", "earliest"),
                         new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                scores.subscribe(List.of(t.scores()));
                send(p, t.input(), rnd, true);
                List<JsonNode> first = read(scores, N);
                long flaggedByV1 = first.stream().filter(s -> s.get("anomaly").asBoolean()).count();

                String[] common = {"-b", b, "--set", "topic.prefix=" + prefix, "--name", name};
                CliTest.Result dry = CliTest.run(CliTest.with(common, "models", "threshold", "--rate", "2%", "--dry-run"));
                assertEquals(0, dry.code(), dry.err());
                // The same records, parsed and scored as the processor did: it reports exactly what v1 flagged of them.
                assertTrue(dry.out().contains(String.format("of %,d record(s) of %s from", N, t.input())), dry.out());
                assertTrue(dry.out().contains(String.format("  v1 flagged %,d (", flaggedByV1)), dry.out() + " vs " + flaggedByV1);
                assertTrue(dry.out().contains("  v2 would flag 80 (2.00%): threshold "), dry.out());
                assertTrue(dry.out().contains("thresholds for other rates on these records: 5% above "), dry.out());
                assertTrue(dry.out().contains("dry run: nothing published"), dry.out());
                assertTrue(dry.err().contains("40 left out as the processor would dead-letter them: BAD_JSON 40"), dry.err());
                assertEquals(1, model.current().version(), "a dry run publishes nothing");

                CliTest.Result few = CliTest.run(CliTest.with(common, "models", "threshold", "--rate", "0.1%"));
                assertEquals(ExitCodes.USAGE, few.code(), few.err());
                assertTrue(few.err().contains("too few to calibrate a rate of 0.100% on (at least 10,000"), few.err());

                CliTest.Result set = CliTest.run(CliTest.with(common, "models", "threshold", "--rate", "2%"));
                assertEquals(0, set.code(), set.err());
                assertTrue(set.out().contains("published " + name + " v2 (v1's weights, threshold "), set.out());
                assertTrue(set.out().contains("undo: latentstream models rollback --to 1"), set.out());
                long deadline = System.currentTimeMillis() + 30_000;
                while (model.current().version() != 2) { // the running processor swaps to it, no restart
                    assertTrue(System.currentTimeMillis() < deadline, "processor still on v" + model.current().version());
                    Thread.sleep(100);
                }
                ModelBundle v2 = model.current().bundle();
                assertEquals(0.98, v2.manifest().scoring().quantile(), 1e-12, "retrains keep calibrating to 2%");
                assertEquals(1L, v2.manifest().parent());

                // The next records of the same stream: the processor flags about 2% of them (binomial spread at 4,000).
                send(p, t.input(), rnd, false);
                List<JsonNode> next = read(scores, N);
                long flaggedByV2 = next.stream().filter(s -> s.get("anomaly").asBoolean()).count();
                assertTrue(next.stream().allMatch(s -> s.get("model_version").asLong() == 2), "all scored by v2");
                assertTrue(flaggedByV2 >= 45 && flaggedByV2 <= 120, "v2 flagged " + flaggedByV2 + " of " + N + " (2% is 80)");

                CliTest.Result list = CliTest.run(CliTest.with(common, "models", "list"));
                assertTrue(list.out().lines().anyMatch(l -> l.startsWith("v2 ") && l.contains("v1's weights; threshold for 2.00%")
                        && l.contains("ACTIVE (threshold)")), list.out());

                // Sensitivity: no calibration, the line moves; shown on the range's records (now 8,000) first.
                CliTest.Result sens = CliTest.run(CliTest.with(common, "models", "threshold", "--sensitivity", "0.5"));
                assertEquals(0, sens.code(), sens.err());
                assertTrue(sens.out().contains(String.format("of %,d record(s)", 2 * N)), sens.out());
                deadline = System.currentTimeMillis() + 30_000;
                while (model.current().version() != 3) {
                    assertTrue(System.currentTimeMillis() < deadline, "processor still on v" + model.current().version());
                    Thread.sleep(100);
                }
                assertEquals(2 * v2.manifest().scoring().threshold(), model.current().threshold(), 1e-9);
                // The dashboard's threshold line follows the swap.
                assertEquals(model.current().threshold(), registry.get("latentstream.model.threshold").gauge().value(), 1e-9);
                assertEquals(0.02, registry.get("latentstream.model.expected.anomaly.rate").gauge().value(), 1e-9);
                assertEquals(0.98, model.current().bundle().manifest().scoring().quantile(), 1e-12);

                // Two publishers that both chose "newest + 1" (a retrainer and an operator): the second is refused, not
                // written over the first under the same version (a processor that read the first would keep it).
                ModelPublisher publisher = new ModelPublisher(b, cfg.kafkaClientOverrides(), t.models());
                ModelBundle v3 = model.current().bundle();
                publisher.publish(ThresholdCalibration.withSensitivity(v3, 1.0, 4, java.time.Instant.now(), "first"), "retrain");
                ModelPublisher.VersionTakenException taken = org.junit.jupiter.api.Assertions.assertThrows(
                        ModelPublisher.VersionTakenException.class, () -> publisher.publish(
                                ThresholdCalibration.withSensitivity(v3, 2.0, 4, java.time.Instant.now(), "second"), "threshold"));
                assertEquals(4, taken.latest());
                deadline = System.currentTimeMillis() + 30_000;
                while (model.current().version() != 4) {
                    assertTrue(System.currentTimeMillis() < deadline, "processor still on v" + model.current().version());
                    Thread.sleep(100);
                }
                assertEquals(1.0, model.current().bundle().manifest().scoring().sensitivity(), "the first v4 stands");
                CliTest.Result list4 = CliTest.run(CliTest.with(common, "models", "list"));
                assertTrue(list4.out().lines().anyMatch(l -> l.startsWith("v4 ") && l.contains("first")), list4.out());

                // `score` on a file takes the active version when no --model is given: v4, with its threshold.
                Path csv = java.nio.file.Files.writeString(dir.resolve("rows.csv"), "f0,f1,f2,f3,f4,entity\n10,10,10,10,10,a\n");
                CliTest.Result scored = CliTest.run(CliTest.with(common, "score", "--input", csv.toString()));
                assertEquals(0, scored.code(), scored.err());
                assertTrue(scored.err().contains("model " + name + " v4 (active on th.models)"), scored.err());
                assertEquals(4, JSON.readTree(scored.out()).get("model_version").asLong(), scored.out());
                assertEquals((float) model.current().threshold(), JSON.readTree(scored.out()).get("threshold").floatValue());

                Path exported = dir.resolve("v3.lsb");
                assertEquals(0, CliTest.run(CliTest.with(common, "models", "export", "3", "--out", exported.toString())).code());
                assertEquals("v2's weights; sensitivity 0.5", BundleCodec.read(exported).manifest().training().window()
                        .get(ThresholdCalibration.WINDOW_NOTE));
            }
        }
    }

    /** N good readings on keys a/b/c and, the first time, 40 broken ones the processor dead-letters. */
    private static void send(KafkaProducer<byte[], byte[]> p, String topic, Random rnd, boolean withBad) {
        for (int i = 0; i < N; i++) {
            byte[] key = ("abc".charAt(i % 3) + "").getBytes(StandardCharsets.UTF_8);
            p.send(new ProducerRecord<>(topic, key, ProcessorIT.good("json", rnd)));
            if (withBad && i % 100 == 7) {
                p.send(new ProducerRecord<>(topic, key, "{\"features\":[1,2".getBytes(StandardCharsets.UTF_8)));
            }
        }
        p.flush();
    }

    private static List<JsonNode> read(KafkaConsumer<byte[], byte[]> c, int n) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 60_000;
        while (out.size() < n) {
            assertTrue(System.currentTimeMillis() < deadline, "score records so far: " + out.size());
            for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(250))) {
                out.add(JSON.readTree(r.value()));
            }
        }
        assertEquals(n, out.size());
        return out;
    }
}
