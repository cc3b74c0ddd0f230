package io.latentstream.cli;

import io.latentstream.ops.EmbeddedKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The order in which dlq, scores and decode --topic show a topic's records, on a real broker: record
 * time across partitions, each partition in offset order, also when one partition holds far more of the
 * range than the others (it is paused rather than buffered whole); following, what was in the topic
 * first, then new records as they come.
 */
@Tag("serial") // timing or CPU share matters: failsafe runs it alone (pom.xml)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class TopicRangeIT {
    private static final long T0 = 1_767_225_600_000L;

    @Test
    void showsRecordsInRecordTimeOrderAcrossPartitions() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.startTemporary()) {
            String b = kafka.bootstrapServers();
            createTopic(b, "skewed", 3);
            createTopic(b, "followed", 2);
            try (KafkaProducer<byte[], byte[]> p = producer(b)) {
                // Partition 0 holds the first 25,000 ms, partition 1 the next 25,000, partition 2 a record at each end:
                // partition 1 runs ahead of the order by far more than the hold-back and must wait for 0.
                for (int i = 0; i < 25_000; i++) {
                    send(p, "skewed", 0, T0 + i);
                    send(p, "skewed", 1, T0 + 25_000 + i);
                }
                send(p, "skewed", 2, T0 - 1);
                send(p, "skewed", 2, T0 + 60_000);
                for (int i = 0; i < 100; i++) { // interleaved in time: 0 has the even milliseconds, 1 the odd
                    send(p, "followed", i % 2, T0 + i);
                }
                p.flush();
            }

            List<ConsumerRecord<byte[], byte[]>> shown = new ArrayList<>();
            long holdBacks;
            try (KafkaConsumer<byte[], byte[]> c = consumer(b); TopicRange range = TopicRange.open(c, "skewed", null, null, false)) {
                TopicRange.Shown s = range.showEach(0, sink(), sink(), "%,d", shown::add);
                assertEquals(50_002, s.count());
                holdBacks = range.holdBacks();
            }
            assertEquals(50_002, shown.size());
            assertInTimeOrderAndPartitionOrder(shown);
            assertEquals(T0 - 1, shown.get(0).timestamp());
            assertEquals(T0 + 60_000, shown.get(shown.size() - 1).timestamp());
            assertTrue(holdBacks > 0, "partition 1 was never paused: the order held all of it");

            // Sampled (train --topic, models threshold): 50,002 records, a budget of 5,000: 200 stretches of 13 in each of the
            // two big partitions, from their first record to their last two hundredth, and the one record partition 2's
            // share rounds up to; nothing in between is read.
            Map<Integer, List<Long>> sampled = new java.util.TreeMap<>();
            try (KafkaConsumer<byte[], byte[]> c = consumer(b);
                 TopicRange range = TopicRange.openSampled(c, "skewed", null, null, 5_000)) {
                assertEquals(50_002, range.rangeRecords());
                assertEquals(401, range.stretchCount());
                while (!range.finished()) {
                    range.poll().forEach(r -> sampled.computeIfAbsent(r.partition(), k -> new ArrayList<>()).add(r.offset()));
                }
                assertEquals(5_201, range.read());
                assertEquals(range.size(), range.read());
            }
            assertEquals(List.of(0L), sampled.get(2));
            for (int partition : new int[] {0, 1}) {
                List<Long> o = sampled.get(partition);
                assertEquals(2_600, o.size());
                assertEquals(0L, o.get(0));
                assertEquals(24_875L + 12, o.get(o.size() - 1), "the last stretch starts at 199/200 of the partition");
                assertEquals(200, o.stream().map(x -> x / 125).distinct().count(), "one stretch in each 200th");
            }
            try (KafkaConsumer<byte[], byte[]> c = consumer(b);
                 TopicRange range = TopicRange.openSampled(c, "skewed", null, null, 25_001)) {
                assertEquals(-1, range.rangeRecords(), "no more than twice the budget: read whole");
                while (!range.finished()) {
                    range.poll();
                }
                assertEquals(50_002, range.read());
            }

            // Following: the 100 records in the topic at the start, in time order, then 4 new ones as they come,
            // although the new ones are stamped earlier than all of them (late events are not reordered into the past).
            shown.clear();
            try (KafkaConsumer<byte[], byte[]> c = consumer(b); TopicRange range = TopicRange.open(c, "followed", null, null, true);
                 KafkaProducer<byte[], byte[]> p = producer(b)) {
                for (int i = 0; i < 4; i++) {
                    send(p, "followed", i % 2, T0 - 1000 + i);
                }
                p.flush();
                TopicRange.Shown s = range.showEach(104, sink(), sink(), "%,d", shown::add);
                assertEquals(104, s.count());
                assertTrue(s.stoppedAtMax());
            }
            assertInTimeOrderAndPartitionOrder(shown.subList(0, 100));
            assertEquals(T0, shown.get(0).timestamp());
            assertEquals(T0 + 99, shown.get(99).timestamp());
            assertTrue(shown.subList(100, 104).stream().allMatch(r -> r.timestamp() < T0 && r.offset() >= 50), shown.subList(100, 104).toString());
        }
    }

    private static void assertInTimeOrderAndPartitionOrder(List<ConsumerRecord<byte[], byte[]>> shown) {
        for (int i = 1; i < shown.size(); i++) {
            assertTrue(shown.get(i - 1).timestamp() <= shown.get(i).timestamp(), "out of time order at " + i + ": " + shown.get(i - 1) + " then " + shown.get(i));
            assertEquals(ByteBuffer.wrap(shown.get(i).value()).getLong(), shown.get(i).timestamp());
        }
        Map<Integer, List<Long>> offsets = new java.util.TreeMap<>();
        shown.forEach(r -> offsets.computeIfAbsent(r.partition(), k -> new ArrayList<>()).add(r.offset()));
        offsets.values().forEach(o -> assertEquals(o.stream().sorted(Comparator.naturalOrder()).toList(), o));
    }

    private static void send(KafkaProducer<byte[], byte[]> p, String topic, int partition, long timestamp) {
        p.send(new ProducerRecord<>(topic, partition, timestamp, null, ByteBuffer.allocate(8).putLong(timestamp).array()));
    }

    private static void createTopic(String bootstrap, String topic, int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    private static KafkaProducer<byte[], byte[]> producer(String bootstrap) {
        return new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "linger.ms", 5), new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static KafkaConsumer<byte[], byte[]> consumer(String bootstrap) {
        return new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap, "isolation.level", "read_committed", "enable.auto.commit", false),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private static PrintWriter sink() {
        return new PrintWriter(new StringWriter());
    }
}
