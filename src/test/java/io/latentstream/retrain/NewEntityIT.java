package io.latentstream.retrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.latentstream.config.AppConfig;
import io.latentstream.config.ConfigLoader;
import io.latentstream.demo.SensorSimulator;
import io.latentstream.lifecycle.ModelPublisher;
import io.latentstream.model.BundleCodec;
import io.latentstream.model.ModelBundle;
import io.latentstream.ops.EmbeddedKafka;
import io.latentstream.ops.Meters;
import io.latentstream.topology.ModelRef;
import io.latentstream.topology.ProcessorRuntime;
import io.latentstream.topology.TopicApplier;
import io.latentstream.topology.TopicPlan;
import io.latentstream.topology.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A fleet grows, end to end on a real broker: the processor scores a conditional model of pumps 1–6;
 * pump-7 joins the stream. Its readings are scored by the unknown-context slot and mostly flagged. A
 * routine retrain (control message) gives it its own slot, the processor swaps to the new version
 * without a restart, and pump-7's readings score normal; the decision on the models topic names it.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class NewEntityIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aRoutineRetrainLearnsAnEntityThatJoinedTheFleet() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.startTemporary()) {
            String bootstrap = kafka.bootstrapServers();
            Map<String, String> settings = new HashMap<>(Map.of("topic.prefix", "ne", "application.id", "ne-app",
                    "model.name", "fleet", "samples.fraction", "0.2", "retrain.interval.ms", "0", "retrain.min.samples", "300",
                    "retrain.epochs", "15", "retrain.window.ms", "60000"));
            // Only the control message triggers: the drift watch would also react to pump-7's flags.
            settings.putAll(Map.of("retrain.drift.anomaly.rate.factor", "0", "retrain.drift.latent.bound", "0"));
            AppConfig cfg = ConfigLoader.load(null, Map.of(), settings);
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                new TopicApplier(admin, 30_000).apply(TopicPlan.builtIn(), "ne", 1, false);
            }
            Topics topics = Topics.from(cfg);
            // The same seed draws the same pumps 1-6; the 7-pump simulator adds pump-7 with its own baseline.
            ModelBundle v1 = LevelShiftIT.firstModel(new SensorSimulator(6, 7, 0.0, -1), 6000, "fleet");
            ModelPublisher publisher = new ModelPublisher(bootstrap, Map.of(), topics.models());
            publisher.publish(v1, "publish");
            SensorSimulator seven = new SensorSimulator(7, 7, 0.0, -1);

            Meters meters = Meters.prometheus();
            ModelRef model = new ModelRef();
            AtomicBoolean producing = new AtomicBoolean(true);
            // The simulator's own episodes (stuck sensor, drift) are not false alarms: their readings are left out of the tallies.
            java.util.Set<String> injected = java.util.concurrent.ConcurrentHashMap.newKeySet();
            try (ProcessorRuntime processor = ProcessorRuntime.startWatching(cfg, bootstrap, model, meters, m -> { });
                 RetrainService retrain = new RetrainService(cfg, bootstrap, new Retrainer(cfg, bootstrap, meters)).start();
                 KafkaConsumer<byte[], byte[]> scores = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap, "group.id", "ne-audit",
                         "isolation.level", "read_committed", "auto.offset.reset", "earliest"), new ByteArrayDeserializer(),
                         new ByteArrayDeserializer());
                 KafkaProducer<String, String> control = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                         new StringSerializer(), new StringSerializer())) {
                Thread source = new Thread(() -> {
                    try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "linger.ms", 10),
                            new StringSerializer(), new StringSerializer())) {
                        long start = System.nanoTime();
                        long sent = 0;
                        while (producing.get()) {
                            long due = (long) ((System.nanoTime() - start) / 1e9 * 700);
                            for (; sent < due; sent++) {
                                SensorSimulator.Reading r = seven.next();
                                if (r.injected() != SensorSimulator.Injected.NONE) {
                                    injected.add(r.entity() + "@" + r.timestampMs());
                                }
                                p.send(new ProducerRecord<>(topics.input(), r.entity(), r.toJson()));
                            }
                            Thread.sleep(5);
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "fleet-source");
                source.start();
                scores.subscribe(List.of(topics.scores()));
                // {scored, flagged} normal readings of pump-7 and of pumps 1-6, per model version (1, 2).
                long[][] newPump = new long[3][2];
                long[][] others = new long[3][2];
                boolean retrainSent = false;
                long deadline = System.currentTimeMillis() + 200_000;
                while (System.currentTimeMillis() < deadline && newPump[2][0] < 600) {
                    for (ConsumerRecord<byte[], byte[]> r : scores.poll(Duration.ofMillis(200))) {
                        JsonNode s = JSON.readTree(r.value());
                        if (injected.contains(s.get("key").asText() + "@" + s.get("ts").asLong())) {
                            continue;
                        }
                        int v = (int) Math.min(2, s.get("model_version").asLong());
                        long[] tally = "pump-7".equals(s.get("key").asText()) ? newPump[v] : others[v];
                        tally[0]++;
                        tally[1] += s.get("anomaly").asBoolean() ? 1 : 0;
                    }
                    // 0.2 x 1/7 of ~700 records/s: after ~10 s pump-7 has ~200 samples (100 needed), the window ~1,400.
                    if (!retrainSent && newPump[1][0] >= 1000) {
                        control.send(new ProducerRecord<>(topics.control(), null, "{\"action\":\"retrain\"}")).get();
                        retrainSent = true;
                    }
                }
                producing.set(false);
                source.join(10_000);
                double before = newPump[1][1] / (double) Math.max(1, newPump[1][0]);
                double after = newPump[2][1] / (double) Math.max(1, newPump[2][0]);
                double othersAfter = others[2][1] / (double) Math.max(1, others[2][0]);
                System.out.printf(Locale.ROOT, "new entity: pump-7 flagged %.1f%% of %d readings by v1 (unknown slot), %.1f%% of %d by v%d; "
                        + "pumps 1-6 %.1f%% of %d by v1, %.1f%% of %d after%n", 100 * before, newPump[1][0], 100 * after, newPump[2][0],
                        model.current().version(), 100.0 * others[1][1] / Math.max(1, others[1][0]), others[1][0], 100 * othersAfter, others[2][0]);
                assertTrue(newPump[2][0] >= 600, "no swap to a retrained model; decisions: published " + meters.retrainDecisions("published")
                        + ", rejected " + meters.retrainDecisions("rejected") + ", skipped " + meters.retrainDecisions("skipped"));
                assertTrue(before > 0.5, "the scenario: v1 flags the new pump's normal readings, " + before);
                // Calibrated at 1%; a retrain on a window of ~1,400 samples lands at a few percent.
                assertTrue(after < 0.08, "the retrained model knows pump-7: flagged " + after);
                assertTrue(othersAfter < 0.06, "pumps 1-6 stay calibrated: flagged " + othersAfter);
                ModelBundle v2 = model.current().bundle();
                assertEquals(7, v2.manifest().context().vocabulary().size());
                assertEquals(v1.manifest().context().vocabulary(), v2.manifest().context().vocabulary().subList(0, 6), "known slots in order");
                assertEquals("pump-7", v2.manifest().context().vocabulary().get(6));
                assertEquals("pump-7", v2.manifest().training().window().get("new_contexts"));
            }
            RetrainIT.await(() -> publisher.snapshot("fleet", BundleCodec.DEFAULT_MAX_BYTES, Duration.ofSeconds(30)).decisions().stream()
                    .anyMatch(d -> d.path("outcome").asText().equals("published")
                            && d.path("reason").asText().endsWith("learned 1 new context(s): pump-7")), 30,
                    "the published decision naming pump-7 on the models topic");
        }
    }
}
