package io.latentstream.topology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.latentstream.cli.CliTest;
import io.latentstream.codec.DeadLetterReason;
import io.latentstream.config.AppConfig;
import io.latentstream.config.ConfigLoader;
import io.latentstream.ops.EmbeddedKafka;
import io.latentstream.ops.Meters;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The processor on a real broker under exactly_once_v2: every good input offset has exactly one
 * score and one latent frame, every bad one exactly one dead letter with the right reason, and
 * nothing else, as seen by a read_committed consumer.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ProcessorIT {
    static EmbeddedKafka kafka;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafka.startTemporary();
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    record Input(int partition, long offset, DeadLetterReason bad) {
    }

    @Test
    void json10kWithFivePercentBadOfEveryClass() throws Exception {
        audit("json", 10_000, List.of(DeadLetterReason.BAD_JSON, DeadLetterReason.DIM_MISMATCH, DeadLetterReason.NON_FINITE,
                DeadLetterReason.OVERSIZE, DeadLetterReason.EMPTY, DeadLetterReason.BAD_CONTEXT), 0);
    }

    /**
     * With input.missing.max=1, so every 20th input (from the 14th) lacks a reading (an empty csv cell,
     * NaN in f32): scored like the others, with "missing" in its score record; NaN is then no longer
     * a NON_FINITE dead letter, Infinity is.
     */
    @Test
    void csvAndF32WithTheirOwnBadClassesAndMissingReadings() throws Exception {
        audit("csv", 2_000, List.of(DeadLetterReason.BAD_CSV, DeadLetterReason.DIM_MISMATCH, DeadLetterReason.NON_FINITE,
                DeadLetterReason.OVERSIZE, DeadLetterReason.EMPTY, DeadLetterReason.BAD_CONTEXT), 1);
        audit("f32", 2_000, List.of(DeadLetterReason.F32_ALIGN, DeadLetterReason.DIM_MISMATCH, DeadLetterReason.NON_FINITE,
                DeadLetterReason.OVERSIZE, DeadLetterReason.EMPTY, DeadLetterReason.BAD_CONTEXT), 1);
    }

    /**
     * A bad record larger than the dead-letter topic takes (an input topic allowing 4 MiB records):
     * written whole it would fail the producer on every restart and block its partition; it is
     * dead-lettered with the start of its value, and the records behind it are scored.
     */
    @Test
    void aBadRecordTooLargeForTheDeadLetterTopicDoesNotBlockItsPartition() throws Exception {
        AppConfig cfg = ConfigLoader.load(null, Map.of(), Map.of("topic.prefix", "big", "application.id", "big-app",
                "input.topic", "big-in", "input.format", "json", "kafka.commit.interval.ms", "100"));
        Topics t = Topics.from(cfg);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic("big-in", 1, (short) 1).configs(Map.of("max.message.bytes", "4194304"))))
                    .all().get(30, TimeUnit.SECONDS);
            new TopicApplier(admin, 30_000).apply(TopicPlan.builtIn(), "big", 1, t.input(), false);
        }
        byte[] big = new byte[2 << 20];
        new Random(7).nextBytes(big);
        Random rnd = new Random(8);
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "max.request.size", 4194304), new ByteArraySerializer(), new ByteArraySerializer())) {
            byte[] key = "a".getBytes(StandardCharsets.UTF_8);
            p.send(new ProducerRecord<>("big-in", key, good("json", rnd))).get();
            p.send(new ProducerRecord<>("big-in", key, big)).get();
            p.send(new ProducerRecord<>("big-in", key, good("json", rnd))).get();
            p.send(new ProducerRecord<>("big-in", key, good("json", rnd))).get();
        }
        Meters meters = new Meters(new SimpleMeterRegistry());
        int frames = 0;
        List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
        try (ProcessorRuntime rt = ProcessorRuntime.start(cfg, kafka.bootstrapServers(), new ModelRef(TestModels.goldenScorer()), meters);
             KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                     "isolation.level", "read_committed", "group.id", "audit-big", "auto.offset.reset", "earliest"),
                     new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(t.latents(), t.dlq()));
            for (long deadline = System.currentTimeMillis() + 60_000; (frames < 3 || dead.isEmpty())
                    && System.currentTimeMillis() < deadline; ) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(250))) {
                    if (r.topic().equals(t.dlq())) {
                        dead.add(r);
                    } else {
                        frames++;
                    }
                }
            }
        }
        assertEquals(3, frames, "the records behind the large one are scored");
        assertEquals(1, dead.size());
        ConsumerRecord<byte[], byte[]> d = dead.get(0);
        assertEquals("OVERSIZE", header(d, DeadLetterHeaders.REASON));
        assertEquals("true", header(d, DeadLetterHeaders.VALUE_TRUNCATED));
        assertEquals(Integer.toString(big.length), header(d, DeadLetterHeaders.VALUE_BYTES));
        assertEquals("1", header(d, DeadLetterHeaders.SOURCE_OFFSET));
        assertArrayEquals(java.util.Arrays.copyOf(big, d.value().length), d.value());
        assertTrue(d.value().length > 1_000_000, "as much of it as fits: " + d.value().length);
    }

    /**
     * score.stuck.readings on a real broker: entity a's f0 frozen at 10.25 while its other features move,
     * b's all moving. From a's 5th reading on, its score records list f0 as stuck and every one of them is
     * on the anomalies topic, marked ls.flagged.by=stuck exactly when the score alone would not have
     * flagged it; `status` names the entity.
     */
    @Test
    void aStuckSensorIsFlaggedAndStatusNamesIt() throws Exception {
        String prefix = "stuck";
        AppConfig cfg = ConfigLoader.load(null, Map.of(), Map.of("topic.prefix", prefix, "application.id", prefix + "-app",
                "kafka.commit.interval.ms", "100", "score.stuck.readings", "5"));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            new TopicApplier(admin, 30_000).apply(TopicPlan.builtIn(), prefix, 1, false);
        }
        Topics t = Topics.from(cfg);
        Random rnd = new Random(5);
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 40; i++) {
                String key = i % 2 == 0 ? "a" : "b";
                float[] v = new float[5];
                for (int j = 0; j < 5; j++) {
                    v[j] = (float) (10 + rnd.nextGaussian());
                }
                if (key.equals("a")) {
                    v[0] = 10.25f;
                }
                p.send(new ProducerRecord<>(t.input(), key.equals("a") ? 0 : 1, key.getBytes(StandardCharsets.UTF_8), encode("json", v)));
            }
            p.flush();
        }
        Map<Long, JsonNode> stuckScores = new HashMap<>(); // a's by offset
        Map<Long, Boolean> anomalies = new HashMap<>(); // a's anomaly records by source offset -> marked stuck-only
        int scored = 0;
        ObjectMapper json = new ObjectMapper();
        try (ProcessorRuntime rt = ProcessorRuntime.start(cfg, kafka.bootstrapServers(), new ModelRef(TestModels.goldenScorer()),
                new Meters(new SimpleMeterRegistry()));
             KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                     "isolation.level", "read_committed", "group.id", "audit-" + prefix, "auto.offset.reset", "earliest"),
                     new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(t.scores(), t.anomalies()));
            long deadline = System.currentTimeMillis() + 60_000;
            while ((scored < 40 || !anomalies.keySet().containsAll(stuckScores.keySet())) && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(250))) {
                    JsonNode s = json.readTree(r.value());
                    long offset = s.get("source").get("offset").asLong();
                    if (r.topic().equals(t.scores())) {
                        scored++;
                        if (s.has("stuck")) {
                            assertEquals("a", s.get("key").asText(), s.toString());
                            stuckScores.put(offset, s);
                        }
                    } else if (s.get("key").asText().equals("a")) {
                        boolean marked = r.headers().lastHeader(DeadLetterHeaders.FLAGGED_BY) != null;
                        assertEquals(s.get("score").asDouble() <= s.get("threshold").asDouble(), marked, "marked iff the score did not flag it: " + s);
                        anomalies.put(offset, marked);
                    }
                }
            }
            assertEquals(40, scored);
        }
        assertEquals(java.util.stream.LongStream.range(4, 20).boxed().collect(Collectors.toSet()), stuckScores.keySet(),
                "a's 5th to 20th readings (offsets 4..19 of its partition)");
        for (JsonNode s : stuckScores.values()) {
            assertTrue(s.get("anomaly").asBoolean(), s.toString());
            assertEquals("f0", s.get("stuck").get(0).get("name").asText());
            assertEquals(10.25, s.get("stuck").get(0).get("value").asDouble());
            assertEquals(s.get("source").get("offset").asInt() + 1, s.get("stuck").get(0).get("readings").asInt());
        }
        assertTrue(anomalies.keySet().containsAll(stuckScores.keySet()), "every stuck reading is on the anomalies topic");
        CliTest.Result st = CliTest.run("status", "-b", kafka.bootstrapServers(), "--set", "topic.prefix=" + prefix,
                "--set", "application.id=" + prefix + "-app", "--json");
        JsonNode w = json.readTree(st.out()).get("window");
        assertEquals(16, w.get("stuck").get("by_key").get("a").asLong(), st.out());
        assertEquals(anomalies.values().stream().filter(m -> m).count(), w.get("flagged_for_stuck_only").asLong(), st.out());
        assertTrue(st.out().contains("a sensor stuck: 16 record(s) of 1 key(s) with a feature held at one value (most: a 16;"), st.out());
        System.out.printf(Locale.ROOT, "stuck sensor IT: 16 of a's 20 readings listed f0 as stuck, %d of them flagged for it alone%n",
                anomalies.values().stream().filter(m -> m).count());
    }

    @Test
    void anInputTopicOfYourOwnIsCheckedNotCreated() throws Exception {
        String prefix = "own";
        AppConfig cfg = ConfigLoader.load(null, Map.of(), Map.of("topic.prefix", prefix, "application.id", "own-app",
                "input.topic", "plant7-sensors", "input.format", "json", "kafka.commit.interval.ms", "100"));
        Topics t = Topics.from(cfg);
        Meters meters = new Meters(new SimpleMeterRegistry());
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            TopicApplier applier = new TopicApplier(admin, 30_000);
            TopicApplier.Report missing = applier.apply(TopicPlan.builtIn(), prefix, 1, t.input(), false);
            assertTrue(missing.unfixable(), missing.toString());
            assertEquals(List.of("plant7-sensors"), missing.actions().stream()
                    .filter(a -> a.kind() == TopicApplier.Action.Kind.MISSING).map(TopicApplier.Action::topic).toList());
            var names = admin.listTopics().names().get();
            assertFalse(names.contains("plant7-sensors"), "the user's input topic is not ours to create");
            assertFalse(names.contains("own.raw"), "nothing reads the plan's raw topic when input.topic names another");
            assertTrue(names.contains("own.latents"));

            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> ProcessorRuntime.start(cfg, kafka.bootstrapServers(), new ModelRef(TestModels.goldenScorer()), meters));
            assertTrue(e.getMessage().startsWith("input topic plant7-sensors (input.topic) does not exist"), e.getMessage());

            admin.createTopics(List.of(new NewTopic("plant7-sensors", 2, (short) 1))).all().get();
            // The broker learns of a new topic asynchronously: poll until its metadata shows it.
            TopicApplier.Report present = applier.apply(TopicPlan.builtIn(), prefix, 1, t.input(), false);
            for (int i = 0; i < 100 && present.unfixable(); i++) {
                Thread.sleep(100);
                present = applier.apply(TopicPlan.builtIn(), prefix, 1, t.input(), false);
            }
            assertFalse(present.unfixable(), present.toString());
            assertTrue(present.actions().stream().anyMatch(a -> a.topic().equals("plant7-sensors")
                    && a.kind() == TopicApplier.Action.Kind.OK), present.toString());
        }
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            p.send(new ProducerRecord<>("plant7-sensors", "a".getBytes(StandardCharsets.UTF_8), good("json", new Random(3)))).get();
        }
        try (ProcessorRuntime rt = ProcessorRuntime.start(cfg, kafka.bootstrapServers(), new ModelRef(TestModels.goldenScorer()), meters);
             KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                     "isolation.level", "read_committed", "group.id", "audit-own", "auto.offset.reset", "earliest"),
                     new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(t.latents()));
            int frames = 0;
            for (long deadline = System.currentTimeMillis() + 60_000; frames == 0 && System.currentTimeMillis() < deadline; ) {
                frames += c.poll(Duration.ofMillis(250)).count();
            }
            assertEquals(1, frames, "the record on the user's own input topic is scored");
        }
    }

    /**
     * Produces {@code n} json readings on keys a/b/c, every 20th (from the 4th) broken JSON that the
     * processor dead-letters as BAD_JSON; returns how many are broken. One request in flight: right
     * after the topics are created, a NOT_LEADER retry with several in flight can leave the idempotent
     * producer retrying OUT_OF_ORDER_SEQUENCE for good (seen in StreamsProtocolIT).
     */
    static int produceJsonWithBadOnes(String bootstrap, String topic, int n, long seed) {
        Random rnd = new Random(seed);
        int bad = 0;
        try (org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> p = new org.apache.kafka.clients.producer.KafkaProducer<>(
                Map.of("bootstrap.servers", bootstrap, "linger.ms", 20, "max.in.flight.requests.per.connection", 1),
                new org.apache.kafka.common.serialization.ByteArraySerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            for (int i = 0; i < n; i++) {
                boolean broken = i % 20 == 3;
                bad += broken ? 1 : 0;
                p.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, ("abc".charAt(i % 3) + "").getBytes(StandardCharsets.UTF_8),
                        broken ? "{\"features\":[1,2".getBytes(StandardCharsets.UTF_8) : good("json", rnd)));
            }
        }
        return bad;
    }

    static byte[] good(String format, Random rnd) {
        float[] v = new float[5];
        for (int i = 0; i < 5; i++) {
            v[i] = (float) (10 + rnd.nextGaussian());
        }
        return encode(format, v);
    }

    static byte[] encode(String format, float[] v) {
        if (format.equals("f32")) {
            ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
            for (float f : v) {
                b.putFloat(f);
            }
            return b.array();
        }
        StringBuilder sb = new StringBuilder(format.equals("json") ? "[" : "");
        for (int i = 0; i < v.length; i++) {
            sb.append(i > 0 ? "," : "").append(String.format(Locale.ROOT, "%.4f", v[i]));
        }
        return sb.append(format.equals("json") ? "]" : "").toString().getBytes(StandardCharsets.UTF_8);
    }

    static byte[] bad(String format, DeadLetterReason r, int maxMissing) {
        if (r == DeadLetterReason.NON_FINITE && maxMissing > 0) { // NaN is a missing reading then
            return format.equals("f32") ? encode(format, new float[] {1, Float.POSITIVE_INFINITY, 3, 4, 5})
                    : (format.equals("json") ? "[1,\"Infinity\",3,4,5]" : "1,Infinity,3,4,5").getBytes(StandardCharsets.UTF_8);
        }
        return switch (r) {
            case BAD_JSON -> "{\"features\":[1,2".getBytes(StandardCharsets.UTF_8);
            case BAD_CSV -> "1,2,x,4,5".getBytes(StandardCharsets.UTF_8);
            case F32_ALIGN -> new byte[] {1, 2, 3, 4, 5, 6, 7};
            case DIM_MISMATCH -> encode(format, new float[] {1, 2, 3});
            case NON_FINITE -> format.equals("f32") ? encode(format, new float[] {1, Float.NaN, 3, 4, 5})
                    : (format.equals("json") ? "[1,NaN,3,4,5]" : "1,NaN,3,4,5").getBytes(StandardCharsets.UTF_8);
            case OVERSIZE -> new byte[300];
            case EMPTY -> new byte[0];
            case BAD_CONTEXT -> encode(format, new float[] {10, 10, 10, 10, 10}); // sent without key
            default -> throw new IllegalArgumentException(r.toString());
        };
    }

    void audit(String format, int n, List<DeadLetterReason> classes, int maxMissing) throws Exception {
        String prefix = "it-" + format;
        AppConfig cfg = ConfigLoader.load(null, Map.of(), Map.of("topic.prefix", prefix, "application.id", prefix + "-app",
                "input.format", format, "input.max.record.bytes", "256", "samples.fraction", "0.1",
                "kafka.commit.interval.ms", "100", "input.missing.max", Integer.toString(maxMissing)));
        java.util.Set<String> incomplete = new java.util.HashSet<>();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            new TopicApplier(admin, 30_000).apply(TopicPlan.builtIn(), prefix, 1, false);
        }
        Topics t = Topics.from(cfg);
        Map<String, Input> inputs = new HashMap<>();
        Random rnd = new Random(1);
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "linger.ms", 20, "max.in.flight.requests.per.connection", 1), new ByteArraySerializer(), new ByteArraySerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            List<DeadLetterReason> kinds = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                DeadLetterReason r = i % 20 == 7 ? classes.get((i / 20) % classes.size()) : null;
                byte[] key = r == DeadLetterReason.BAD_CONTEXT ? null : ("abc".charAt(i % 3) + "").getBytes(StandardCharsets.UTF_8);
                byte[] value = r == null ? good(format, rnd) : bad(format, r, maxMissing);
                if (r == null && maxMissing > 0 && i % 20 == 13) {
                    float[] v = {10, 11, 9, 10, 10};
                    v[(i / 20) % 5] = Float.NaN;
                    value = format.equals("csv") ? new String(encode(format, v), StandardCharsets.UTF_8).replace("NaN", "")
                            .getBytes(StandardCharsets.UTF_8) : encode(format, v);
                }
                sent.add(p.send(new ProducerRecord<>(t.input(), i % 6, key, value)));
                kinds.add(r);
            }
            p.flush();
            for (int i = 0; i < n; i++) {
                RecordMetadata md = sent.get(i).get(30, TimeUnit.SECONDS);
                inputs.put(md.partition() + "@" + md.offset(), new Input(md.partition(), md.offset(), kinds.get(i)));
                if (maxMissing > 0 && kinds.get(i) == null && i % 20 == 13) {
                    incomplete.add(md.partition() + "@" + md.offset());
                }
            }
        }
        long expectedBad = inputs.values().stream().filter(in -> in.bad() != null).count();
        assertEquals(n / 20, expectedBad);

        Meters meters = new Meters(new SimpleMeterRegistry());
        long t0 = System.nanoTime();
        Map<String, Integer> scores = new HashMap<>();
        Map<String, Integer> latents = new HashMap<>();
        Map<String, String> dlq = new HashMap<>();
        ObjectMapper scoreJson = new ObjectMapper();
        Map<String, Integer> scoredByKey = new HashMap<>();
        Map<String, Integer> flaggedByKey = new HashMap<>();
        List<Double> scoreValues = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        try (ProcessorRuntime rt = ProcessorRuntime.start(cfg, kafka.bootstrapServers(), new ModelRef(TestModels.goldenScorer()), meters);
             KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                     "isolation.level", "read_committed", "group.id", "audit-" + prefix, "auto.offset.reset", "earliest"),
                     new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(t.scores(), t.latents(), t.dlq()));
            long deadline = System.currentTimeMillis() + 180_000;
            long quietSince = -1;
            while (System.currentTimeMillis() < deadline) {
                var records = c.poll(Duration.ofMillis(250));
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    String pos = header(r, DeadLetterHeaders.SOURCE_PARTITION) + "@" + header(r, DeadLetterHeaders.SOURCE_OFFSET);
                    if (r.topic().equals(t.scores())) {
                        scores.merge(pos, 1, Integer::sum);
                        JsonNode sr = scoreJson.readTree(r.value());
                        if (sr.has("missing") != incomplete.contains(pos)) {
                            problems.add(pos + (sr.has("missing") ? " has" : " lacks") + " \"missing\" in its score record");
                        }
                        scoredByKey.merge(sr.get("key").asText(), 1, Integer::sum);
                        if (sr.get("anomaly").asBoolean()) {
                            flaggedByKey.merge(sr.get("key").asText(), 1, Integer::sum);
                        }
                        scoreValues.add(sr.get("score").asDouble());
                    } else if (r.topic().equals(t.latents())) {
                        latents.merge(pos, 1, Integer::sum);
                    } else if (dlq.put(pos, header(r, DeadLetterHeaders.REASON)) != null) {
                        problems.add("duplicate dead letter " + pos);
                    }
                }
                boolean complete = scores.size() + dlq.size() >= n && latents.size() >= scores.size();
                if (complete && quietSince < 0) {
                    quietSince = System.currentTimeMillis();
                }
                if (quietSince > 0 && System.currentTimeMillis() - quietSince > 2_000) {
                    break; // complete, and 2 s without anything more (no late duplicates)
                }
            }
            if (format.equals("json")) {
                checkStatusCommand(prefix, n, dlq, flaggedByKey, true);
            }
        }
        if (format.equals("json")) {
            checkStatusCommand(prefix, n, dlq, flaggedByKey, false);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        // A clean stop left the consumer group: its partitions are free at once, not after session.timeout.ms (45 s).
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            var group = admin.describeConsumerGroups(List.of(prefix + "-app")).all().get(30, TimeUnit.SECONDS).get(prefix + "-app");
            assertEquals(List.of(), List.copyOf(group.members()), "members left in the group after close");
        }
        long missing = 0;
        long duplicates = 0;
        for (Input in : inputs.values()) {
            String pos = in.partition() + "@" + in.offset();
            if (in.bad() == null) {
                int s = scores.getOrDefault(pos, 0);
                int l = latents.getOrDefault(pos, 0);
                missing += (s == 0 ? 1 : 0) + (l == 0 ? 1 : 0);
                duplicates += Math.max(0, s - 1) + Math.max(0, l - 1);
                if (dlq.containsKey(pos)) {
                    problems.add("good record dead-lettered " + pos + " " + dlq.get(pos));
                }
            } else {
                String reason = dlq.get(pos);
                if (reason == null) {
                    missing++;
                } else if (!reason.equals(in.bad().name())) {
                    problems.add(pos + " dead-lettered as " + reason + ", expected " + in.bad());
                }
                if (scores.containsKey(pos) || latents.containsKey(pos)) {
                    problems.add("bad record scored " + pos);
                }
            }
        }
        long extra = scores.keySet().stream().filter(k -> !inputs.containsKey(k)).count()
                + dlq.keySet().stream().filter(k -> !inputs.containsKey(k)).count();
        System.out.printf(Locale.ROOT, "processor IT %s: inputs %d (bad %d), scores %d, latents %d, dead letters %d, missing %d, "
                + "duplicates %d, extra %d, %.0f records/s end to end (%.1f s incl. start)%n", format, n, expectedBad, scores.size(),
                latents.size(), dlq.size(), missing, duplicates, extra, n / seconds, seconds);
        assertEquals(List.of(), problems);
        assertEquals(0, missing, "missing outputs");
        assertEquals(0, duplicates, "duplicate outputs");
        assertEquals(0, extra, "outputs for offsets that were never produced");
        assertEquals(expectedBad, dlq.size());
        assertTrue(meters.scoredCount() >= n - expectedBad);
        assertEquals(maxMissing > 0 ? n / 20 : 0, incomplete.size());
        checkDlqCommand(prefix, format, inputs, expectedBad, maxMissing);
        checkScoresCommand(prefix, inputs, scoredByKey, flaggedByKey, scoreValues);
    }

    /** `latentstream scores` on what the processor wrote: every score record once, the flagged ones, the filters. */
    void checkScoresCommand(String prefix, Map<String, Input> inputs, Map<String, Integer> scoredByKey,
                            Map<String, Integer> flaggedByKey, List<Double> scoreValues) throws Exception {
        ObjectMapper json = new ObjectMapper();
        int good = (int) inputs.values().stream().filter(in -> in.bad() == null).count();
        CliTest.Result all = CliTest.run("scores", "-b", kafka.bootstrapServers(), "--set", "topic.prefix=" + prefix, "--all", "--json");
        assertEquals(0, all.code(), all.err());
        java.util.Set<String> positions = new java.util.HashSet<>();
        for (String line : all.out().lines().toList()) {
            JsonNode s = json.readTree(line);
            String pos = s.get("source").get("partition").asInt() + "@" + s.get("source").get("offset").asLong();
            assertTrue(inputs.containsKey(pos) && inputs.get(pos).bad() == null, "not a good input: " + line);
            assertTrue(positions.add(pos), "shown twice: " + line);
        }
        assertEquals(good, positions.size(), all.err());
        assertTrue(all.err().contains(String.format(Locale.ROOT, "%,d score record(s) shown from %s.scores", good, prefix)), all.err());

        int flagged = flaggedByKey.values().stream().mapToInt(Integer::intValue).sum();
        CliTest.Result anomalies = CliTest.run("scores", "-b", kafka.bootstrapServers(), "--set", "topic.prefix=" + prefix);
        assertEquals(0, anomalies.code(), anomalies.err());
        assertEquals(flagged, anomalies.out().lines().count(), anomalies.out());
        assertTrue(anomalies.out().lines().allMatch(l -> l.contains(" ANOMALY (threshold ")), anomalies.out());
        assertTrue(anomalies.err().contains(String.format(Locale.ROOT, "%,d score record(s) shown from %s.anomalies (%,d record(s) read)",
                flagged, prefix, flagged)), anomalies.err());

        // One entity, every score of it, and its line in the summary.
        CliTest.Result b = CliTest.run("scores", "-b", kafka.bootstrapServers(), "--set", "topic.prefix=" + prefix, "--all", "--key", "b");
        assertEquals(0, b.code(), b.err());
        assertEquals((long) scoredByKey.get("b"), b.out().lines().count());
        assertTrue(b.out().lines().allMatch(l -> l.contains("Z  b  score ")), b.out());
        int bFlagged = flaggedByKey.getOrDefault("b", 0);
        String bLine = bFlagged == scoredByKey.get("b") ? String.format(Locale.ROOT, "  b: %,d flagged, highest ", bFlagged)
                : String.format(Locale.ROOT, "  b: %,d shown, %,d flagged (", scoredByKey.get("b"), bFlagged);
        assertTrue(b.err().lines().anyMatch(l -> l.startsWith(bLine)), bLine + " not in\n" + b.err());

        // The higher half of the scores, five of them.
        double median = scoreValues.stream().sorted().toList().get(scoreValues.size() / 2);
        CliTest.Result high = CliTest.run("scores", "-b", kafka.bootstrapServers(), "--set", "topic.prefix=" + prefix, "--all",
                "--min-score", Double.toString(median), "--max", "5", "--json");
        assertEquals(0, high.code(), high.err());
        List<String> five = high.out().lines().toList();
        assertEquals(5, five.size(), high.out());
        for (String line : five) {
            assertTrue(json.readTree(line).get("score").asDouble() >= median, line);
        }
        assertTrue(high.err().contains("stopped at --max 5"), high.err());
        System.out.printf(Locale.ROOT, "scores command %s: %d scored, %d flagged (by key %s)%n", prefix, good, flagged, flaggedByKey);
    }

    /**
     * `latentstream status` on a real processor's group and outputs, while it runs and after it stopped: the
     * group, its lag, the window's counts as the processor wrote them, and the problems this run has on purpose
     * (a model given as a file, so none on the models topic; 5% bad inputs; the golden model flags most inputs).
     */
    void checkStatusCommand(String prefix, int n, Map<String, String> dlq, Map<String, Integer> flaggedByKey, boolean running)
            throws Exception {
        CliTest.Result st = CliTest.run("status", "-b", kafka.bootstrapServers(), "--set", "topic.prefix=" + prefix,
                "--set", "application.id=" + prefix + "-app", "--json");
        assertEquals(1, st.code(), st.out() + st.err());
        JsonNode s = new ObjectMapper().readTree(st.out());
        assertEquals("ATTENTION", s.get("status").asText());
        JsonNode processor = s.get("processor");
        assertEquals(prefix + "-app", processor.get("group").asText());
        assertEquals(running ? 1 : 0, processor.get("members").asInt(), st.out());
        assertEquals(0, processor.get("lag").asLong(), st.out()); // everything consumed and committed
        assertEquals(prefix + ".raw", processor.get("topic").asText());
        assertEquals(6, processor.get("lag_by_partition").size());
        assertFalse(s.get("retrainer").get("exists").asBoolean());
        assertTrue(s.get("model").get("active_version").isNull()); // the processor was given its model, not the topic
        JsonNode w = s.get("window");
        assertEquals(n, w.get("inputs").asLong());
        int flagged = flaggedByKey.values().stream().mapToInt(Integer::intValue).sum();
        assertEquals(flagged, w.get("flagged").get("count").asLong());
        flaggedByKey.forEach((k, c) -> assertEquals((long) c, w.get("flagged").get("by_key").get(k).asLong(), k));
        Map<String, Long> reasons = new java.util.TreeMap<>();
        dlq.values().forEach(r -> reasons.merge(r, 1L, Long::sum));
        assertEquals(dlq.size(), w.get("dead_letters").get("count").asLong());
        reasons.forEach((r, c) -> assertEquals(c, w.get("dead_letters").get("by_reason").get(r).asLong(), r));
        assertEquals(0, s.get("transactions").get("hanging").size());
        List<String> problems = new ArrayList<>();
        s.get("problems").forEach(p -> problems.add(p.asText()));
        assertEquals(running ? 2 : 3, problems.size(), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("of the inputs dead-lettered, over 1%")), problems.toString());
        // Without a model on the topic there is no calibrated rate to hold the flagged share against.
        assertTrue(problems.stream().anyMatch(p -> p.startsWith("no active version of model 'default'")), problems.toString());
        if (!running) {
            assertTrue(problems.stream().anyMatch(p -> p.startsWith("no processor is running: group " + prefix + "-app has no members")),
                    problems.toString());
            // The golden model on the topic: the share it flags here is far over 5 x the 1% it is calibrated to.
            java.nio.file.Path bundle = java.nio.file.Files.createTempFile("golden", ".lsb");
            io.latentstream.model.BundleCodec.write(TestModels.golden(), bundle);
            CliTest.Result published = CliTest.run("models", "publish", "-b", kafka.bootstrapServers(), "--set", "topic.prefix=" + prefix,
                    "--bundle", bundle.toString());
            java.nio.file.Files.delete(bundle);
            assertEquals(0, published.code(), published.err());
            CliTest.Result again = CliTest.run("status", "-b", kafka.bootstrapServers(), "--set", "topic.prefix=" + prefix,
                    "--set", "application.id=" + prefix + "-app", "--json", "--name", TestModels.golden().manifest().name());
            JsonNode a = new ObjectMapper().readTree(again.out());
            assertEquals(TestModels.golden().version(), a.get("model").get("active_version").asLong(), again.out());
            List<String> withModel = new ArrayList<>();
            a.get("problems").forEach(p -> withModel.add(p.asText()));
            assertEquals(3, withModel.size(), withModel.toString());
            assertTrue(withModel.stream().anyMatch(p -> p.contains("of the inputs flagged, over 5 x the")), withModel.toString());

            // A prefix with no topics (a typo in the configuration): said, not a stack trace.
            CliTest.Result typo = CliTest.run("status", "-b", kafka.bootstrapServers(), "--set", "topic.prefix=" + prefix + "-typo");
            assertEquals(1, typo.code(), typo.out() + typo.err());
            assertTrue(typo.out().contains("  - topic(s) missing: " + prefix + "-typo.raw, " + prefix + "-typo.models, " + prefix
                    + "-typo.anomalies, " + prefix + "-typo.dlq (latentstream topics apply"), typo.out());
        }

        CliTest.Result text = CliTest.run("status", "-b", kafka.bootstrapServers(), "--set", "topic.prefix=" + prefix,
                "--set", "application.id=" + prefix + "-app", "--window", "15m");
        assertTrue(text.out().lines().anyMatch(l -> l.startsWith("processor     group " + prefix + "-app (classic): ")), text.out());
        assertTrue(text.out().contains(String.format(Locale.ROOT, "%-13s %,d input record(s) on %s.raw; %,d flagged", "last 15m", n, prefix, flagged)),
                text.out());
        System.out.printf(Locale.ROOT, "status command %s (%s):%n%s%n", prefix, running ? "running" : "stopped", text.out());
    }

    /** `latentstream dlq` on what the processor wrote: every dead letter, its reason and source, the original bytes. */
    void checkDlqCommand(String prefix, String format, Map<String, Input> inputs, long expectedBad, int maxMissing) throws Exception {
        CliTest.Result all = CliTest.run("dlq", "-b", kafka.bootstrapServers(), "--set", "topic.prefix=" + prefix, "--json");
        assertEquals(0, all.code(), all.err());
        List<String> lines = all.out().lines().toList();
        assertEquals(expectedBad, lines.size(), all.err());
        Map<String, Integer> byReason = new java.util.TreeMap<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : lines) {
            JsonNode d = json.readTree(line);
            Input in = inputs.get(d.get("source_partition").asInt() + "@" + d.get("source_offset").asLong());
            assertEquals(in.bad().name(), d.get("reason").asText(), line);
            assertEquals(prefix + ".raw", d.get("source_topic").asText(), line);
            assertArrayEquals(bad(format, in.bad(), maxMissing), Base64.getDecoder().decode(d.get("value_base64").asText()), line);
            byReason.merge(in.bad().name(), 1, Integer::sum);
        }
        String counts = byReason.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
        assertTrue(all.err().contains(expectedBad + " dead letter(s) shown from " + prefix + ".dlq (" + expectedBad
                + " record(s) read): " + counts), all.err());
        // One reason, a few of them, as text lines.
        CliTest.Result some = CliTest.run("dlq", "-b", kafka.bootstrapServers(), "--set", "topic.prefix=" + prefix,
                "--reason", "DIM_MISMATCH", "--max", "3");
        assertEquals(0, some.code(), some.err());
        List<String> three = some.out().lines().toList();
        assertEquals(3, three.size(), some.out());
        assertTrue(three.stream().allMatch(l -> l.contains("  DIM_MISMATCH  ") && l.contains("  " + prefix + ".raw-")), some.out());
        assertTrue(some.err().contains("3 dead letter(s) shown") && some.err().contains("stopped at --max 3"), some.err());

        // Replay one reason's dead letters to a topic: the inputs as they arrived (key, value, timestamp), once each.
        String replayed = prefix + "-replayed";
        CliTest.Result noTopic = CliTest.run("dlq", "-b", kafka.bootstrapServers(), "--set", "topic.prefix=" + prefix,
                "--replay-to", replayed);
        assertEquals(2, noTopic.code(), noTopic.err());
        assertTrue(noTopic.err().contains("--replay-to " + replayed + ": no such topic"), noTopic.err());
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(replayed, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        CliTest.Result replay = CliTest.run("dlq", "-b", kafka.bootstrapServers(), "--set", "topic.prefix=" + prefix,
                "--reason", "DIM_MISMATCH", "--json", "--replay-to", replayed);
        assertEquals(0, replay.code(), replay.err());
        List<JsonNode> chosen = new ArrayList<>();
        for (String line : replay.out().lines().toList()) {
            chosen.add(json.readTree(line));
        }
        assertEquals(byReason.get("DIM_MISMATCH"), chosen.size());
        assertTrue(replay.err().contains("replayed " + chosen.size() + " dead letter(s) to " + replayed), replay.err());
        List<ConsumerRecord<byte[], byte[]>> back = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "isolation.level", "read_committed"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(replayed, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long deadline = System.currentTimeMillis() + 30_000;
            while (back.size() < chosen.size() && System.currentTimeMillis() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(back::add);
            }
            c.poll(Duration.ofMillis(500)).forEach(back::add); // nothing more
        }
        assertEquals(chosen.size(), back.size());
        for (int i = 0; i < back.size(); i++) {
            JsonNode d = chosen.get(i);
            ConsumerRecord<byte[], byte[]> r = back.get(i);
            assertArrayEquals(bad(format, DeadLetterReason.DIM_MISMATCH, maxMissing), r.value());
            assertEquals(d.get("key").asText(), new String(r.key(), StandardCharsets.UTF_8));
            assertEquals(java.time.Instant.parse(d.get("timestamp").asText()).toEpochMilli(), r.timestamp());
            assertEquals(0, r.headers().toArray().length, "none of the dead-letter headers is sent back");
        }
    }

    static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? "?" : new String(h.value(), StandardCharsets.UTF_8);
    }
}
