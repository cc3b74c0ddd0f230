package io.latentstream.codec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One writer writes many records with one generator: each value must be a complete, separate document. */
class ScoreRecordWriterTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void consecutiveRecordsAreIndependentDocumentsWithTheLargestContributionsFirst() throws Exception {
        ScoreRecordWriter w = new ScoreRecordWriter(List.of("a", "b", "c", "d"), 2);
        for (int i = 0; i < 3; i++) {
            byte[] bytes = w.write(1.5 + i, 2.0, i == 2, 7, 1000 + i, "raw", 3, 40 + i, "k" + i, null,
                    new float[] {1, 2, 3, 4}, new float[] {1.5f, 2, 2.5f, 4}, new float[] {0.25f, 0f, 0.5f + i, 0.1f});
            String text = new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(text.startsWith("{\"score\":") && text.endsWith("}"), text);
            JsonNode n = MAPPER.readTree(bytes);
            assertEquals(1.5 + i, n.get("score").asDouble(), 1e-6);
            assertEquals(i == 2, n.get("anomaly").asBoolean());
            assertEquals(40 + i, n.get("source").get("offset").asLong());
            assertEquals("k" + i, n.get("key").asText());
            assertFalse(n.has("context"));
            JsonNode top = n.get("top_features");
            assertEquals(2, top.size());
            assertEquals("c", top.get(0).get("name").asText());
            assertEquals("a", top.get(1).get("name").asText());
            assertEquals(3.0, top.get(0).get("observed").asDouble(), 0);
            assertEquals(2.5, top.get(0).get("expected").asDouble(), 0);
        }
    }
}
