package io.latentstream.codec;

import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.json.JsonConverter;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Values as Kafka Connect's JsonConverter writes them with schemas.enable=true, its default (an MQTT
 * or JDBC source connector feeding the input topic): {"schema":{...},"payload":{...}}. The bytes
 * come from Connect's own converter, not from a hand-written imitation.
 */
class ConnectEnvelopeTest {
    private static final Schema READING = SchemaBuilder.struct().name("reading")
            .field("device_id", Schema.STRING_SCHEMA)
            .field("time", Timestamp.SCHEMA)
            .field("temp", Schema.FLOAT64_SCHEMA)
            .field("rpm", Schema.INT32_SCHEMA)
            .field("vibration", Schema.FLOAT32_SCHEMA)
            .field("site", Schema.OPTIONAL_STRING_SCHEMA)
            .build();

    private static JsonConverter converter(Map<String, String> extra) {
        JsonConverter c = new JsonConverter();
        Map<String, Object> config = new java.util.HashMap<>(Map.of("converter.type", "value"));
        config.putAll(extra);
        c.configure(config);
        return c;
    }

    private static byte[] envelope(Schema schema, Object value, Map<String, String> extra) {
        byte[] bytes = converter(extra).fromConnectData("sensors", schema, value);
        assertTrue(new String(bytes, StandardCharsets.UTF_8).startsWith("{\"schema\":"), "Connect's envelope");
        return bytes;
    }

    private final RecordParser parser = new RecordParser(InputFormat.JSON, List.of("temp", "rpm", "vibration"), 4096, true,
            new JsonFields("device_id", "time"));

    @Test
    void aStructPayloadIsTheRecordWithItsContextAndEventTime() throws Exception {
        Struct s = new Struct(READING).put("device_id", "pump-3").put("time", new Date(1_767_225_600_000L))
                .put("temp", 61.5).put("rpm", 1500).put("vibration", 0.25f).put("site", "north");
        ParsedRecord r = parser.parse(null, envelope(READING, s, Map.of()));
        assertArrayEquals(new float[] {61.5f, 1500f, 0.25f}, r.features);
        assertEquals("pump-3", r.context);
        assertEquals(1_767_225_600_000L, r.timestamp);
    }

    @Test
    void anArrayPayloadIsTheFeatures() throws Exception {
        Schema array = SchemaBuilder.array(Schema.FLOAT32_SCHEMA).build();
        RecordParser plain = new RecordParser(InputFormat.JSON, 3, 4096, false);
        ParsedRecord r = plain.parse("pump-1".getBytes(StandardCharsets.UTF_8), envelope(array, List.of(1f, 2.5f, -3f), Map.of()));
        assertArrayEquals(new float[] {1f, 2.5f, -3f}, r.features);
        assertEquals("pump-1", r.context);
    }

    @Test
    void aDecimalColumnAsConnectWritesItByDefaultIsADeadLetterSayingWhatToSet() throws Exception {
        Schema decimal = Decimal.schema(2);
        Schema withDecimal = SchemaBuilder.struct().name("reading")
                .field("device_id", Schema.STRING_SCHEMA).field("temp", decimal)
                .field("rpm", Schema.INT32_SCHEMA).field("vibration", Schema.FLOAT32_SCHEMA).build();
        Struct s = new Struct(withDecimal).put("device_id", "pump-3").put("temp", new BigDecimal("61.50"))
                .put("rpm", 1500).put("vibration", 0.25f);
        // Default decimal.format=BASE64: the value is base64 text.
        BadRecordException e = assertThrows(BadRecordException.class, () -> parser.parse(null, envelope(withDecimal, s, Map.of())));
        assertEquals(DeadLetterReason.BAD_JSON, e.reason());
        assertTrue(e.getMessage().contains("\"temp\" is not a number (a Kafka Connect Decimal? set decimal.format=NUMERIC"),
                e.getMessage());
        // Base64 that happens to be all digits ("1234" is 0xD76DF8: unscaled -2658824, -26588.24) is not read as 1234:
        // the envelope's schema declares a Decimal.
        Struct digits = new Struct(withDecimal).put("device_id", "pump-3").put("temp", new BigDecimal("-26588.24"))
                .put("rpm", 1500).put("vibration", 0.25f);
        byte[] allDigits = envelope(withDecimal, digits, Map.of());
        assertTrue(new String(allDigits, StandardCharsets.UTF_8).contains("\"temp\":\"1234\""), new String(allDigits, StandardCharsets.UTF_8));
        e = assertThrows(BadRecordException.class, () -> parser.parse(null, allDigits));
        assertTrue(e.getMessage().contains("a Kafka Connect Decimal?"), e.getMessage());
        assertArrayEquals(new float[] {1f, 2f, 3f}, parser.parse(null, "{\"device_id\":\"p\",\"temp\":\"1\",\"rpm\":\"2\",\"vibration\":\"3\"}"
                .getBytes(StandardCharsets.UTF_8)).features, "the next record, without an envelope, reads number text again");
        // decimal.format=NUMERIC writes it as a number, which is read.
        ParsedRecord r = parser.parse(null, envelope(withDecimal, s, Map.of("decimal.format", "NUMERIC")));
        assertArrayEquals(new float[] {61.5f, 1500f, 0.25f}, r.features);
        // Debezium's decimal.handling.mode=string: a string column holding the number's text, which is read.
        Schema withText = SchemaBuilder.struct().name("reading")
                .field("device_id", Schema.STRING_SCHEMA).field("temp", Schema.STRING_SCHEMA)
                .field("rpm", Schema.INT32_SCHEMA).field("vibration", Schema.FLOAT32_SCHEMA).build();
        Struct t = new Struct(withText).put("device_id", "pump-3").put("temp", "61.50").put("rpm", 1500).put("vibration", 0.25f);
        assertArrayEquals(new float[] {61.5f, 1500f, 0.25f}, parser.parse(null, envelope(withText, t, Map.of())).features);
    }

    @Test
    void withoutTheSchemaFieldFirstAPayloadFieldIsAnOrdinaryIgnoredField() throws Exception {
        RecordParser named = new RecordParser(InputFormat.JSON, List.of("temp", "rpm", "vibration"), 4096, false);
        ParsedRecord r = named.parse(null, ("{\"temp\":1,\"rpm\":2,\"vibration\":3,\"payload\":{\"temp\":9,\"rpm\":9,\"vibration\":9}}")
                .getBytes(StandardCharsets.UTF_8));
        assertArrayEquals(new float[] {1f, 2f, 3f}, r.features);
        BadRecordException e = assertThrows(BadRecordException.class, () -> named.parse(null,
                "{\"payload\":{\"temp\":9,\"rpm\":9,\"vibration\":9}}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().startsWith("object has no \"features\" array"), e.getMessage());
        // schemas.enable=false (no envelope) is a plain object, as before.
        Struct s = new Struct(READING).put("device_id", "pump-3").put("time", new Date(5L))
                .put("temp", 61.5).put("rpm", 1500).put("vibration", 0.25f);
        byte[] bare = converter(Map.of("schemas.enable", "false")).fromConnectData("sensors", READING, s);
        assertArrayEquals(new float[] {61.5f, 1500f, 0.25f}, parser.parse(null, bare).features);
        // An envelope whose payload is null (a null value with a schema) names the envelope.
        e = assertThrows(BadRecordException.class, () -> named.parse(null,
                "{\"schema\":{\"type\":\"struct\"},\"payload\":null}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().startsWith("the Kafka Connect envelope's payload has no \"features\" array"), e.getMessage());
    }
}
