package io.latentstream.topology;

import io.latentstream.config.AppConfig;
import io.latentstream.config.ConfigError;
import io.latentstream.config.ConfigLoader;
import io.latentstream.config.Settings;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TopicPlanTest {
    @Test
    void builtInPlanDeclaresEveryRoleOnce() {
        TopicPlan plan = TopicPlan.builtIn();
        assertEquals(TopicPlan.ROLES.size(), plan.topics().size());
        assertEquals("compact", plan.role("models").cleanupPolicy());
        assertEquals(1, plan.role("models").partitions(), "one models partition keeps bundle order total");
        assertEquals("plant7.scores", plan.role("scores").name("plant7"));
        assertTrue(plan.role("models").maxMessageBytes() >= 4 << 20);
    }

    @Test
    void theInputIsThePlansRawTopicUnlessInputTopicNamesAnother() {
        Topics plan = Topics.from(ConfigLoader.load(null, Map.of(), Map.of(Settings.TOPIC_PREFIX, "plant7")));
        assertEquals("plant7.raw", plan.input());
        assertFalse(plan.ownInput());
        Topics own = Topics.from(ConfigLoader.load(null, Map.of(), Map.of(Settings.TOPIC_PREFIX, "plant7",
                Settings.INPUT_TOPIC, "sensors")));
        assertEquals("sensors", own.input());
        assertEquals("plant7.raw", own.raw());
        assertTrue(own.ownInput());
    }

    @Test
    void anInputTopicThatLatentstreamWritesIsRefusedNamingTheKey() {
        for (String role : List.of("latents", "scores", "anomalies", "dlq", "samples", "models", "control")) {
            AppConfig cfg = ConfigLoader.load(null, Map.of(), Map.of(Settings.TOPIC_PREFIX, "plant7",
                    Settings.INPUT_TOPIC, "plant7." + role));
            ConfigError e = assertThrows(ConfigError.class, () -> Topics.from(cfg));
            assertEquals(Settings.INPUT_TOPIC, e.key());
            assertTrue(e.getMessage().contains("would read its own output"), e.getMessage());
        }
    }

    @Test
    void strictParsing() {
        assertThrows(IllegalArgumentException.class, () -> parse("topics:\n  rawx: {}\n"));
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> parse(
                "topics:\n  raw: {partitions: 1, replication_factor: 1, cleanup_policy: delete, retention_ms: 1, max_message_bytes: 2048}\n"));
        assertTrue(missing.getMessage().contains("latents"), missing.getMessage());
        IllegalArgumentException field = assertThrows(IllegalArgumentException.class, () -> parse(
                "topics:\n  raw: {partitons: 1}\n"));
        assertTrue(field.getMessage().contains("partitons"), field.getMessage());
    }

    private static TopicPlan parse(String yaml) throws Exception {
        return TopicPlan.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "test");
    }
}
