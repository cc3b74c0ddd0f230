package io.latentstream.codec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** input.missing.max: a record lacking some features is parsed with NaN in their slots, in every format. */
class MissingFeaturesTest {
    static final List<String> NAMES = List.of("temp", "rpm", "vibration", "pressure");

    static RecordParser parser(InputFormat f, int maxMissing) {
        return new RecordParser(f, NAMES, 4096, false).allowingMissing(maxMissing);
    }

    static ParsedRecord parse(RecordParser p, String value) throws BadRecordException {
        return p.parse(null, value.getBytes(StandardCharsets.UTF_8));
    }

    static BadRecordException refused(RecordParser p, String value) {
        return assertThrows(BadRecordException.class, () -> parse(p, value));
    }

    static void assertMissing(ParsedRecord r, int... slots) {
        assertEquals(slots.length, r.missing);
        int m = 0;
        for (int j = 0; j < r.dim; j++) {
            boolean expected = m < slots.length && slots[m] == j;
            assertEquals(expected, Float.isNaN(r.features[j]), "slot " + j);
            m += expected ? 1 : 0;
        }
    }

    @Test
    void namedJsonFieldsAbsentNullOrNaNAreMissing() throws Exception {
        RecordParser p = parser(InputFormat.JSON, 2);
        assertMissing(parse(p, "{\"temp\":61.5,\"vibration\":0.3,\"pressure\":2}"), 1);
        assertMissing(parse(p, "{\"temp\":61.5,\"rpm\":null,\"vibration\":0.3,\"pressure\":\"NaN\"}"), 1, 3);
        assertMissing(parse(p, "{\"temp\":NaN,\"rpm\":1500,\"vibration\":0.3,\"pressure\":2}"), 0);
        ParsedRecord whole = parse(p, "{\"temp\":1,\"rpm\":2,\"vibration\":3,\"pressure\":4}");
        assertMissing(whole);
        assertEquals(2f, whole.features[1]);
        BadRecordException three = refused(p, "{\"temp\":61.5,\"rpm\":null}");
        assertEquals(DeadLetterReason.DIM_MISMATCH, three.reason());
        assertTrue(three.getMessage().contains("3 of the model's 4 features are missing") && three.getMessage().contains("input.missing.max=2"),
                three.getMessage());
        assertEquals(DeadLetterReason.NON_FINITE, refused(p, "{\"temp\":\"Infinity\",\"rpm\":1,\"vibration\":3,\"pressure\":4}").reason(),
                "an infinite reading is broken, not missing");
        assertEquals(DeadLetterReason.BAD_JSON, refused(p, "{\"temp\":\"hot\",\"rpm\":1,\"vibration\":3,\"pressure\":4}").reason());
    }

    @Test
    void arraysCsvAndF32MarkTheirMissingCellsInPlace() throws Exception {
        assertMissing(parse(parser(InputFormat.JSON, 1), "[1, null, 3, 4]"), 1);
        assertMissing(parse(parser(InputFormat.JSON, 2), "{\"features\":[NaN, 2, 3, \"nan\"],\"context\":\"p\"}"), 0, 3);
        assertEquals(DeadLetterReason.DIM_MISMATCH, refused(parser(InputFormat.JSON, 3), "[1, null, 3]").reason(),
                "an array still needs every position");
        assertMissing(parse(parser(InputFormat.CSV, 2), "1,,3,"), 1, 3);
        assertMissing(parse(parser(InputFormat.CSV, 1), "\"pump-1\",1,2,NaN,4"), 2);
        ByteBuffer f32 = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putFloat(1).putFloat(Float.NaN).putFloat(3).putFloat(4);
        assertMissing(parser(InputFormat.F32, 1).parse(null, f32.array()), 1);
        ByteBuffer inf = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putFloat(1).putFloat(Float.POSITIVE_INFINITY).putFloat(3).putFloat(4);
        assertThrows(BadRecordException.class, () -> parser(InputFormat.F32, 1).parse(null, inf.array()));
    }

    @Test
    void everyFeatureMissingIsADeadLetterWhateverTheSetting() {
        RecordParser p = parser(InputFormat.JSON, 4096);
        BadRecordException e = refused(p, "[null, null, null, null]");
        assertEquals(DeadLetterReason.DIM_MISMATCH, e.reason());
        assertTrue(e.getMessage().contains("input.missing.max=3"), e.getMessage());
        assertEquals(DeadLetterReason.BAD_JSON, refused(p, "{\"context\":\"pump-1\"}").reason(), "no feature field at all: not a reading");
    }

    @Test
    void withoutTheSettingAMissingFeatureIsADeadLetterThatSaysHowToScoreIt() {
        RecordParser p = parser(InputFormat.JSON, 0);
        BadRecordException absent = refused(p, "{\"temp\":61.5,\"vibration\":0.3,\"pressure\":2}");
        assertEquals(DeadLetterReason.DIM_MISMATCH, absent.reason());
        assertTrue(absent.getMessage().contains("missing: rpm") && absent.getMessage().contains("input.missing.max"), absent.getMessage());
        BadRecordException nul = refused(p, "[1, null, 3, 4]");
        assertEquals(DeadLetterReason.NON_FINITE, nul.reason());
        assertTrue(nul.getMessage().contains("input.missing.max"), nul.getMessage());
        assertEquals(DeadLetterReason.BAD_CSV, refused(parser(InputFormat.CSV, 0), "1,,3,4").reason());
        BadRecordException infinite = refused(p, "[1, \"Infinity\", 3, 4]");
        assertFalse(infinite.getMessage().contains("input.missing.max"), "Infinity is broken, not missing: " + infinite.getMessage());
    }

    @Test
    void theScoreRecordListsWhatWasImputedAndKeepsItOutOfTheTopFeatures() throws Exception {
        ScoreRecordWriter w = new ScoreRecordWriter(NAMES, 4);
        byte[] bytes = w.write(2.5, 3.0, false, 4, 1000, "raw", 0, 7, "pump-1", null,
                new float[] {61.5f, Float.NaN, 0.3f, Float.NaN}, new float[] {60f, 1480f, 0.25f, 2.1f}, new float[] {1f, 0f, 4f, 0f}, 2);
        JsonNode n = new ObjectMapper().readTree(bytes);
        JsonNode top = n.get("top_features");
        assertEquals(2, top.size(), "only the features present: " + top);
        assertEquals("vibration", top.get(0).get("name").asText());
        JsonNode missing = n.get("missing");
        assertEquals(2, missing.size());
        assertEquals("rpm", missing.get(0).get("name").asText());
        assertEquals(1480.0, missing.get(0).get("expected").asDouble(), 0);
        assertEquals("pressure", missing.get(1).get("name").asText());
        assertFalse(new String(bytes, StandardCharsets.UTF_8).contains("NaN"));
        byte[] whole = w.write(2.5, 3.0, false, 4, 1000, "raw", 0, 8, "pump-1", null,
                new float[] {1, 2, 3, 4}, new float[] {1, 2, 3, 4}, new float[] {1f, 2f, 3f, 4f}, 0);
        assertFalse(new ObjectMapper().readTree(whole).has("missing"));
    }
}
