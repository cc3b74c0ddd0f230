package io.latentstream.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.latentstream.codec.ScoreRecord;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the demo page draws, bounded in memory whatever the run length: per entity the mean score in
 * each one-second bucket (the last {@value #BUCKETS} seconds), the highest flagged score of each
 * bucket (the anomaly markers), the threshold line, the latest
 * anomalies, model-version changes and retraining decisions. Fed by the demo's monitor thread, read
 * by the HTTP thread; every method is synchronized (a few hundred updates a second, one read a second).
 */
final class DemoTimeline {
    static final int BUCKETS = 600;
    private static final int MAX_ANOMALIES = 200;
    private static final int MAX_EVENTS = 100;
    private static final int MAX_ENTITIES = 24;

    /** One flagged record, as the page lists it. */
    /** @param stuck "rpm at 1500.00 for 12 readings" per stuck feature (score.stuck.readings), else empty */
    record Anomaly(long t, String entity, double score, double threshold, long version, String injected, List<Map<String, Object>> top,
                   List<String> stuck) {
    }

    /** A model-version change seen in the scores, or a decision / activation on the models topic. */
    record Event(long t, String kind, long version, String outcome, String reason) {
    }

    private final long startMs;
    private final TreeMap<Long, Map<String, double[]>> buckets = new TreeMap<>();
    private final TreeMap<Long, Double> thresholds = new TreeMap<>();
    private final TreeMap<Long, Double> anomalyMarks = new TreeMap<>();
    private final TreeSet<String> entities = new TreeSet<>();
    private final Deque<Anomaly> anomalies = new ArrayDeque<>();
    private final Deque<Event> events = new ArrayDeque<>();
    private final TreeSet<Long> versions = new TreeSet<>();
    private final Map<Integer, Long> versionByPartition = new java.util.HashMap<>();
    private long lastScoredVersion = -1;
    private Long activeVersion;

    DemoTimeline(long startMs) {
        this.startMs = startMs;
    }

    /** One score record (as written to the scores topic) with its record timestamp. */
    synchronized void score(long timestampMs, ScoreRecord s, SensorSimulator.Injected injected) {
        long sec = Math.max(0, (timestampMs - startMs) / 1000);
        String entity = s.key() == null ? "?" : s.key();
        if (!entities.contains(entity) && entities.size() >= MAX_ENTITIES) {
            entity = "other";
        }
        entities.add(entity);
        double score = s.score();
        double[] sumCount = buckets.computeIfAbsent(sec, k -> new LinkedHashMap<>()).computeIfAbsent(entity, k -> new double[2]);
        sumCount[0] += score;
        sumCount[1]++;
        thresholds.put(sec, s.threshold());
        long version = s.modelVersion();
        // Partitions swap models independently and the monitor reads them interleaved, so a change is
        // announced once every partition with traffic scores with the new version (no v1/v2 flapping).
        versionByPartition.put(s.sourcePartition(), version);
        if (version != lastScoredVersion && versionByPartition.values().stream().allMatch(v -> v == version)) {
            if (lastScoredVersion >= 0) {
                addEvent(new Event(sec, "scoring", version, null, "every partition now scores with v" + version));
            }
            lastScoredVersion = version;
        }
        if (s.anomaly()) {
            anomalyMarks.merge(sec, score, Math::max);
            List<Map<String, Object>> top = new ArrayList<>();
            for (ScoreRecord.Feature f : s.topFeatures()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", f.name());
                m.put("observed", f.observed());
                m.put("expected", f.expected());
                top.add(m);
            }
            List<String> stuck = s.stuck().stream().map(f -> f.describe(DemoMonitor::twoDecimals)).toList();
            anomalies.addFirst(new Anomaly(sec, entity, score, s.threshold(), version,
                    injected == null ? "unknown" : injected.name().toLowerCase(java.util.Locale.ROOT), top, stuck));
            while (anomalies.size() > MAX_ANOMALIES) {
                anomalies.removeLast();
            }
        }
        while (buckets.size() > BUCKETS) {
            long first = buckets.firstKey();
            buckets.remove(first);
            thresholds.remove(first);
            anomalyMarks.remove(first);
        }
    }

    /** A record of the models topic: a new bundle, an activation or a retraining decision. */
    synchronized void modelsRecord(long timestampMs, String kind, long version, JsonNode value) {
        long sec = Math.max(0, (timestampMs - startMs) / 1000);
        switch (kind) {
            case "bundle" -> versions.add(version);
            case "active" -> {
                if (value != null && value.has("version")) {
                    activeVersion = value.get("version").asLong();
                    addEvent(new Event(sec, "activation", activeVersion, null, value.path("reason").asText("")));
                }
            }
            case "decision" -> {
                if (value != null) {
                    long v = value.path("challenger").canConvertToLong() ? value.path("challenger").asLong() : 0;
                    addEvent(new Event(sec, "decision", v, value.path("outcome").asText("?"),
                            value.path("trigger").asText("") + ": " + value.path("reason").asText("")));
                }
            }
            default -> {
            }
        }
    }

    private void addEvent(Event e) {
        events.addFirst(e);
        while (events.size() > MAX_EVENTS) {
            events.removeLast();
        }
    }

    /** The page's view: aligned series for the chart plus the lists; safe to serialize as JSON. */
    synchronized Map<String, Object> snapshot() {
        List<String> names = new ArrayList<>(entities);
        List<Long> t = new ArrayList<>(buckets.keySet());
        Map<String, List<Double>> series = new LinkedHashMap<>();
        for (String n : names) {
            List<Double> ys = new ArrayList<>(t.size());
            for (long sec : t) {
                double[] sc = buckets.get(sec).get(n);
                ys.add(sc == null ? null : sc[0] / sc[1]);
            }
            series.put(n, ys);
        }
        List<Double> th = new ArrayList<>(t.size());
        List<Double> marks = new ArrayList<>(t.size());
        for (long sec : t) {
            th.add(thresholds.get(sec));
            marks.add(anomalyMarks.get(sec));
        }
        Map<String, Object> chart = new LinkedHashMap<>();
        chart.put("t", t);
        chart.put("entities", names);
        chart.put("series", series);
        chart.put("threshold", th);
        chart.put("anomalies", marks);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("chart", chart);
        out.put("anomalies", new ArrayList<>(anomalies).subList(0, Math.min(anomalies.size(), 50)));
        out.put("events", new ArrayList<>(events));
        out.put("versions", new ArrayList<>(versions));
        out.put("active_version", activeVersion == null ? (lastScoredVersion < 0 ? null : lastScoredVersion) : activeVersion);
        out.put("scoring_version", lastScoredVersion < 0 ? null : lastScoredVersion);
        return out;
    }
}
