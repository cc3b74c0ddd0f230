package io.latentstream.retrain;

import io.latentstream.codec.LatentFrame;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Follows the latents and anomalies topics (read_committed, from their end, no consumer group) and
 * feeds {@link DriftStatistics}: the live anomaly rate (anomaly records per latent frame: every
 * scored record has exactly one frame, every flagged one an anomaly record, in the same transaction;
 * those flagged only for a stuck sensor, header ls.flagged.by, are not counted)
 * and the distance of live latents from the active model's validation latents. It reads no score
 * JSON: the scores topic may be off ({@code scores.enabled=false}), and small frames are cheaper to
 * follow on a machine the processor shares. Not thread-safe; polled by the retrainer's trigger thread.
 */
final class DriftMonitor implements AutoCloseable {
    /** What the active model expects: its version, calibrated anomaly rate and validation latent statistics. */
    record Expectation(long version, double anomalyRate, double[] latentMean, double[] latentVar) {
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String anomaliesTopic;
    private final DriftStatistics stats;

    DriftMonitor(String bootstrap, Map<String, String> overrides, String anomaliesTopic, String latentsTopic, DriftStatistics stats) {
        Map<String, Object> p = new HashMap<>(overrides);
        p.put("bootstrap.servers", bootstrap);
        p.put("isolation.level", "read_committed");
        p.put("enable.auto.commit", "false");
        p.putIfAbsent("client.id", "latentstream-drift-monitor");
        consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = new ArrayList<>();
        for (String t : List.of(anomaliesTopic, latentsTopic)) {
            consumer.partitionsFor(t, Duration.ofSeconds(30)).forEach(i -> parts.add(new TopicPartition(i.topic(), i.partition())));
        }
        consumer.assign(parts);
        consumer.seekToEnd(parts);
        this.anomaliesTopic = anomaliesTopic;
        this.stats = stats;
    }

    /** Reads what is new; true when drift has lasted long enough. */
    boolean poll(Expectation e) {
        long now = System.currentTimeMillis();
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
            if (r.topic().equals(anomaliesTopic)) {
                if (flaggedByModel(r.headers())) {
                    stats.flagged(now);
                }
                continue;
            }
            LatentFrame.Decoded d;
            try {
                d = LatentFrame.decode(r.value(), 0);
            } catch (LatentFrame.FrameException ignored) {
                continue; // not a frame: not a scored record either
            }
            stats.score(now, false);
            if (e != null && e.latentMean() != null && d.modelVersion() == e.version() && d.values().length == e.latentMean().length) {
                stats.latent(now, d.values(), e.latentMean(), e.latentVar());
            }
        }
        return stats.drifting(now, e == null ? 0.01 : e.anomalyRate());
    }

    /**
     * Whether an anomaly record counts toward the live anomaly rate: one flagged only for a stuck
     * sensor (header ls.flagged.by) says nothing about the model's calibration, and retraining
     * would not mend the sensor.
     */
    static boolean flaggedByModel(org.apache.kafka.common.header.Headers h) {
        return h.lastHeader(io.latentstream.topology.DeadLetterHeaders.FLAGGED_BY) == null;
    }

    DriftStatistics stats() {
        return stats;
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
