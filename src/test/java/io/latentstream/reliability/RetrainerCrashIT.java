package io.latentstream.reliability;

import io.latentstream.config.AppConfig;
import io.latentstream.config.ConfigLoader;
import io.latentstream.lifecycle.ModelCatalog;
import io.latentstream.lifecycle.ModelPublisher;
import io.latentstream.lifecycle.ModelsTopic;
import io.latentstream.model.BundleCodec;
import io.latentstream.model.BundleException;
import io.latentstream.ops.EmbeddedKafka;
import io.latentstream.ops.Meters;
import io.latentstream.topology.ModelRef;
import io.latentstream.topology.ProcessorRuntime;
import io.latentstream.topology.TestModels;
import io.latentstream.topology.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * T6: the retrainer (`latentstream retrain`, a child JVM) killed at random points of training and
 * publishing, 12 times: SIGKILL at random moments, and halts at two hook points of the publish
 * transaction (right before the bundle is sent, and right after the broker acknowledged it). After
 * every kill, what a read_committed reader of the models topic sees is checked: every bundle passes
 * the strict reader and the activation pointer names one of them. Partial bundles exist only for
 * read_uncommitted readers, and a fresh retrainer publishes again.
 */
@Tag("extended") // ~2 min: run with -Preliability-full (or -Dit.excludedGroups=none)
@Tag("serial") // timing or CPU share matters: failsafe runs it alone (pom.xml)
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class RetrainerCrashIT {
    @org.junit.jupiter.api.AfterEach
    void noChildLeftBehind() {
        ChildJvm.killAll();
    }

    @TempDir
    Path dir;

    @Test
    void killedRetrainersNeverExposeAPartialOrInvalidBundle() throws Exception {
        Random rnd = new Random(6);
        try (EmbeddedKafka kafka = EmbeddedKafka.startTemporary()) {
            String bs = kafka.bootstrapServers();
            Topics t = topicsWithGoldenAndSamples(bs, "t6");
            String name = TestModels.golden().manifest().name();

            Map<String, String> p = new LinkedHashMap<>();
            p.put("bootstrap.servers", bs);
            p.put("topic.prefix", "t6");
            p.put("application.id", "t6-app");
            p.put("model.name", name);
            p.put("http.port", "-1");
            p.put("retrain.interval.ms", "1000");
            p.put("retrain.epochs", "3");
            p.put("retrain.min.samples", "100");
            p.put("retrain.gate.tolerance", "10"); // let challengers through: the publish path is what is under test
            p.put("retrain.gate.anomaly.rate.tolerance", "1");
            p.put("retrain.drift.anomaly.rate.factor", "0");
            p.put("retrain.drift.latent.bound", "0");
            p.put("kafka.session.timeout.ms", "6000");
            p.put("kafka.interceptor.classes", CrashingInterceptor.class.getName());
            StringBuilder sb = new StringBuilder();
            p.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
            Path cfg = dir.resolve("retrain.properties");
            Files.writeString(cfg, sb.toString());

            String[] modes = {null, "bundle-acked", "before-bundle-send"};
            Map<String, Integer> kills = new TreeMap<>();
            for (int k = 0; k < 12; k++) {
                String mode = modes[k % 3];
                ChildJvm r = new ChildJvm(dir.resolve("retrain-" + k + ".log"), mode == null ? Map.of("OMP_NUM_THREADS", "1")
                        : Map.of("OMP_NUM_THREADS", "1", CrashingInterceptor.ENV, mode), "retrain", "--config", cfg.toString()).start();
                r.awaitLog("retrainer started", 1, 60);
                if (mode == null) {
                    Thread.sleep(1000 + rnd.nextInt(9000)); // somewhere in leading, reading samples, training, publishing
                    r.kill();
                    kills.merge("SIGKILL at a random moment", 1, Integer::sum);
                } else {
                    r.awaitExit(120);
                    assertTrue(r.count("CRASH_POINT " + mode) > 0, r.tail());
                    kills.merge("halt at " + mode, 1, Integer::sum);
                }
                check(bs, t, name);
            }
            // A retrainer that is left alone publishes again (it fences the killed one's open transaction).
            long before = committedBundles(bs, t, name);
            ChildJvm r = new ChildJvm(dir.resolve("retrain-final.log"), Map.of("OMP_NUM_THREADS", "1"), "retrain", "--config", cfg.toString())
                    .start();
            r.awaitLog("PUBLISHED", 1, 120);
            r.stop();
            Snapshot s = check(bs, t, name);
            long partial = s.uncommittedBundles - s.committedBundles;
            System.out.printf(Locale.ROOT, "T6 retrainer kills %s: committed bundles %d (all valid, active v%d), bundle records visible only to "
                    + "read_uncommitted (aborted or never committed) %d; a fresh retrainer published again (%d -> %d)%n", kills,
                    s.committedBundles, s.active, partial, before, s.committedBundles);
            assertTrue(partial > 0, "the bundle-acked kills left bundle records that no read_committed reader sees");
            assertTrue(s.committedBundles > before);
        }
    }

    record Snapshot(long committedBundles, long uncommittedBundles, long active) {
    }

    /** What a processor would see: every committed bundle valid, the pointer on one of them. */
    private static Snapshot check(String bs, Topics t, String name) throws Exception {
        ModelCatalog catalog = new ModelCatalog(name, BundleCodec.DEFAULT_MAX_BYTES);
        List<ConsumerRecord<byte[], byte[]>> committed = readAll(bs, t.models(), "read_committed");
        long bundles = 0;
        for (ConsumerRecord<byte[], byte[]> r : committed) {
            catalog.apply(r.key(), r.value());
            ModelsTopic.Key k = ModelsTopic.Key.parse(r.key());
            if (k != null && k.kind().equals("bundle")) {
                bundles++;
                try {
                    BundleCodec.read(r.value(), BundleCodec.DEFAULT_MAX_BYTES);
                } catch (BundleException e) {
                    throw new AssertionError("a committed bundle is invalid: v" + k.version() + " " + e.getMessage());
                }
            }
        }
        ModelCatalog.Verified desired = catalog.desired();
        assertTrue(desired != null && desired.ok(), "the active version is a valid bundle");
        long uncommitted = readAll(bs, t.models(), "read_uncommitted").stream()
                .map(r -> ModelsTopic.Key.parse(r.key())).filter(k -> k != null && k.kind().equals("bundle")).count();
        return new Snapshot(bundles, uncommitted, desired.version());
    }

    private static long committedBundles(String bs, Topics t, String name) throws Exception {
        return readAll(bs, t.models(), "read_committed").stream().map(r -> ModelsTopic.Key.parse(r.key()))
                .filter(k -> k != null && k.kind().equals("bundle") && k.name().equals(name)).count();
    }

    /** Everything up to the end of the models topic, for the given isolation level. */
    static List<ConsumerRecord<byte[], byte[]>> readAll(String bs, String topic, String isolation) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bs, "isolation.level", isolation,
                "enable.auto.commit", "false"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp); // for read_committed: the last stable offset
            long deadline = System.currentTimeMillis() + 30_000;
            while (c.position(tp) < end && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    out.add(r);
                }
            }
        }
        return out;
    }

    /** A scenario's topics with the golden model published and samples for a retrainer to train on. */
    static Topics topicsWithGoldenAndSamples(String bs, String prefix) throws Exception {
        Topics t = ExactlyOnceCrashIT.topics(bs, prefix);
        new ModelPublisher(bs, Map.of(), t.models()).publish(TestModels.golden(), "publish");
        fillSamples(bs, t, prefix);
        return t;
    }

    /** Real samples: the processor (in-process) scores good records with every one sampled. */
    private static void fillSamples(String bs, Topics t, String prefix) throws Exception {
        AppConfig cfg = ConfigLoader.load(null, Map.of(), Map.of("topic.prefix", prefix, "application.id", prefix + "-fill",
                "input.format", "json", "samples.fraction", "1.0", "model.name", TestModels.golden().manifest().name()));
        Map<String, StreamAudit.Input> inputs = new ConcurrentHashMap<>(StreamAudit.produce(bs, t.input(), 6, 0, 3000));
        try (ProcessorRuntime rt = ProcessorRuntime.start(cfg, bs, new ModelRef(TestModels.goldenScorer()), new Meters(new SimpleMeterRegistry()))) {
            StreamAudit.Result r = StreamAudit.read(bs, t, inputs, 120, 1000);
            assertEquals(0, r.missing());
        }
    }
}
