package io.latentstream.topology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.latentstream.codec.DeadLetterReason;
import io.latentstream.codec.LatentFrame;
import io.latentstream.config.AppConfig;
import io.latentstream.config.ConfigLoader;
import io.latentstream.model.FastScorer;
import io.latentstream.ops.Meters;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The production topology under TopologyTestDriver. */
class ScoringTopologyTest {
    static final ObjectMapper JSON = new ObjectMapper();
    TopologyTestDriver driver;
    Meters meters;
    SimpleMeterRegistry registry;

    static AppConfig config(Map<String, String> extra) {
        Map<String, String> m = new HashMap<>(Map.of("samples.fraction", "0.5"));
        m.putAll(extra);
        return ConfigLoader.load(null, Map.of(), m);
    }

    TestInputTopic<byte[], byte[]> start(AppConfig cfg) {
        registry = new SimpleMeterRegistry();
        meters = new Meters(registry);
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "never-contacted:9092"); // TopologyTestDriver needs none
        driver = new TopologyTestDriver(TopologyFactory.build(cfg, new ModelRef(TestModels.goldenScorer()), meters), p);
        return driver.createInputTopic(Topics.from(cfg).input(), new ByteArraySerializer(), new ByteArraySerializer());
    }

    TestOutputTopic<byte[], byte[]> out(AppConfig cfg, String role) {
        Topics t = Topics.from(cfg);
        String name = switch (role) {
            case "latents" -> t.latents();
            case "scores" -> t.scores();
            case "anomalies" -> t.anomalies();
            case "samples" -> t.samples();
            default -> t.dlq();
        };
        return driver.createOutputTopic(name, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
            driver = null;
        }
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] f32(float... v) {
        ByteBuffer buf = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            buf.putFloat(f);
        }
        return buf.array();
    }

    @Test
    void jsonArrayAndObjectAreScored() throws Exception {
        AppConfig cfg = config(Map.of());
        var in = start(cfg);
        in.pipeInput(b("a"), b("[10,10,10,10,10]"));
        in.pipeInput(null, b("{\"features\":[12,8,11,9,10.5],\"context\":\"b\",\"ts\":1767225600000,\"extra\":{\"x\":1}}"));
        List<TestRecord<byte[], byte[]>> scores = out(cfg, "scores").readRecordsToList();
        assertEquals(2, scores.size());
        JsonNode first = JSON.readTree(scores.get(0).value());
        assertEquals("a", first.get("context").asText());
        JsonNode second = JSON.readTree(scores.get(1).value());
        assertEquals(1767225600000L, second.get("ts").asLong());
        assertEquals("b", second.get("context").asText());
        // A numeric id written by LongSerializer: the score record names it in hex, not as NULs and U+FFFD.
        in.pipeInput(new org.apache.kafka.common.serialization.LongSerializer().serialize("t", 129L), b("[10,10,10,10,10]"));
        JsonNode numeric = JSON.readTree(out(cfg, "scores").readRecordsToList().get(0).value());
        assertEquals("0x0000000000000081", numeric.get("key").asText());
        assertEquals("0x0000000000000081", numeric.get("context").asText());
        assertEquals(3, out(cfg, "latents").readRecordsToList().size());
        assertTrue(out(cfg, "dlq").isEmpty());
    }

    @Test
    void contextAndEventTimeComeFromTheFieldsTheSettingsName() throws Exception {
        AppConfig cfg = config(Map.of("input.json.context.field", "device_id", "input.json.ts.field", "time"));
        var in = start(cfg);
        in.pipeInput(null, b("{\"time\":\"2026-01-01T00:00:00Z\",\"device_id\":\"b\",\"features\":[12,8,11,9,10.5]}"));
        JsonNode s = JSON.readTree(out(cfg, "scores").readRecordsToList().get(0).value());
        assertEquals("b", s.get("context").asText());
        assertEquals(1767225600000L, s.get("ts").asLong());
        assertTrue(out(cfg, "dlq").isEmpty());
    }

    /** A value as Confluent's Schema Registry serializers frame it: magic byte 0, 4-byte schema id, payload. */
    static byte[] framed(int schemaId, byte[] payload) {
        return ByteBuffer.allocate(5 + payload.length).put((byte) 0).putInt(schemaId).put(payload).array();
    }

    @Test
    void jsonInSchemaRegistryFramingIsScoredLikePlainJson() throws Exception {
        AppConfig cfg = config(Map.of());
        var in = start(cfg);
        in.pipeInput(b("a"), b("[12,8,11,9,10.5]"));
        in.pipeInput(b("a"), framed(42, b("[12,8,11,9,10.5]")));
        in.pipeInput(b("a"), framed(42, b("{\"features\":[12,8,11,9,10.5],\"ts\":1767225600000}")));
        List<TestRecord<byte[], byte[]>> scores = out(cfg, "scores").readRecordsToList();
        assertEquals(3, scores.size());
        JsonNode plain = JSON.readTree(scores.get(0).value());
        for (int i = 1; i < 3; i++) {
            JsonNode f = JSON.readTree(scores.get(i).value());
            assertEquals(plain.get("score"), f.get("score"));
            assertEquals(plain.get("top_features"), f.get("top_features"));
        }
        assertEquals(1767225600000L, JSON.readTree(scores.get(2).value()).get("ts").asLong());
        assertTrue(out(cfg, "dlq").isEmpty());
        // Avro after the header (a record of one long field, zig-zag varint) is not read: a dead letter that says why.
        byte[] avro = framed(7, new byte[] {0x14});
        in.pipeInput(b("a"), avro);
        List<TestRecord<byte[], byte[]>> dlq = out(cfg, "dlq").readRecordsToList();
        assertEquals(1, dlq.size());
        assertArrayEquals(avro, dlq.get(0).value());
        assertEquals("BAD_JSON", header(dlq.get(0), DeadLetterHeaders.REASON));
        String why = header(dlq.get(0), DeadLetterHeaders.EXCEPTION_MESSAGE);
        assertTrue(why.contains("Schema Registry framing (schema id 7)") && why.contains("JSON Schema serializer"), why);
    }

    @Test
    void jsonFieldsNamedAsTheFeaturesScoreLikeTheArray() throws Exception {
        AppConfig cfg = config(Map.of());
        var in = start(cfg);
        List<String> names = TestModels.golden().features();
        float[] x = {12, 8, 11, 9, 10.5f};
        StringBuilder obj = new StringBuilder("{\"site\":\"north\"");
        for (int j = names.size() - 1; j >= 0; j--) { // reversed: order does not matter
            obj.append(",\"").append(names.get(j)).append("\":").append(x[j]);
        }
        in.pipeInput(b("b"), b("[12,8,11,9,10.5]"));
        in.pipeInput(b("b"), b(obj.append('}').toString()));
        in.pipeInput(b("b"), b("{\"" + names.get(0) + "\":12}"));
        List<TestRecord<byte[], byte[]>> scores = out(cfg, "scores").readRecordsToList();
        assertEquals(2, scores.size());
        JsonNode fromArray = JSON.readTree(scores.get(0).value());
        JsonNode fromNames = JSON.readTree(scores.get(1).value());
        assertEquals(fromArray.get("score"), fromNames.get("score"));
        assertEquals(fromArray.get("top_features"), fromNames.get("top_features"));
        List<TestRecord<byte[], byte[]>> latents = out(cfg, "latents").readRecordsToList();
        assertArrayEquals(latents.get(0).value(), latents.get(1).value());
        List<TestRecord<byte[], byte[]>> dlq = out(cfg, "dlq").readRecordsToList();
        assertEquals(1, dlq.size());
        assertEquals("DIM_MISMATCH", header(dlq.get(0), DeadLetterHeaders.REASON));
        assertTrue(header(dlq.get(0), DeadLetterHeaders.EXCEPTION_MESSAGE).contains("missing: " + names.get(1)));
    }

    @Test
    void kafkaConnectJsonEnvelopesScoreLikeTheArray() throws Exception {
        AppConfig cfg = config(Map.of("input.json.context.field", "device_id", "input.json.ts.field", "time"));
        var in = start(cfg);
        List<String> names = TestModels.golden().features();
        float[] x = {12, 8, 11, 9, 10.5f};
        // As an MQTT or JDBC source connector writes them through Connect's JsonConverter (schemas.enable=true).
        var schema = org.apache.kafka.connect.data.SchemaBuilder.struct().name("reading")
                .field("device_id", org.apache.kafka.connect.data.Schema.STRING_SCHEMA)
                .field("time", org.apache.kafka.connect.data.Timestamp.SCHEMA);
        for (String n : names) {
            schema.field(n, org.apache.kafka.connect.data.Schema.FLOAT32_SCHEMA);
        }
        var struct = new org.apache.kafka.connect.data.Struct(schema.build()).put("device_id", "b")
                .put("time", new java.util.Date(1767225600000L));
        for (int j = 0; j < names.size(); j++) {
            struct.put(names.get(j), x[j]);
        }
        var converter = new org.apache.kafka.connect.json.JsonConverter();
        converter.configure(Map.of("converter.type", "value"));
        in.pipeInput(b("b"), b("[12,8,11,9,10.5]"));
        in.pipeInput(null, converter.fromConnectData("sensors", struct.schema(), struct));
        List<TestRecord<byte[], byte[]>> scores = out(cfg, "scores").readRecordsToList();
        assertEquals(2, scores.size());
        JsonNode fromArray = JSON.readTree(scores.get(0).value());
        JsonNode fromConnect = JSON.readTree(scores.get(1).value());
        assertEquals(fromArray.get("score"), fromConnect.get("score"));
        assertEquals(fromArray.get("top_features"), fromConnect.get("top_features"));
        assertEquals("b", fromConnect.get("context").asText());
        assertEquals(1767225600000L, fromConnect.get("ts").asLong());
        // The key through Connect's JsonConverter as key.converter: the entity is its payload, "b".
        var keys = new org.apache.kafka.connect.json.JsonConverter();
        keys.configure(Map.of("converter.type", "key"));
        in.pipeInput(keys.fromConnectData("sensors", org.apache.kafka.connect.data.Schema.STRING_SCHEMA, "b"), b("[12,8,11,9,10.5]"));
        JsonNode keyed = JSON.readTree(out(cfg, "scores").readRecordsToList().get(0).value());
        assertEquals("b", keyed.get("key").asText());
        assertEquals("b", keyed.get("context").asText());
        assertEquals(fromArray.get("score"), keyed.get("score"));
        assertTrue(out(cfg, "dlq").isEmpty());
    }

    @Test
    void csvWithQuotedContextAndF32WithKeyAreScored() {
        AppConfig csv = config(Map.of("input.format", "csv"));
        var in = start(csv);
        in.pipeInput(null, b("\"a\",10,10,10,10,10"));
        in.pipeInput(b("b"), b("12,8,11,9,10.5"));
        assertEquals(2, out(csv, "scores").readRecordsToList().size());
        close();
        AppConfig f32 = config(Map.of("input.format", "f32"));
        var in2 = start(f32);
        in2.pipeInput(b("a"), f32(10, 10, 10, 10, 10));
        assertEquals(1, out(f32, "scores").readRecordsToList().size());
    }

    record Bad(DeadLetterReason reason, String format, byte[] key, byte[] value) {
    }

    static List<Bad> badRecords() {
        return List.of(
                new Bad(DeadLetterReason.BAD_JSON, "json", b("a"), b("{\"features\":[1,2,")),
                new Bad(DeadLetterReason.BAD_JSON, "json", b("a"), b("\"just a string\"")),
                new Bad(DeadLetterReason.BAD_JSON, "json", b("a"), new byte[] {0, 0, 0}), // Schema Registry framing, cut short
                new Bad(DeadLetterReason.BAD_JSON, "json", b("a"), framed(3, b("[1,2,"))),
                new Bad(DeadLetterReason.BAD_CSV, "csv", b("a"), b("1,2,x,4,5")),
                new Bad(DeadLetterReason.F32_ALIGN, "f32", b("a"), new byte[] {1, 2, 3, 4, 5, 6, 7}),
                new Bad(DeadLetterReason.DIM_MISMATCH, "json", b("a"), b("[1,2,3]")),
                new Bad(DeadLetterReason.DIM_MISMATCH, "f32", b("a"), f32(1, 2, 3)),
                new Bad(DeadLetterReason.NON_FINITE, "json", b("a"), b("[1,NaN,3,4,5]")),
                new Bad(DeadLetterReason.NON_FINITE, "f32", b("a"), f32(1, Float.POSITIVE_INFINITY, 3, 4, 5)),
                new Bad(DeadLetterReason.NON_FINITE, "csv", b("a"), b("1,2,Infinity,4,5")),
                new Bad(DeadLetterReason.OVERSIZE, "json", b("a"), b("[1,2,3,4,5" + " ".repeat(100) + "]")),
                new Bad(DeadLetterReason.EMPTY, "json", b("a"), new byte[0]),
                new Bad(DeadLetterReason.EMPTY, "json", b("a"), null),
                new Bad(DeadLetterReason.BAD_CONTEXT, "json", null, b("[1,2,3,4,5]")));
    }

    @Test
    void everyDeadLetterReasonKeepsOriginalBytesAndHeaders() {
        for (Bad bad : badRecords()) {
            AppConfig cfg = config(Map.of("input.format", bad.format(), "input.max.record.bytes", "64"));
            var in = start(cfg);
            TestRecord<byte[], byte[]> rec = new TestRecord<>(bad.key(), bad.value());
            rec.headers().add("trace-id", b("t-1"));
            in.pipeInput(rec);
            List<TestRecord<byte[], byte[]>> dlq = out(cfg, "dlq").readRecordsToList();
            assertEquals(1, dlq.size(), bad.toString());
            TestRecord<byte[], byte[]> d = dlq.get(0);
            assertArrayEquals(bad.key(), d.key(), "key untouched: " + bad.reason());
            assertArrayEquals(bad.value(), d.value(), "value untouched: " + bad.reason());
            assertEquals(bad.reason().name(), header(d, DeadLetterHeaders.REASON), bad.toString());
            assertEquals("io.latentstream.codec.BadRecordException", header(d, DeadLetterHeaders.EXCEPTION_CLASS));
            assertTrue(!header(d, DeadLetterHeaders.EXCEPTION_MESSAGE).isBlank());
            assertEquals(Topics.from(cfg).input(), header(d, DeadLetterHeaders.SOURCE_TOPIC));
            assertEquals("0", header(d, DeadLetterHeaders.SOURCE_OFFSET));
            assertEquals("t-1", header(d, "trace-id"), "original headers are kept");
            assertTrue(out(cfg, "scores").isEmpty() && out(cfg, "latents").isEmpty());
            assertEquals(1, meters.deadLetteredCount(bad.reason()));
            close();
        }
    }

    @Test
    void aDeadLetterOverItsLimitCarriesTheStartOfTheValueAndSaysSo() {
        AppConfig cfg = config(Map.of("input.max.record.bytes", "1024", "dlq.max.record.bytes", "4096"));
        var in = start(cfg);
        byte[] big = new byte[20_000]; // OVERSIZE, and too large for a 4 KiB dead letter
        new java.util.Random(5).nextBytes(big);
        in.pipeInput(b("a"), big);
        in.pipeInput(b("a"), b("[1,2]")); // small: untouched
        List<TestRecord<byte[], byte[]>> dlq = out(cfg, "dlq").readRecordsToList();
        assertEquals(2, dlq.size());
        TestRecord<byte[], byte[]> cut = dlq.get(0);
        assertEquals("OVERSIZE", header(cut, DeadLetterHeaders.REASON));
        assertEquals("true", header(cut, DeadLetterHeaders.VALUE_TRUNCATED));
        assertEquals("20000", header(cut, DeadLetterHeaders.VALUE_BYTES));
        assertArrayEquals(java.util.Arrays.copyOf(big, cut.value().length), cut.value(), "the start of the original");
        int size = cut.key().length + cut.value().length;
        for (Header h : cut.headers()) {
            size += h.key().length() + h.value().length;
        }
        assertTrue(size <= 4096 - ScoringProcessor.FRAMING_BYTES && cut.value().length > 3000, "size " + size);
        assertEquals(null, header(dlq.get(1), DeadLetterHeaders.VALUE_TRUNCATED));
        assertArrayEquals(b("[1,2]"), dlq.get(1).value());
    }

    @Test
    void withInputMissingMaxARecordLackingAFeatureIsScoredOnTheRestAndNotSampled() throws Exception {
        AppConfig cfg = config(Map.of("input.missing.max", "1", "samples.fraction", "1"));
        var in = start(cfg);
        List<String> names = TestModels.golden().features();
        in.pipeInput(b("b"), b("[12,8,11,9,10.5]"));
        in.pipeInput(b("b"), b("{\"" + names.get(0) + "\":12,\"" + names.get(1) + "\":null,\"" + names.get(2) + "\":11,\""
                + names.get(3) + "\":9,\"" + names.get(4) + "\":10.5}"));
        in.pipeInput(b("b"), b("[12,null,11,null,10.5]"));
        List<TestRecord<byte[], byte[]>> scores = out(cfg, "scores").readRecordsToList();
        assertEquals(2, scores.size());
        JsonNode whole = JSON.readTree(scores.get(0).value());
        JsonNode partial = JSON.readTree(scores.get(1).value());
        assertFalse(whole.has("missing"));
        assertEquals(names.get(1), partial.get("missing").get(0).get("name").asText());
        // How well it is imputed is FastScorerImputationTest's (this golden model is tiny and random).
        assertTrue(partial.get("missing").get(0).get("expected").isNumber(), partial.toString());
        for (JsonNode f : partial.get("top_features")) {
            assertNotEquals(names.get(1), f.get("name").asText(), "a missing feature is not a top feature");
        }
        assertEquals(2, out(cfg, "latents").readRecordsToList().size());
        List<TestRecord<byte[], byte[]>> samples = out(cfg, "samples").readRecordsToList();
        assertEquals(1, samples.size(), "only the whole record is sampled for retraining");
        assertArrayEquals(b("[12,8,11,9,10.5]"), samples.get(0).value());
        List<TestRecord<byte[], byte[]>> dlq = out(cfg, "dlq").readRecordsToList();
        assertEquals(1, dlq.size(), "two missing, one allowed");
        assertEquals("DIM_MISMATCH", header(dlq.get(0), DeadLetterHeaders.REASON));
        assertEquals(1.0, registry.get("latentstream.records.imputed").counter().count());
    }

    /** A reading context {@code ctx}'s model reconstructs well: the fixed point of decode(mu(x)), as a JSON array. */
    static float[] normalFor(String ctx) {
        FastScorer sc = TestModels.goldenScorer();
        FastScorer.Scratch s = sc.newScratch();
        int slot = sc.contextSlot(ctx);
        float[] x = {12, 8, 11, 9, 10.5f};
        for (int i = 0; i < 20; i++) {
            sc.score(x, slot, s);
            x = s.expected.clone();
        }
        assertFalse(sc.isAnomaly(sc.score(x, slot, s)), "a normal reading for " + ctx);
        return x;
    }

    static byte[] reading(float[] x, float... deltas) {
        StringBuilder b = new StringBuilder("[");
        for (int j = 0; j < x.length; j++) {
            b.append(j == 0 ? "" : ",").append(x[j] + (j < deltas.length ? deltas[j] : 0));
        }
        return b("" + b.append(']'));
    }

    @Test
    void withScoreStuckReadingsAFeatureHeldByAnEntityFlagsTheRecordWhateverItsScore() throws Exception {
        List<String> names = TestModels.golden().features();
        AppConfig cfg = config(Map.of("score.stuck.readings", "3", "score.stuck.ignore", names.get(4), "samples.fraction", "1"));
        var in = start(cfg);
        float[] a = normalFor("a");
        // Entity a: feature 0 held (and feature 4, ignored) while the others move a little.
        in.pipeInput(b("a"), reading(a, 0, 0.01f, 0.01f, 0.01f));
        in.pipeInput(b("a"), reading(a, 0, 0.02f, -0.01f, 0.02f));
        in.pipeInput(b("b"), reading(normalFor("b"))); // another entity: its own first reading
        in.pipeInput(b("a"), reading(a, 0, -0.01f, 0.02f, -0.01f));
        in.pipeInput(b("a"), reading(a, 0.01f, 0.01f, 0.01f, 0.01f));
        List<TestRecord<byte[], byte[]>> scores = out(cfg, "scores").readRecordsToList();
        assertEquals(5, scores.size());
        for (int i : new int[] {0, 1, 2, 4}) {
            JsonNode s = JSON.readTree(scores.get(i).value());
            assertFalse(s.has("stuck"), s.toString());
            assertFalse(s.get("anomaly").asBoolean(), i + ": " + s);
        }
        JsonNode stuck = JSON.readTree(scores.get(3).value());
        assertTrue(stuck.get("score").asDouble() <= stuck.get("threshold").asDouble(), stuck.toString());
        assertTrue(stuck.get("anomaly").asBoolean(), "flagged for the stuck feature: " + stuck);
        assertEquals(1, stuck.get("stuck").size(), "the ignored feature is not listed: " + stuck);
        assertEquals(names.get(0), stuck.get("stuck").get(0).get("name").asText());
        assertEquals(a[0], stuck.get("stuck").get(0).get("value").floatValue());
        assertEquals(3, stuck.get("stuck").get(0).get("readings").asInt());
        List<TestRecord<byte[], byte[]>> anomalies = out(cfg, "anomalies").readRecordsToList();
        assertEquals(1, anomalies.size());
        assertArrayEquals(scores.get(3).value(), anomalies.get(0).value());
        assertEquals("stuck", header(anomalies.get(0), DeadLetterHeaders.FLAGGED_BY), "marked for the drift watch");
        assertEquals(null, scores.get(3).headers().lastHeader(DeadLetterHeaders.FLAGGED_BY), "only the anomaly record is marked");
        List<TestRecord<byte[], byte[]>> samples = out(cfg, "samples").readRecordsToList();
        assertEquals(List.of("false", "false", "false", "true", "false"),
                samples.stream().map(r -> header(r, DeadLetterHeaders.ANOMALY)).toList(), "a stuck reading is not trained as normal");
        assertEquals(1.0, registry.get("latentstream.records.stuck").counter().count());
        assertEquals(0.0, registry.get("latentstream.anomalies").counter().count(), "the model's own flags, which a stuck one is not");
    }

    @Test
    void aStuckIgnoreNameTheModelLacksFailsTheStartNamingTheKey() {
        AppConfig cfg = config(Map.of("score.stuck.readings", "3", "score.stuck.ignore", "no_such_feature"));
        io.latentstream.config.ConfigError e = assertThrows(io.latentstream.config.ConfigError.class,
                () -> io.latentstream.config.Settings.stuckIgnore(cfg, TestModels.golden().features()));
        assertTrue(e.getMessage().contains("score.stuck.ignore") && e.getMessage().contains("no_such_feature"), e.getMessage());
        io.latentstream.config.ConfigError bad = assertThrows(io.latentstream.config.ConfigError.class,
                () -> config(Map.of("score.stuck.readings", "1")));
        assertTrue(bad.getMessage().contains("score.stuck.readings"), bad.getMessage());
    }

    @Test
    void aGoodInputTooLargeToCopyIsScoredButNotSampled() {
        AppConfig cfg = config(Map.of("samples.fraction", "1", "dlq.max.record.bytes", "4096"));
        var in = start(cfg);
        String padded = "{\"features\":[10,10,10,10,10],\"note\":\"" + "x".repeat(5000) + "\"}"; // valid, 5 KB
        in.pipeInput(b("a"), b(padded));
        in.pipeInput(b("a"), b("[10,10,10,10,10]"));
        assertEquals(2, out(cfg, "latents").readRecordsToList().size(), "both scored");
        List<TestRecord<byte[], byte[]>> samples = out(cfg, "samples").readRecordsToList();
        assertEquals(1, samples.size(), "only the small one copied");
        assertArrayEquals(b("[10,10,10,10,10]"), samples.get(0).value());
    }

    static String header(TestRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Test
    void everyInputIsScoredOrDeadLetteredExactlyOnce() throws Exception {
        AppConfig cfg = config(Map.of("input.max.record.bytes", "64"));
        var in = start(cfg);
        java.util.Random rnd = new java.util.Random(1);
        List<Bad> bads = badRecords().stream().filter(x -> x.format().equals("json")).toList();
        int n = 500;
        int expectedBad = 0;
        for (int i = 0; i < n; i++) {
            if (i % 7 == 0) {
                Bad bad = bads.get(i % bads.size());
                in.pipeInput(bad.key(), bad.value());
                expectedBad++;
            } else {
                in.pipeInput(b("abc".substring(i % 3, i % 3 + 1)), b(String.format(java.util.Locale.ROOT, "[%f,%f,%f,%f,%f]",
                        10 + rnd.nextGaussian(), 10 + rnd.nextGaussian(), 10 + rnd.nextGaussian(), 10 + rnd.nextGaussian(), 10 + rnd.nextGaussian())));
            }
        }
        List<TestRecord<byte[], byte[]>> scores = out(cfg, "scores").readRecordsToList();
        List<TestRecord<byte[], byte[]>> dlq = out(cfg, "dlq").readRecordsToList();
        List<TestRecord<byte[], byte[]>> latents = out(cfg, "latents").readRecordsToList();
        assertEquals(n, scores.size() + dlq.size());
        assertEquals(expectedBad, dlq.size());
        assertEquals(scores.size(), latents.size());
        java.util.Set<Long> offsets = new java.util.HashSet<>();
        for (var s : scores) {
            assertTrue(offsets.add(JSON.readTree(s.value()).get("source").get("offset").asLong()));
        }
        for (var d : dlq) {
            assertTrue(offsets.add(Long.parseLong(header(d, DeadLetterHeaders.SOURCE_OFFSET))));
        }
        assertEquals(n, offsets.size(), "each input offset exactly once");
        int anomalies = out(cfg, "anomalies").readRecordsToList().size();
        List<TestRecord<byte[], byte[]>> sampleRecords = out(cfg, "samples").readRecordsToList();
        assertEquals(meters.anomalyCount(), anomalies);
        assertTrue(sampleRecords.size() > 0 && sampleRecords.size() <= scores.size());
        for (var smp : sampleRecords) {
            String flag = header(smp, DeadLetterHeaders.ANOMALY);
            assertTrue("true".equals(flag) || "false".equals(flag), "samples say whether they were flagged");
            assertEquals("json", header(smp, DeadLetterHeaders.FORMAT));
        }
    }

    @Test
    void scoreRecordSchema() throws Exception {
        AppConfig cfg = config(Map.of("score.top.features", "2"));
        var in = start(cfg);
        in.pipeInput(new TestRecord<>(b("a"), b("[0,20,-5,15,3]"), java.time.Instant.ofEpochMilli(1000)));
        JsonNode s = JSON.readTree(out(cfg, "scores").readValue());
        for (String f : List.of("score", "threshold", "anomaly", "model_version", "ts", "source", "key", "context", "top_features")) {
            assertTrue(s.has(f), "missing " + f + " in " + s);
        }
        assertTrue(s.get("score").isNumber() && s.get("anomaly").isBoolean());
        assertEquals(TestModels.golden().version(), s.get("model_version").asLong());
        assertEquals(1000, s.get("ts").asLong());
        JsonNode top = s.get("top_features");
        assertEquals(2, top.size());
        assertTrue(top.get(0).get("contribution").asDouble() >= top.get(1).get("contribution").asDouble());
        for (JsonNode f : top) {
            assertTrue(f.has("name") && f.has("observed") && f.has("expected"));
        }
        assertTrue(s.get("anomaly").asBoolean(), "this wild record should be flagged");
        assertEquals(1, out(cfg, "anomalies").readRecordsToList().size());
    }

    /** scores.enabled=false: no score per record, the same frames, and the flagged records' JSON exactly as with scores on. */
    @Test
    void withScoresOffOnlyFlaggedRecordsGetAScoreRecord() {
        List<byte[]> values = new ArrayList<>();
        java.util.Random rnd = new java.util.Random(3);
        for (int i = 0; i < 200; i++) {
            double spread = i % 10 == 0 ? 8 : 1; // every tenth record wild, most of those flagged
            values.add(b(String.format(java.util.Locale.ROOT, "[%f,%f,%f,%f,%f]", 10 + spread * rnd.nextGaussian(),
                    10 + spread * rnd.nextGaussian(), 10 + spread * rnd.nextGaussian(), 10 + spread * rnd.nextGaussian(),
                    10 + spread * rnd.nextGaussian())));
        }
        Map<String, List<TestRecord<byte[], byte[]>>> on = new HashMap<>();
        Map<String, List<TestRecord<byte[], byte[]>>> off = new HashMap<>();
        for (Map<String, List<TestRecord<byte[], byte[]>>> outputs : List.of(on, off)) {
            AppConfig cfg = config(Map.of("scores.enabled", Boolean.toString(outputs == on)));
            var in = start(cfg);
            for (int i = 0; i < values.size(); i++) { // fixed timestamps: "ts" must not differ between the two runs
                in.pipeInput(new TestRecord<>(b("k"), values.get(i), java.time.Instant.ofEpochMilli(1000 + i)));
            }
            for (String role : List.of("latents", "scores", "anomalies", "samples", "dlq")) {
                outputs.put(role, out(cfg, role).readRecordsToList());
            }
            assertEquals(meters.anomalyCount(), outputs.get("anomalies").size());
            close();
        }
        assertEquals(200, on.get("scores").size());
        assertEquals(List.of(), off.get("scores"));
        assertEquals(200, off.get("latents").size());
        assertTrue(off.get("anomalies").size() >= 5 && off.get("anomalies").size() < 40, "flagged: " + off.get("anomalies").size());
        for (String role : List.of("latents", "anomalies", "samples")) {
            assertEquals(on.get(role).size(), off.get(role).size(), role);
            for (int i = 0; i < on.get(role).size(); i++) {
                assertArrayEquals(on.get(role).get(i).value(), off.get(role).get(i).value(), role + " " + i);
                assertEquals(on.get(role).get(i).headers(), off.get(role).get(i).headers(), role + " " + i);
            }
        }
        assertEquals(List.of(), off.get("dlq"));
    }

    @Test
    void framesCarryTheLatentAndModelVersion() throws Exception {
        for (String enc : List.of("f32", "f16", "i8")) {
            AppConfig cfg = config(Map.of("latent.encoding", enc));
            var in = start(cfg);
            in.pipeInput(b("a"), b("[12,8,11,9,10.5]"));
            byte[] frame = out(cfg, "latents").readValue();
            LatentFrame.Decoded d = LatentFrame.decode(frame, 0);
            FastScorer s = TestModels.goldenScorer();
            FastScorer.Scratch scratch = s.newScratch();
            s.score(new float[] {12, 8, 11, 9, 10.5f}, s.contextSlot("a"), scratch);
            assertEquals(s.version(), d.modelVersion());
            float max = 0;
            for (float v : scratch.latent) {
                max = Math.max(max, Math.abs(v));
            }
            for (int i = 0; i < scratch.latent.length; i++) {
                double tol = enc.equals("f32") ? 0 : enc.equals("f16") ? Math.abs(scratch.latent[i]) / 2048 + 1e-7 : max / 254 + 1e-7;
                assertEquals(scratch.latent[i], d.values()[i], tol, enc);
            }
            close();
        }
    }

    /** The topology description is checked in; regenerate with -Dtopology.write=true when it changes on purpose. */
    @Test
    void checkedInTopologyDescriptionMatches() throws Exception {
        String described = TopologyFactory.build(config(Map.of()), new ModelRef(), new Meters(new SimpleMeterRegistry()))
                .describe().toString().strip() + "\n";
        Path file = Path.of("topology/topology.txt");
        if (Boolean.getBoolean("topology.write")) {
            Files.writeString(file, described);
        }
        assertEquals(Files.readString(file), described,
                "topology/topology.txt is out of date: run mvn test -Dtest=ScoringTopologyTest -Dtopology.write=true");
    }

    static List<Float> floats(float[] a) {
        List<Float> l = new ArrayList<>();
        for (float f : a) {
            l.add(f);
        }
        return l;
    }
}
