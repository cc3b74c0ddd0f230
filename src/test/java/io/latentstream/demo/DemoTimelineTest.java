package io.latentstream.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.latentstream.codec.ScoreRecord;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoTimelineTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ScoreRecord score(String key, double score, boolean anomaly, long version) {
        return score(key, score, anomaly, version, 0);
    }

    private static ScoreRecord score(String key, double score, boolean anomaly, long version, int partition) {
        ObjectNode n = JSON.createObjectNode();
        n.putObject("source").put("partition", partition);
        n.put("key", key).put("score", score).put("threshold", 10.0).put("anomaly", anomaly).put("model_version", version);
        n.putArray("top_features").addObject().put("name", "temp").put("observed", 90.0).put("expected", 70.0);
        return ScoreRecord.parse(n.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8), 0, null);
    }

    @Test
    @SuppressWarnings("unchecked")
    void meansPerSecondAlignedAcrossEntitiesWithMarksAndVersionChanges() {
        DemoTimeline tl = new DemoTimeline(0);
        tl.score(100, score("a", 1, false, 1), SensorSimulator.Injected.NONE);
        tl.score(900, score("a", 3, false, 1), SensorSimulator.Injected.NONE);
        tl.score(1500, score("b", 20, true, 1), SensorSimulator.Injected.SPIKE);
        tl.score(2500, score("a", 2, false, 2), SensorSimulator.Injected.NONE);
        tl.modelsRecord(2600, "decision", 0, JSON.createObjectNode().put("outcome", "published").put("challenger", 2)
                .put("trigger", "control:retrain").put("reason", "passed the gate"));
        Map<String, Object> s = tl.snapshot();
        Map<String, Object> chart = (Map<String, Object>) s.get("chart");
        assertEquals(List.of(0L, 1L, 2L), chart.get("t"));
        Map<String, List<Double>> series = (Map<String, List<Double>>) chart.get("series");
        assertEquals(2.0, series.get("a").get(0), 1e-12, "mean of the second");
        assertNull(series.get("a").get(1), "no reading of a in second 1: a gap, not a zero");
        assertEquals(20.0, series.get("b").get(1));
        assertEquals(java.util.Arrays.asList(null, 20.0, null), chart.get("anomalies"));
        List<DemoTimeline.Anomaly> anomalies = (List<DemoTimeline.Anomaly>) s.get("anomalies");
        assertEquals("spike", anomalies.get(0).injected());
        assertEquals(List.of(), anomalies.get(0).stuck());
        List<DemoTimeline.Event> events = (List<DemoTimeline.Event>) s.get("events");
        assertEquals("decision", events.get(0).kind());
        assertEquals("scoring", events.get(1).kind());
        assertEquals(2L, events.get(1).version());
        assertEquals(2L, s.get("scoring_version"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void aVersionChangeIsAnnouncedOnceEveryPartitionHasSwapped() {
        DemoTimeline tl = new DemoTimeline(0);
        tl.score(0, score("a", 1, false, 1, 0), null);
        tl.score(0, score("b", 1, false, 1, 1), null);
        tl.score(1000, score("a", 1, false, 2, 0), null);
        tl.score(1000, score("b", 1, false, 1, 1), null); // partition 1 still on v1: no announcement yet
        tl.score(1100, score("a", 1, false, 2, 0), null);
        assertTrue(((List<?>) tl.snapshot().get("events")).isEmpty());
        tl.score(1200, score("b", 1, false, 2, 1), null);
        List<DemoTimeline.Event> events = (List<DemoTimeline.Event>) tl.snapshot().get("events");
        assertEquals(1, events.size());
        assertEquals(2L, events.get(0).version());
    }

    @Test
    @SuppressWarnings("unchecked")
    void boundedWhateverTheRunLength() throws Exception {
        DemoTimeline tl = new DemoTimeline(0);
        for (int i = 0; i < 5000; i++) {
            tl.score(i * 1000L, score("e" + (i % 40), i % 7 == 0 ? 50 : 1, i % 7 == 0, 1), SensorSimulator.Injected.NONE);
        }
        Map<String, Object> s = tl.snapshot();
        Map<String, Object> chart = (Map<String, Object>) s.get("chart");
        assertEquals(DemoTimeline.BUCKETS, ((List<?>) chart.get("t")).size());
        assertTrue(((List<?>) chart.get("entities")).size() <= 25, "entities beyond the cap are pooled as 'other'");
        assertTrue(((List<?>) s.get("anomalies")).size() <= 50);
        assertTrue(JSON.writeValueAsBytes(s).length < 400_000, "the page's poll stays small");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aStuckSensorIsListedWithItsAnomaly() {
        DemoTimeline tl = new DemoTimeline(0);
        ObjectNode n = JSON.createObjectNode();
        n.putObject("source").put("partition", 0);
        n.put("key", "pump-2").put("score", 3.0).put("threshold", 10.0).put("anomaly", true).put("model_version", 1);
        n.putArray("top_features").addObject().put("name", "temp").put("observed", 70.0).put("expected", 70.5);
        n.putArray("stuck").addObject().put("name", "rpm").put("value", 1500.0).put("readings", 12);
        tl.score(100, ScoreRecord.parse(n.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8), 0, null),
                SensorSimulator.Injected.STUCK);
        List<DemoTimeline.Anomaly> anomalies = (List<DemoTimeline.Anomaly>) tl.snapshot().get("anomalies");
        assertEquals(List.of("rpm at 1500.00 for 12 readings"), anomalies.get(0).stuck());
    }
}
