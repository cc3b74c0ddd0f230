package io.latentstream.codec;

import org.apache.kafka.common.serialization.IntegerSerializer;
import org.apache.kafka.common.serialization.LongSerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Record keys as entity ids: text keys as they are, binary ones (numeric ids) one text per byte sequence. */
class RecordKeysTest {
    @Test
    void textKeysStayAsTheyAre() {
        StringSerializer s = new StringSerializer();
        for (String k : new String[] {"pump-7", "Pumpe Ä-3", "ポンプ", "", "a b,c\"d"}) {
            assertEquals(k, RecordKeys.text(s.serialize("t", k)));
        }
        assertNull(RecordKeys.text(null));
    }

    @Test
    void numericKeysAreDistinctHexNotReplacementCharacters() {
        LongSerializer longs = new LongSerializer();
        // As UTF-8 text, 128 and 129 both read "\0\0\0\0\0\0\0\uFFFD": one entity where there are two.
        assertEquals(new String(longs.serialize("t", 128L), java.nio.charset.StandardCharsets.UTF_8),
                new String(longs.serialize("t", 129L), java.nio.charset.StandardCharsets.UTF_8));
        assertEquals("0x0000000000000080", RecordKeys.text(longs.serialize("t", 128L)));
        assertEquals("0x0000000000000081", RecordKeys.text(longs.serialize("t", 129L)));
        assertEquals("0x00000041", RecordKeys.text(new IntegerSerializer().serialize("t", 65)), "valid UTF-8, but control characters");
        Set<String> seen = new HashSet<>();
        for (long id = 0; id < 5000; id++) {
            seen.add(RecordKeys.text(longs.serialize("t", id)));
        }
        assertEquals(5000, seen.size(), "one entity per id");
    }

    @Test
    void keysFromKafkaConnectsJsonConverterAreTheirPayload() {
        org.apache.kafka.connect.json.JsonConverter keys = new org.apache.kafka.connect.json.JsonConverter();
        keys.configure(java.util.Map.of("converter.type", "key")); // schemas.enable=true, its default
        org.apache.kafka.connect.data.Schema str = org.apache.kafka.connect.data.Schema.STRING_SCHEMA;
        byte[] pump = keys.fromConnectData("t", str, "pump-7");
        assertEquals("{\"schema\":{\"type\":\"string\",\"optional\":false},\"payload\":\"pump-7\"}",
                new String(pump, java.nio.charset.StandardCharsets.UTF_8));
        assertEquals("pump-7", RecordKeys.text(pump), "the same entity as a StringSerializer key");
        assertEquals("Pumpe Ä-3", RecordKeys.text(keys.fromConnectData("t", str, "Pumpe Ä-3")), "a non-ASCII payload too");
        assertEquals("129", RecordKeys.text(keys.fromConnectData("t", org.apache.kafka.connect.data.Schema.INT64_SCHEMA, 129L)));
        org.apache.kafka.connect.data.Schema idSchema = org.apache.kafka.connect.data.SchemaBuilder.struct()
                .field("id", org.apache.kafka.connect.data.Schema.INT32_SCHEMA).build();
        assertEquals("{\"id\":7}", RecordKeys.text(keys.fromConnectData("t", idSchema,
                new org.apache.kafka.connect.data.Struct(idSchema).put("id", 7))), "a JDBC source's key struct");
        // Text that only starts like an envelope stays as it is.
        for (String k : new String[] {"{\"schema\":1", "{\"schema\":1,\"payload\":2,\"x\":3}", "{\"schema\":1,\"payload\":null}"}) {
            assertEquals(k, RecordKeys.text(k.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
    }

    @Test
    void theParserTakesTheSameTextAsTheContext() throws Exception {
        RecordParser p = new RecordParser(InputFormat.JSON, 2, 1024, true);
        LongSerializer longs = new LongSerializer();
        String a = p.parse(longs.serialize("t", 128L), "[1,2]".getBytes(java.nio.charset.StandardCharsets.UTF_8)).context;
        String b = p.parse(longs.serialize("t", 129L), "[1,2]".getBytes(java.nio.charset.StandardCharsets.UTF_8)).context;
        assertNotEquals(a, b);
        assertEquals("0x0000000000000081", b);
    }
}
