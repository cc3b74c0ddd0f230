package io.latentstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How `dlq` reads and shows a dead letter, whichever handler wrote it (the broker-backed run is in ProcessorIT). */
class DlqCommandTest {
    private static ConsumerRecord<byte[], byte[]> record(String key, byte[] value, RecordHeaders h) {
        return new ConsumerRecord<>("t.dlq", 2, 41, 1_764_000_000_000L, TimestampType.CREATE_TIME, -1, value == null ? -1 : value.length,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8), value, h, Optional.empty());
    }

    private static RecordHeaders headers(String... kv) {
        RecordHeaders h = new RecordHeaders();
        for (int i = 0; i < kv.length; i += 2) {
            h.add(kv[i], kv[i + 1].getBytes(StandardCharsets.UTF_8));
        }
        return h;
    }

    @Test
    void oursStreamsAndForeignDeadLetters() throws Exception {
        byte[] value = "{\"temp\": 61, \"rpm\": \"fast\"}".getBytes(StandardCharsets.UTF_8);
        DlqCommand.DeadLetter ours = DlqCommand.read(record("pump-3", value, headers("trace-id", "abc", "ls.reason", "BAD_JSON",
                "ls.exception.class", "io.latentstream.codec.BadRecordException", "ls.exception.message", "feature \"rpm\" is not a number",
                "ls.source.topic", "sensors", "ls.source.partition", "1", "ls.source.offset", "4999")));
        assertEquals("2025-11-24T16:00:00Z  sensors-1@4999  pump-3  BAD_JSON  feature \"rpm\" is not a number  "
                + "\"{\\\"temp\\\": 61, \\\"rpm\\\": \\\"fast\\\"}\"", DlqCommand.text(ours));
        JsonNode j = new ObjectMapper().readTree(DlqCommand.json(ours));
        assertEquals("sensors", j.get("source_topic").asText());
        assertEquals(1, j.get("source_partition").asInt());
        assertEquals(4999, j.get("source_offset").asLong());
        assertEquals("BAD_JSON", j.get("reason").asText());
        assertEquals("abc", j.get("headers").get("trace-id").asText(), "the input's own headers are kept, ours are not repeated");
        assertEquals(1, j.get("headers").size());
        assertArrayEquals(value, Base64.getDecoder().decode(j.get("value_base64").asText()));

        DlqCommand.DeadLetter streams = DlqCommand.read(record("k", new byte[] {1, 2}, headers(
                "__streams.errors.exception", "java.lang.IllegalStateException", "__streams.errors.message", "boom",
                "__streams.errors.topic", "sensors", "__streams.errors.partition", "0", "__streams.errors.offset", "7")));
        assertEquals("PROCESSING_ERROR", streams.reason());
        assertEquals("sensors-0@7", streams.source());
        assertEquals("boom", streams.message());

        DlqCommand.DeadLetter cut = DlqCommand.read(record("k", "[1,2".getBytes(StandardCharsets.UTF_8), headers("ls.reason", "OVERSIZE",
                "ls.source.topic", "sensors", "ls.source.partition", "0", "ls.source.offset", "9", "ls.value.truncated", "true",
                "ls.value.bytes", "2097152")));
        assertEquals(2097152L, cut.originalBytes());
        assertTrue(DlqCommand.text(cut).endsWith("\"[1,2\"  [cut to 4 of 2097152 bytes; the whole value is at the source offset]"),
                DlqCommand.text(cut));
        JsonNode cj = new ObjectMapper().readTree(DlqCommand.json(cut));
        assertTrue(cj.get("value_truncated").asBoolean() && cj.get("original_bytes").asLong() == 2097152, cj.toString());
        assertTrue(!j.get("value_truncated").asBoolean() && !j.has("original_bytes"), j.toString());

        DlqCommand.DeadLetter foreign = DlqCommand.read(record(null, null, new RecordHeaders()));
        assertEquals("UNKNOWN", foreign.reason());
        assertTrue(DlqCommand.text(foreign).contains("?  (no key)  UNKNOWN  no dead-letter headers (not written by latentstream); "
                + "this record is t.dlq-2@41  (null)"), DlqCommand.text(foreign));
        JsonNode fj = new ObjectMapper().readTree(DlqCommand.json(foreign));
        assertTrue(fj.get("value_base64").isNull() && fj.get("source_offset").isNull(), fj.toString());
    }

    @Test
    void valuesArePrintableWhateverTheyHold() {
        assertEquals("(empty)", DlqCommand.preview(new byte[0]));
        assertEquals("\"a\\nb\\tc\\u0001\"", DlqCommand.preview("a\nb\tc\u0001".getBytes(StandardCharsets.UTF_8)));
        assertEquals("\"température\"", DlqCommand.preview("température".getBytes(StandardCharsets.UTF_8)));
        // f32 little-endian bytes are not UTF-8: hex, cut after 32 bytes with the size.
        byte[] f32 = new byte[40];
        f32[0] = (byte) 0xc0;
        f32[3] = (byte) 0x7f;
        String hex = DlqCommand.preview(f32);
        assertTrue(hex.startsWith("hex c000007f") && hex.endsWith("... (40 bytes)"), hex);
        assertEquals("hex ".length() + 64 + "... (40 bytes)".length(), hex.length());
        String longText = DlqCommand.preview("x".repeat(500).getBytes(StandardCharsets.UTF_8));
        assertEquals("\"" + "x".repeat(120) + "\"... (500 bytes)", longText);
    }
}
