package io.latentstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.latentstream.lifecycle.ModelCatalog;
import io.latentstream.model.BundleCodec;
import io.latentstream.model.ModelBundle;
import io.latentstream.topology.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatusCommandTest {
    private static final StatusCommand.Group PROCESSOR = new StatusCommand.Group("app", "classic", "Stable", 2, "app.raw",
            new TreeMap<>(Map.of(0, 10L, 1, 812L, 2, 0L)), 0);
    private static final StatusCommand.Group RETRAINER = new StatusCommand.Group("app-retrainer", "classic", "Stable", 1, null, Map.of(), 0);

    @Test
    void aHealthyDeploymentIsOk() throws Exception {
        StatusCommand.Report r = report(PROCESSOR, 7L, 100_000, 1_100, 30, List.of());
        assertEquals(List.of(), r.problems());
        String text = r.text();
        assertTrue(text.contains("processor     group app (classic): Stable, 2 member(s); lag 822 on app.raw (3 partitions; most 812 on partition 1)"), text);
        assertTrue(text.contains("retrainer     group app-retrainer (classic): Stable, 1 member(s)"), text);
        assertTrue(text.contains("model         'default' v7 active (created 2026-11-27T10:00:00Z; 7 version(s) on app.models); calibrated to flag 1.00%"), text);
        assertTrue(text.contains("last 1h       100,000 input record(s) on app.raw; 1,100 flagged (1.10%) on 2 key(s), most: pump-1 1,000, pump-2 100; "
                + "30 dead letter(s): BAD_JSON 30"), text);
        assertTrue(text.endsWith("status        OK"), text);
        JsonNode j = new ObjectMapper().readTree(r.json());
        assertEquals("OK", j.get("status").asText());
        assertEquals(822, j.get("processor").get("lag").asLong());
        assertEquals(0.01, j.get("model").get("expected_anomaly_rate").asDouble());
        assertEquals(1000, j.get("window").get("flagged").get("by_key").get("pump-1").asLong());
    }

    @Test
    void whatNeedsAPersonIsNamedWithTheCommandThatLooksFurther() {
        StatusCommand.Group down = new StatusCommand.Group("app", "classic", "Empty", 0, "app.raw", Map.of(0, 5_000L), 0);
        StatusCommand.Report r = report(down, null, 100_000, 6_000, 2_000, List.of("app.scores-3 producer 7"));
        List<String> p = r.problems();
        assertEquals(4, p.size(), p.toString());
        assertEquals("no processor is running: group app has no members; 5,000 input record(s) wait (latentstream run)", p.get(0));
        assertTrue(p.get(1).startsWith("no active version of model 'default' on app.models"), p.get(1));
        assertEquals("2.00% of the inputs dead-lettered, over 1% (latentstream dlq --from 1h)", p.get(2));
        assertEquals("1 hanging transaction(s) (latentstream topics hanging --abort)", p.get(3));
        assertTrue(r.text().contains("status        ATTENTION\n  - no processor is running"), r.text());

        StatusCommand.Report flooded = report(PROCESSOR, 7L, 10_000, 600, 0, List.of());
        assertEquals(List.of("6.00% of the inputs flagged, over 5 x the 1.00% the model is calibrated to (latentstream scores --from 1h)"),
                flooded.problems());
    }

    @Test
    void aStuckSensorNeedsAPersonAndItsFlagsAreNotTheModelsRate() throws Exception {
        StatusCommand.Report.Builder b = builder();
        b.model("default", "app.models", new ModelCatalog("default", 1 << 20));
        b.activeVersion = 7L;
        b.expectedRate = 0.01;
        b.inputs = 10_000;
        // 600 flagged: 500 of them only for pump-3's stuck sensor, 550 listing it; the score flagged 100 (1%).
        b.flagged = new StatusCommand.Counted("app.anomalies", 600, false, Map.of("pump-3", 550L, "pump-1", 50L));
        b.stuck = new StatusCommand.Counted("app.anomalies", 550, false, Map.of("pump-3", 550L));
        b.stuckOnly = 500;
        StatusCommand.Report r = b.build();
        assertEquals(List.of("a sensor stuck: 550 record(s) of 1 key(s) with a feature held at one value (most: pump-3 550; "
                + "latentstream scores --from 1h)"), r.problems(), "not 6% against a 1% calibration: the score flagged 1%");
        assertTrue(r.text().contains("600 flagged (6.00%) on 2 key(s), most: pump-3 550, pump-1 50, 550 of them with a stuck sensor"), r.text());
        JsonNode j = new ObjectMapper().readTree(r.json());
        assertEquals(550, j.get("window").get("stuck").get("by_key").get("pump-3").asLong());
        assertEquals(500, j.get("window").get("flagged_for_stuck_only").asLong());
    }

    @Test
    void missingTopicsComeFirst() {
        StatusCommand.Report.Builder b = builder();
        b.missingTopics = List.of("app.raw", "app.models");
        b.model("default", "app.models", new ModelCatalog("default", 1 << 20));
        List<String> p = b.build().problems();
        assertEquals("topic(s) missing: app.raw, app.models (latentstream topics apply; input.topic, topic.prefix)", p.get(0));
        assertTrue(p.get(1).startsWith("no active version of model 'default'"), p.toString());
    }

    @Test
    void ratesOfAFewInputsRaiseNothing() {
        assertEquals(List.of(), report(PROCESSOR, 7L, 999, 999, 999, List.of()).problems());
    }

    @Test
    void aMissingGroupAndModelAreSaidAsSuch() {
        StatusCommand.Group none = new StatusCommand.Group("app", null, null, 0, "app.raw", Map.of(), 0);
        StatusCommand.Report r = report(none, null, 0, 0, 0, List.of());
        assertTrue(r.text().contains("processor     group app does not exist (no process has run with this application.id)"), r.text());
        assertTrue(r.problems().get(0).startsWith("no processor is running: group app does not exist"), r.problems().toString());
    }

    @Test
    void withoutAVersionOnTheTopicTheModelPathBundleIsWhatAProcessorScoresWith(@TempDir Path dir) throws Exception {
        ModelBundle golden = TestModels.golden();
        Path file = dir.resolve("golden.lsb");
        BundleCodec.write(golden, file);
        StatusCommand.Report.Builder b = builder();
        b.model(golden.manifest().name(), "app.models", new ModelCatalog(golden.manifest().name(), 1 << 20));
        b.modelFile(file.toString());
        StatusCommand.Report r = b.build();
        assertEquals(List.of(), r.problems());
        assertTrue(r.text().contains("v" + golden.version() + " from model.path " + file + " (created "), r.text());
        assertTrue(r.text().contains("; none on app.models); calibrated to flag"), r.text());

        StatusCommand.Report.Builder other = builder();
        other.model("another", "app.models", new ModelCatalog("another", 1 << 20));
        other.modelFile(file.toString());
        assertEquals(List.of("model.path " + file + " cannot be loaded: it is model '" + golden.manifest().name() + "', not 'another' "
                + "(a processor with this configuration refuses to start)"), other.build().problems());

        StatusCommand.Report.Builder missing = builder();
        missing.model("default", "app.models", new ModelCatalog("default", 1 << 20));
        missing.modelFile(dir.resolve("nope.lsb").toString());
        assertTrue(missing.build().problems().get(0).startsWith("model.path " + dir.resolve("nope.lsb") + " cannot be loaded: "),
                missing.build().problems().toString());
    }

    private static StatusCommand.Report.Builder builder() {
        StatusCommand.Report.Builder b = new StatusCommand.Report.Builder(Duration.ofHours(1));
        b.processor = PROCESSOR;
        b.retrainer = RETRAINER;
        b.inputTopic = "app.raw";
        b.flagged = new StatusCommand.Counted("app.anomalies", 0, false, Map.of());
        b.deadLetters = new StatusCommand.Counted("app.dlq", 0, false, Map.of());
        return b;
    }

    @Test
    void windowsReadAsFromTakesThem() {
        assertEquals("1h", StatusCommand.DurationText.of(Duration.ofHours(1)));
        assertEquals("90m", StatusCommand.DurationText.of(Duration.ofMinutes(90)));
        assertEquals("2d", StatusCommand.DurationText.of(Duration.ofDays(2)));
        assertEquals("45s", StatusCommand.DurationText.of(Duration.ofSeconds(45)));
    }

    @Test
    void usageErrors() {
        CliTest.Result zero = CliTest.run("status", "-b", "127.0.0.1:1", "--window", "0s");
        assertEquals(ExitCodes.USAGE, zero.code());
        assertTrue(zero.err().contains("--window must be longer than 0"), zero.err());
        CliTest.Result noBroker = CliTest.run("status");
        assertEquals(ExitCodes.USAGE, noBroker.code());
        assertTrue(noBroker.err().contains("bootstrap.servers"), noBroker.err());
    }

    private static StatusCommand.Report report(StatusCommand.Group processor, Long active, long inputs, long flagged, long dead,
                                               List<String> hanging) {
        Map<String, Long> byKey = flagged == 0 ? Map.of() : Map.of("pump-1", flagged - flagged / 11, "pump-2", flagged / 11);
        return new StatusCommand.Report(Duration.ofHours(1), processor, RETRAINER, "app.raw", inputs, "default", "app.models", null, null, active,
                active == null ? null : "2026-11-27T10:00:00Z", active == null ? 0 : 7, 0, active == null ? 0 : 1 - 0.99, null,
                new StatusCommand.Counted("app.anomalies", flagged, false, byKey), StatusCommand.Counted.none("app.anomalies"), 0,
                new StatusCommand.Counted("app.dlq", dead, false, dead == 0 ? Map.of() : Map.of("BAD_JSON", dead)), 40, hanging, null, List.of());
    }
}
