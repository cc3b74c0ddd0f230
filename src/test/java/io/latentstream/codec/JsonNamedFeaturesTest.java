package io.latentstream.codec;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** JSON objects with one field per feature, named as the model's features, in any order. */
class JsonNamedFeaturesTest {
    private final RecordParser parser = new RecordParser(InputFormat.JSON, List.of("temp", "rpm", "vibration"), 4096, false);

    private ParsedRecord parse(String json) throws BadRecordException {
        return parser.parse("pump-7".getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8));
    }

    private BadRecordException refused(String json) {
        return assertThrows(BadRecordException.class, () -> parse(json));
    }

    @Test
    void fieldsFillTheirFeatureSlotsInAnyOrderBesideOtherFields() throws Exception {
        ParsedRecord r = parse("{\"site\":\"north\",\"vibration\":0.25,\"ts\":1767225600000,\"temp\":61.5,"
                + "\"tags\":{\"rpm\":1},\"rpm\":1500,\"context\":\"pump-9\"}");
        assertEquals(3, r.dim);
        assertArrayEquals(new float[] {61.5f, 1500f, 0.25f}, r.features);
        assertEquals("pump-9", r.context);
        assertEquals(1767225600000L, r.timestamp);
        ParsedRecord again = parse("{\"rpm\":1,\"temp\":2,\"vibration\":3}"); // the next record does not see the last one's fields
        assertArrayEquals(new float[] {2f, 1f, 3f}, again.features);
        assertEquals("pump-7", again.context, "no context field: the record key");
    }

    @Test
    void contextAndEventTimeFieldsCanHaveTheProducersNames() throws Exception {
        RecordParser named = new RecordParser(InputFormat.JSON, List.of("temp", "rpm", "vibration"), 4096, true,
                new JsonFields("device_id", "time"));
        ParsedRecord r = named.parse(null, ("{\"device_id\":\"pump-3\",\"time\":\"2026-01-01T00:00:00Z\",\"temp\":61.5,"
                + "\"rpm\":1500,\"vibration\":0.25,\"context\":\"not this\",\"ts\":1}").getBytes(StandardCharsets.UTF_8));
        assertEquals("pump-3", r.context);
        assertEquals(1_767_225_600_000L, r.timestamp);
        assertArrayEquals(new float[] {61.5f, 1500f, 0.25f}, r.features);
        // Without its context field and without a key, a record for a conditional model is still a BAD_CONTEXT dead letter.
        BadRecordException e = assertThrows(BadRecordException.class, () -> named.parse(null,
                "{\"temp\":1,\"rpm\":2,\"vibration\":3,\"context\":\"pump-3\"}".getBytes(StandardCharsets.UTF_8)));
        assertEquals(DeadLetterReason.BAD_CONTEXT, e.reason());
        e = assertThrows(BadRecordException.class, () -> named.parse(null,
                "{\"device_id\":\"p\",\"time\":\"noon\",\"temp\":1,\"rpm\":2,\"vibration\":3}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().startsWith("\"time\" 'noon' is neither epoch milliseconds"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new JsonFields("id", "id"));
        assertThrows(IllegalArgumentException.class, () -> new JsonFields("features", "ts"));
    }

    @Test
    void aFeaturesArrayWinsOverNamedFields() throws Exception {
        assertArrayEquals(new float[] {1f, 2f, 3f}, parse("{\"temp\":9,\"features\":[1,2,3],\"rpm\":9}").features);
        assertArrayEquals(new float[] {1f, 2f, 3f}, parse("{\"temp\":null,\"rpm\":{\"x\":1},\"features\":[1,2,3]}").features,
                "named fields, bad ones too, do not matter beside the array");
    }

    @Test
    void aMissingOrRepeatedOrNonNumericFeatureIsADeadLetterWithItsName() {
        BadRecordException missing = refused("{\"temp\":61.5,\"other\":1}");
        assertEquals(DeadLetterReason.DIM_MISMATCH, missing.reason());
        assertTrue(missing.getMessage().contains("got 1 of the model's 3 features; missing: rpm, vibration"), missing.getMessage());
        BadRecordException twice = refused("{\"temp\":1,\"rpm\":2,\"temp\":3,\"vibration\":4}");
        assertEquals(DeadLetterReason.BAD_JSON, twice.reason());
        assertTrue(twice.getMessage().contains("\"temp\" appears twice"), twice.getMessage());
        assertEquals(DeadLetterReason.NON_FINITE, refused("{\"temp\":null,\"rpm\":2,\"vibration\":4}").reason());
        assertEquals(DeadLetterReason.NON_FINITE, refused("{\"temp\":\"NaN\",\"rpm\":2,\"vibration\":4}").reason());
        assertEquals(DeadLetterReason.NON_FINITE, refused("{\"temp\":1e60,\"rpm\":2,\"vibration\":4}").reason());
        assertEquals(DeadLetterReason.BAD_JSON, refused("{\"temp\":[1],\"rpm\":2,\"vibration\":4}").reason());
        assertArrayEquals(new float[] {61.5f, 2f, 4f}, assertDoesNotThrow(() -> parse("{\"temp\":\"61.5\",\"rpm\":\"2\",\"vibration\":4}"))
                .features, "numbers as JSON strings, as Debezium writes decimals in string mode");
        BadRecordException text = refused("{\"temp\":\"hot\",\"rpm\":2,\"vibration\":4}");
        assertEquals(DeadLetterReason.BAD_JSON, text.reason());
        assertTrue(text.getMessage().contains("\"temp\" is not a number"), text.getMessage());
        BadRecordException none = refused("{\"site\":\"north\"}");
        assertEquals(DeadLetterReason.BAD_JSON, none.reason());
        assertTrue(none.getMessage().contains("no field named as a model feature (temp, rpm, vibration)"), none.getMessage());
    }

    @Test
    void aParserWithoutNamesKeepsAskingForTheArray() {
        RecordParser plain = new RecordParser(InputFormat.JSON, 3, 4096, false);
        BadRecordException e = assertThrows(BadRecordException.class,
                () -> plain.parse(null, "{\"temp\":1,\"rpm\":2,\"vibration\":3}".getBytes(StandardCharsets.UTF_8)));
        assertEquals("object has no \"features\" array", e.getMessage());
    }
}
