package io.latentstream.lifecycle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.latentstream.config.AppConfig;
import io.latentstream.config.ConfigLoader;
import io.latentstream.model.BadBundles;
import io.latentstream.model.BundleCodec;
import io.latentstream.model.ModelBundle;
import io.latentstream.ops.EmbeddedKafka;
import io.latentstream.ops.Meters;
import io.latentstream.topology.ModelRef;
import io.latentstream.topology.ProcessorRuntime;
import io.latentstream.topology.TestModels;
import io.latentstream.topology.TopicApplier;
import io.latentstream.topology.TopicPlan;
import io.latentstream.topology.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hot swap, refusal of every bad-bundle class and rollback on a real broker, with traffic flowing
 * throughout. Prints the table (class -> refused? -> active version after, time to refusal).
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class ModelLifecycleIT {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void badBundlesAreRefusedValidOnesSwapAndRollbackRestores() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.startTemporary()) {
            String bootstrap = kafka.bootstrapServers();
            AppConfig cfg = ConfigLoader.load(null, Map.of(), Map.of("topic.prefix", "lc", "application.id", "lc-app",
                    "model.name", "t", "model.max.bytes", "65536", "kafka.commit.interval.ms", "100"));
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                new TopicApplier(admin, 30_000).apply(TopicPlan.builtIn(), "lc", 1, false);
            }
            Topics topics = Topics.from(cfg);
            ModelPublisher publisher = new ModelPublisher(bootstrap, Map.of(), topics.models());
            ModelBundle v1 = TestModels.golden(); // name "t", version 1, conditional on a/b/c
            publisher.publish(v1, "publish");

            Meters meters = new Meters(new SimpleMeterRegistry());
            AtomicBoolean traffic = new AtomicBoolean(true);
            AtomicLong sent = new AtomicLong();
            Thread source = new Thread(() -> {
                try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "linger.ms", 5,
                        "max.in.flight.requests.per.connection", 1), new StringSerializer(), new StringSerializer())) {
                    java.util.Random rnd = new java.util.Random(3);
                    while (traffic.get()) {
                        long i = sent.getAndIncrement();
                        p.send(new ProducerRecord<>(topics.input(), "abc".charAt((int) (i % 3)) + "", String.format(Locale.ROOT,
                                "[%.3f,%.3f,%.3f,%.3f,%.3f]", 10 + rnd.nextGaussian(), 10 + rnd.nextGaussian(), 10 + rnd.nextGaussian(),
                                10 + rnd.nextGaussian(), 10 + rnd.nextGaussian())));
                        Thread.sleep(2);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "it-traffic");
            ModelRef ref = new ModelRef();
            List<String> table = new ArrayList<>();
            try (ProcessorRuntime rt = ProcessorRuntime.startWatching(cfg, bootstrap, ref, meters, msg -> { })) {
                assertEquals(1, ref.current().version());
                source.start();
                await(() -> meters.scoredCount() > 200, 60, "traffic scored with v1");

                // Every bad class, each claiming a newer version.
                try (KafkaProducer<byte[], byte[]> raw = transactional(bootstrap, "it-raw")) {
                    for (BadBundles.Bad bad : BadBundles.all(v1, 10, 100_000)) {
                        long before = meters.modelsRejected(bad.reason().name());
                        long scoredBefore = meters.scoredCount();
                        long t0 = System.nanoTime();
                        raw.beginTransaction();
                        raw.send(new ProducerRecord<>(topics.models(), 0, ModelsTopicKeys.bundle("t", bad.version()), bad.bytes()));
                        raw.commitTransaction();
                        await(() -> meters.modelsRejected(bad.reason().name()) > before, 30, bad.name() + " refused");
                        double ms = (System.nanoTime() - t0) / 1e6;
                        await(() -> meters.scoredCount() > scoredBefore + 20, 30, "scoring continues after " + bad.name());
                        assertEquals(1, ref.current().version(), bad.name() + " must not become active");
                        table.add(String.format(Locale.ROOT, "| %s | refused (%s) | v%d | %.0f ms |", bad.name(), bad.reason(),
                                ref.current().version(), ms));
                    }
                    // A valid bundle in an aborted transaction is never seen.
                    ModelBundle aborted = BadBundles.asVersion(v1, 50);
                    raw.beginTransaction();
                    raw.send(new ProducerRecord<>(topics.models(), 0, ModelsTopicKeys.bundle("t", 50), BundleCodec.write(aborted)));
                    raw.flush();
                    raw.abortTransaction();
                    Thread.sleep(3000);
                    assertEquals(1, ref.current().version(), "a bundle from an aborted transaction must never be used");
                    table.add("| valid bundle in an aborted transaction | never visible (read_committed) | v1 | - |");
                }
                // Older version without --force is refused by `models publish` (see ModelsCommandIT) and ignored by
                // the watcher: the newest valid version stays designated.

                long t0 = System.nanoTime();
                ModelBundle v100 = BadBundles.asVersion(v1, 100);
                publisher.publish(v100, "publish");
                await(() -> ref.current().version() == 100, 30, "valid v100 swapped in");
                double swapMs = (System.nanoTime() - t0) / 1e6;
                table.add(String.format(Locale.ROOT, "| valid v100 | swapped in | v100 | %.0f ms |", swapMs));
                long scoredAtSwap = meters.scoredCount();
                await(() -> meters.scoredCount() > scoredAtSwap + 200, 60, "traffic scored with v100");

                t0 = System.nanoTime();
                publisher.activate("t", 1, "rollback");
                await(() -> ref.current().version() == 1, 30, "rollback to v1");
                double rollbackMs = (System.nanoTime() - t0) / 1e6;
                table.add(String.format(Locale.ROOT, "| rollback --to 1 | activated | v1 | %.0f ms |", rollbackMs));
                long scoredAtRollback = meters.scoredCount();
                await(() -> meters.scoredCount() > scoredAtRollback + 200, 60, "traffic scored after rollback");
                traffic.set(false);
                source.join(10_000);
            }
            System.out.println("| bad-bundle class | outcome | active after | time |");
            System.out.println("| --- | --- | --- | --- |");
            table.forEach(System.out::println);

            // Every score carries v1 or v100, and each partition switches v1 -> v100 -> v1 at most once each way.
            Map<Integer, List<Long>> versions = new HashMap<>();
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap, "group.id", "lc-audit",
                    "isolation.level", "read_committed", "auto.offset.reset", "earliest"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                c.subscribe(List.of(topics.scores()));
                long quiet = System.currentTimeMillis();
                while (System.currentTimeMillis() - quiet < 3000) {
                    var recs = c.poll(Duration.ofMillis(300));
                    if (!recs.isEmpty()) {
                        quiet = System.currentTimeMillis();
                    }
                    for (ConsumerRecord<byte[], byte[]> r : recs) {
                        JsonNode s = JSON.readTree(r.value());
                        versions.computeIfAbsent(r.partition(), k -> new ArrayList<>()).add(s.get("model_version").asLong());
                    }
                }
            }
            for (Map.Entry<Integer, List<Long>> e : versions.entrySet()) {
                List<Long> runs = new ArrayList<>();
                for (long v : e.getValue()) {
                    assertTrue(v == 1 || v == 100, "unexpected version " + v);
                    if (runs.isEmpty() || runs.get(runs.size() - 1) != v) {
                        runs.add(v);
                    }
                }
                assertTrue(runs.size() <= 3 && (runs.size() < 2 || runs.get(1) == 100),
                        "partition " + e.getKey() + " switches: " + runs);
            }
        }
    }

    /** With no valid model anywhere the processor waits, not ready, and consumes nothing; then a publish starts it. */
    @Test
    void withoutAModelNothingIsConsumedUntilOneIsPublished() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.startTemporary()) {
            String bootstrap = kafka.bootstrapServers();
            AppConfig cfg = ConfigLoader.load(null, Map.of(), Map.of("topic.prefix", "nm", "application.id", "nm-app",
                    "model.name", "t", "kafka.commit.interval.ms", "100"));
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                new TopicApplier(admin, 30_000).apply(TopicPlan.builtIn(), "nm", 1, false);
            }
            Topics topics = Topics.from(cfg);
            try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
                    "max.in.flight.requests.per.connection", 1), new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < 300; i++) {
                    p.send(new ProducerRecord<>(topics.input(), "a", "[10,10,10,10,10]"));
                }
                p.send(new ProducerRecord<>(topics.input(), "a", "not json"));
            }
            Meters meters = new Meters(new SimpleMeterRegistry());
            ModelRef ref = new ModelRef();
            List<String> waiting = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.concurrent.atomic.AtomicReference<ProcessorRuntime> started = new java.util.concurrent.atomic.AtomicReference<>();
            Thread starter = new Thread(() -> {
                try {
                    started.set(ProcessorRuntime.startWatching(cfg, bootstrap, ref, meters, waiting::add));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            starter.start();
            Thread.sleep(8000);
            assertTrue(started.get() == null, "must not start without a model");
            assertTrue(!waiting.isEmpty() && waiting.get(0).contains("not ready"), waiting.toString());
            assertEquals(0, meters.recordsIn(), "nothing consumed");
            assertEquals(0, meters.deadLetteredCount(), "nothing dead-lettered for lack of a model");
            new ModelPublisher(bootstrap, Map.of(), topics.models()).publish(TestModels.golden(), "publish");
            starter.join(60_000);
            try (ProcessorRuntime rt = started.get()) {
                await(() -> meters.scoredCount() == 300 && meters.deadLetteredCount() == 1, 60, "backlog processed after publish");
            }
        }
    }

    static KafkaProducer<byte[], byte[]> transactional(String bootstrap, String id) {
        KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "transactional.id", id,
                "max.request.size", 16 << 20), new ByteArraySerializer(), new ByteArraySerializer());
        p.initTransactions();
        return p;
    }

    static void await(BooleanSupplier cond, int seconds, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(50);
        }
    }

    /** Keys as the topic layout defines them. */
    static final class ModelsTopicKeys {
        static byte[] bundle(String name, long version) {
            return ModelsTopic.bundleKey(name, version);
        }
    }
}
