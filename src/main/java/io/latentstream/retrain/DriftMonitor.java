package io.latentstream.retrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Live anomaly rate from the scores topic (read_committed, from the end, no consumer group): the
 * share of flagged records over a sliding window. Drift = the rate above {@code factor} times the
 * calibrated rate continuously for {@code durationMs}. Not thread-safe; polled by one thread.
 */
final class DriftMonitor implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final long windowMs;
    private final long durationMs;
    private final double factor;
    private final Deque<long[]> buckets = new ArrayDeque<>(); // {second, scored, flagged}
    private long aboveSince = -1;
    private long quietUntil;
    private double lastRate;

    DriftMonitor(String bootstrap, Map<String, String> overrides, String scoresTopic, double factor, long windowMs, long durationMs) {
        Map<String, Object> p = new HashMap<>(overrides);
        p.put("bootstrap.servers", bootstrap);
        p.put("isolation.level", "read_committed");
        p.put("enable.auto.commit", "false");
        p.putIfAbsent("client.id", "latentstream-drift-monitor");
        consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = consumer.partitionsFor(scoresTopic, Duration.ofSeconds(30)).stream()
                .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
        consumer.assign(parts);
        consumer.seekToEnd(parts);
        this.factor = factor;
        this.windowMs = windowMs;
        this.durationMs = durationMs;
    }

    /** Reads what is new; true when drift has lasted long enough (then the clock restarts). */
    boolean poll(double expectedRate) {
        long now = System.currentTimeMillis();
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
            boolean flagged;
            try {
                JsonNode s = JSON.readTree(r.value());
                flagged = s.path("anomaly").asBoolean();
            } catch (Exception e) {
                continue;
            }
            long second = now / 1000;
            if (buckets.isEmpty() || buckets.peekLast()[0] != second) {
                buckets.addLast(new long[] {second, 0, 0});
            }
            long[] b = buckets.peekLast();
            b[1]++;
            b[2] += flagged ? 1 : 0;
        }
        while (!buckets.isEmpty() && buckets.peekFirst()[0] < (now - windowMs) / 1000) {
            buckets.removeFirst();
        }
        long scored = 0;
        long flagged = 0;
        for (long[] b : buckets) {
            scored += b[1];
            flagged += b[2];
        }
        lastRate = scored == 0 ? 0 : (double) flagged / scored;
        boolean above = now >= quietUntil && scored >= 100 && lastRate > factor * Math.max(expectedRate, 1e-4);
        if (!above) {
            aboveSince = -1;
            return false;
        }
        if (aboveSince < 0) {
            aboveSince = now;
        }
        if (now - aboveSince >= durationMs) {
            aboveSince = -1;
            buckets.clear(); // measure afresh after the retrain it triggers
            quietUntil = now + windowMs; // and give a new model one window to show its effect
            return true;
        }
        return false;
    }

    double lastRate() {
        return lastRate;
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
