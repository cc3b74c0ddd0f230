package io.latentstream.topology;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
