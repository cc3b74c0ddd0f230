package io.latentstream.ops;

import io.latentstream.topology.TopicApplier;
import io.latentstream.topology.TopicPlan;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The in-process embedded broker with the topic plan: create, re-check, report drift, round-trip. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class EmbeddedKafkaIT {
    static EmbeddedKafka kafka;
    static Admin admin;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.startTemporary();
        admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
    }

    @AfterAll
    static void stop() {
        if (admin != null) {
            admin.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void bindsLoopbackOnly() {
        assertTrue(kafka.bootstrapServers().startsWith("127.0.0.1:"));
    }

    @Test
    void topicsApplyCreatesThePlanThenReportsNoDifferenceThenReportsDrift() throws Exception {
        TopicPlan plan = TopicPlan.builtIn();
        TopicApplier applier = new TopicApplier(admin, 30_000);

        TopicApplier.Report dry = applier.apply(plan, "t1", 1, true);
        assertTrue(dry.actions().stream().allMatch(a -> a.kind() == TopicApplier.Action.Kind.WOULD_CREATE), dry.toString());
        assertFalse(admin.listTopics().names().get().contains("t1.raw"), "dry run must not create");

        TopicApplier.Report first = applier.apply(plan, "t1", 1, false);
        assertEquals(8, first.actions().stream().filter(a -> a.kind() == TopicApplier.Action.Kind.CREATED).count());
        var described = admin.describeTopics(List.of("t1.raw", "t1.models")).allTopicNames().get();
        assertEquals(plan.role("raw").partitions(), described.get("t1.raw").partitions().size());
        assertEquals(1, described.get("t1.models").partitions().size());

        TopicApplier.Report second = applier.apply(plan, "t1", 1, false);
        assertTrue(second.actions().stream().allMatch(a -> a.kind() == TopicApplier.Action.Kind.OK), second.toString());
        assertFalse(second.unfixable());

        ConfigResource models = new ConfigResource(ConfigResource.Type.TOPIC, "t1.models");
        admin.incrementalAlterConfigs(Map.of(models, List.of(new AlterConfigOp(
                new ConfigEntry("cleanup.policy", "delete"), AlterConfigOp.OpType.SET)))).all().get();
        // The broker applies config changes asynchronously: poll until the change is visible.
        TopicApplier.Report third = applier.apply(plan, "t1", 1, false);
        for (int i = 0; i < 100 && !third.unfixable(); i++) {
            Thread.sleep(100);
            third = applier.apply(plan, "t1", 1, false);
        }
        assertTrue(third.unfixable(), third.toString());
        var differs = third.actions().stream().filter(a -> a.kind() == TopicApplier.Action.Kind.DIFFERS).toList();
        assertEquals(1, differs.size(), third.toString());
        assertEquals("t1.models", differs.get(0).topic());
        assertTrue(differs.get(0).detail().contains("cleanup.policy=delete (plan compact)"), differs.get(0).detail());
    }

    @Test
    void aRecordRoundTrips() throws Exception {
        new TopicApplier(admin, 30_000).apply(TopicPlan.builtIn(), "rt", 1, false);
        RoundTrip.check(kafka.bootstrapServers(), "rt.raw");
    }

    /** Produce one record, read it back with a read_committed consumer. Shared with other broker tests. */
    static final class RoundTrip {
        static void check(String bootstrap, String topic) throws Exception {
            String value = "{\"features\":[1,2,3],\"n\":" + System.nanoTime() + "}";
            try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
                    "max.in.flight.requests.per.connection", 1), new StringSerializer(), new StringSerializer())) {
                p.send(new ProducerRecord<>(topic, 0, "pump-1", value)).get(30, TimeUnit.SECONDS);
            }
            try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
                    "group.id", "rt-" + System.nanoTime(), "auto.offset.reset", "earliest",
                    "isolation.level", "read_committed"), new StringDeserializer(), new StringDeserializer())) {
                c.subscribe(List.of(topic));
                long deadline = System.currentTimeMillis() + 30_000;
                while (System.currentTimeMillis() < deadline) {
                    for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                        if (r.value().equals(value)) {
                            assertEquals("pump-1", r.key());
                            return;
                        }
                    }
                }
            }
            throw new AssertionError("record did not come back from " + topic);
        }
    }
}
