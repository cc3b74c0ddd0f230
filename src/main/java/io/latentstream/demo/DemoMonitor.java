package io.latentstream.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.latentstream.codec.ScoreRecord;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Follows the score topic (read_committed, like any downstream user) and matches each score to
 * what the source injected at that input offset: caught, missed, false alarms, latest anomalies.
 */
final class DemoMonitor implements Runnable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One flagged record for the live view; {@code eventTimeMs} is the score record's ts (the reading's event time). */
    record Alert(String entity, long eventTimeMs, double score, double threshold, long modelVersion, String injected,
                 String topFeatures) {
    }

    /** How many of the highest-scoring alerts the summary lists. */
    static final int HIGHEST = 5;

    private final String bootstrap;
    private final String scoresTopic;
    private final String modelsTopic;
    private final Map<String, SensorSimulator.Injected> labels;
    final DemoTimeline timeline;
    private final AtomicBoolean running = new AtomicBoolean(true);
    final AtomicLong scored = new AtomicLong();
    final AtomicLong caught = new AtomicLong();
    final AtomicLong missed = new AtomicLong();
    final AtomicLong falseAlarms = new AtomicLong();
    final AtomicLong normals = new AtomicLong();
    /** Normal readings sent with a sensor dropped out (input.missing.max), and how many of them were flagged. */
    final AtomicLong dropouts = new AtomicLong();
    final AtomicLong dropoutsFlagged = new AtomicLong();
    /**
     * Readings flagged for a stuck sensor (score.stuck.readings): all, those whose score alone would
     * not have flagged them, and those that were not an injected anomaly.
     */
    final AtomicLong stuckFlagged = new AtomicLong();
    final AtomicLong stuckOnly = new AtomicLong();
    final AtomicLong stuckNormal = new AtomicLong();
    /** Caught and missed per kind of injected anomaly, for the summary: which kinds the model sees. */
    final Map<SensorSimulator.Injected, AtomicLong> caughtByKind = new ConcurrentHashMap<>();
    final Map<SensorSimulator.Injected, AtomicLong> missedByKind = new ConcurrentHashMap<>();
    /** Drift onsets (see {@link SensorSimulator.Injected#DRIFT_ONSET}): all, and flagged. */
    final AtomicLong onsets = new AtomicLong();
    final AtomicLong onsetsFlagged = new AtomicLong();
    final AtomicLong lastModelVersion = new AtomicLong();
    private final Deque<Alert> latest = new ArrayDeque<>();
    /** The {@link #HIGHEST} highest-scoring alerts so far, lowest first (so the head is the one to drop). */
    private final java.util.PriorityQueue<Alert> highest = new java.util.PriorityQueue<>(
            java.util.Comparator.comparingDouble(Alert::score));

    DemoMonitor(String bootstrap, String scoresTopic, String modelsTopic, Map<String, SensorSimulator.Injected> labels,
                DemoTimeline timeline) {
        this.bootstrap = bootstrap;
        this.scoresTopic = scoresTopic;
        this.modelsTopic = modelsTopic;
        this.labels = labels;
        this.timeline = timeline;
    }

    void stop() {
        running.set(false);
    }

    synchronized List<Alert> latest() {
        return new ArrayList<>(latest);
    }

    /** The highest-scoring alerts so far, highest first. */
    synchronized List<Alert> highest() {
        List<Alert> l = new ArrayList<>(highest);
        l.sort(java.util.Comparator.comparingDouble(Alert::score).reversed());
        return l;
    }

    /** An event time as a reader wants it: the date alone at midnight UTC (daily series), else the instant to the second. */
    static String when(long epochMs) {
        java.time.Instant i = java.time.Instant.ofEpochMilli(epochMs);
        return epochMs % 86_400_000L == 0 ? i.atOffset(java.time.ZoneOffset.UTC).toLocalDate().toString()
                : i.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
    }

    @Override
    public void run() {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
                "group.id", "latentstream-demo-view", "isolation.level", "read_committed", "auto.offset.reset", "earliest"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(scoresTopic, modelsTopic));
            while (running.get()) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.topic().equals(modelsTopic)) {
                        models(r);
                    } else {
                        handle(r.timestamp(), r.value());
                    }
                }
            }
        } catch (Exception e) {
            if (running.get()) {
                org.slf4j.LoggerFactory.getLogger(DemoMonitor.class).warn("demo view stopped following scores: {}", e.toString());
            }
        }
    }

    private void models(ConsumerRecord<byte[], byte[]> r) {
        io.latentstream.lifecycle.ModelsTopic.Key k = io.latentstream.lifecycle.ModelsTopic.Key.parse(r.key());
        if (k == null) {
            return;
        }
        JsonNode v = null;
        if (r.value() != null && !k.kind().equals("bundle")) {
            try {
                v = JSON.readTree(r.value());
            } catch (Exception e) {
                return;
            }
        }
        timeline.modelsRecord(r.timestamp(), k.kind(), k.version(), v);
    }

    private void handle(long timestamp, byte[] value) {
        ScoreRecord s = ScoreRecord.parse(value, timestamp, null);
        if (s == null) {
            return;
        }
        scored.incrementAndGet();
        lastModelVersion.set(s.modelVersion());
        SensorSimulator.Injected injected = labels.remove(s.sourcePartition() + "@" + s.sourceOffset());
        boolean flagged = s.anomaly();
        timeline.score(timestamp, s, injected);
        boolean isAnomaly = injected != null && injected.isAnomaly();
        if (injected == SensorSimulator.Injected.DRIFT_ONSET) {
            onsets.incrementAndGet();
            if (flagged) {
                onsetsFlagged.incrementAndGet();
            }
        } else if (isAnomaly && flagged) {
            caught.incrementAndGet();
            caughtByKind.computeIfAbsent(injected, k -> new AtomicLong()).incrementAndGet();
        } else if (isAnomaly) {
            missed.incrementAndGet();
            missedByKind.computeIfAbsent(injected, k -> new AtomicLong()).incrementAndGet();
        } else if (flagged) {
            falseAlarms.incrementAndGet();
        } else {
            normals.incrementAndGet();
        }
        if (!s.stuck().isEmpty()) {
            stuckFlagged.incrementAndGet();
            if (s.score() <= s.threshold()) {
                stuckOnly.incrementAndGet();
            }
            if (!isAnomaly) {
                stuckNormal.incrementAndGet();
            }
        }
        if (!s.missing().isEmpty() && !isAnomaly) {
            dropouts.incrementAndGet();
            if (flagged) {
                dropoutsFlagged.incrementAndGet();
            }
        }
        if (flagged) {
            List<String> top = new ArrayList<>();
            for (ScoreRecord.Feature f : s.topFeatures()) {
                top.add(String.format(java.util.Locale.ROOT, "%s %.2f (exp %.2f)", f.name(), f.observed(), f.expected()));
            }
            // score.stuck.readings: a stuck sensor, flagged whatever the score, comes first (as on the page).
            String stuck = s.stuck().stream().map(f -> "STUCK " + f.describe(DemoMonitor::twoDecimals))
                    .collect(java.util.stream.Collectors.joining(", "));
            Alert a = new Alert(s.key() == null ? "?" : s.key(), s.ts(), s.score(), s.threshold(), s.modelVersion(),
                    injected == null ? "?" : injected.name().toLowerCase(java.util.Locale.ROOT),
                    (stuck.isEmpty() ? "" : stuck + "; ") + String.join(", ", top));
            synchronized (this) {
                latest.addFirst(a);
                while (latest.size() > 5) {
                    latest.removeLast();
                }
                highest.add(a);
                if (highest.size() > HIGHEST) {
                    highest.poll();
                }
            }
        }
    }

    static String twoDecimals(double v) {
        return String.format(java.util.Locale.ROOT, "%.2f", v);
    }

    /** "spike 68 of 69 (99%), drift ..." over the kinds scored so far, in the enum's order. */
    String caughtByKindSummary() {
        List<String> parts = new ArrayList<>();
        for (SensorSimulator.Injected kind : SensorSimulator.Injected.values()) {
            AtomicLong caughtOfKind = caughtByKind.get(kind);
            AtomicLong missedOfKind = missedByKind.get(kind);
            long c = caughtOfKind == null ? 0 : caughtOfKind.get();
            long all = c + (missedOfKind == null ? 0 : missedOfKind.get());
            if (all > 0) {
                parts.add(String.format(java.util.Locale.ROOT, "%s %,d of %,d (%.0f%%)", kind.name().toLowerCase(java.util.Locale.ROOT)
                        .replace('_', ' '), c, all, 100.0 * c / all));
            }
        }
        return String.join(", ", parts);
    }

    static Map<String, SensorSimulator.Injected> newLabelMap() {
        return new ConcurrentHashMap<>();
    }
}
