package io.latentstream.cli;

import io.latentstream.model.BundleCodec;
import io.latentstream.model.FastScorer;
import io.latentstream.model.ModelBundle;
import io.latentstream.ops.EmbeddedKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * train --topic as a user bootstrapping from a live stream runs it: named-field JSON records on a
 * real broker, a time range, the records the processor would dead-letter counted and left out, and
 * a model that tells the stream's normal records from off-pattern ones.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class TrainFromTopicIT {
    private static final List<String> NAMES = List.of("temp", "rpm", "flow", "pressure", "vibration", "current");

    @TempDir
    Path dir;

    /** Two hidden factors drive six sensors: a reading off that pattern is an anomaly. */
    private static float[] reading(Random rnd, boolean anomaly) {
        double a = rnd.nextGaussian();
        double b = rnd.nextGaussian();
        float[] x = new float[NAMES.size()];
        for (int j = 0; j < x.length; j++) {
            x[j] = (float) (50 + 10 * (j % 2 == 0 ? a + 0.3 * b : b - 0.2 * a) * (1 + 0.1 * j) + 0.3 * rnd.nextGaussian());
        }
        if (anomaly) {
            x[2] += 60; // flow far from what temp and the rest imply
        }
        return x;
    }

    private static String json(float[] x, long seq) {
        StringBuilder sb = new StringBuilder("{\"seq\":").append(seq);
        for (int j = x.length - 1; j >= 0; j--) {
            sb.append(",\"").append(NAMES.get(j)).append("\":").append(String.format(Locale.ROOT, "%.3f", x[j]));
        }
        return sb.append('}').toString();
    }

    @Test
    void aFirstModelFromTheRecordsOfATopic() throws Exception {
        Random rnd = new Random(11);
        long now = System.currentTimeMillis();
        long t0 = now - Duration.ofMinutes(120).toMillis(); // record i at t0 + 3.6 s * i: the last hour holds about 1,000
        try (EmbeddedKafka kafka = EmbeddedKafka.startTemporary()) {
            String b = kafka.bootstrapServers();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", b))) {
                admin.createTopics(List.of(new NewTopic("sensors", 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", b), new StringSerializer(),
                    new StringSerializer())) {
                for (int i = 0; i < 2000; i++) {
                    p.send(new ProducerRecord<>("sensors", null, t0 + 3600L * i, "pump-" + i % 4, json(reading(rnd, false), i)));
                }
                for (String bad : new String[] {"{\"temp\":1", "not json", "[1,2]", "{\"temp\":1,\"rpm\":2}", "{\"seq\":1}"}) {
                    p.send(new ProducerRecord<>("sensors", null, now - 1000, "pump-0", bad));
                }
            }
            Path model = dir.resolve("v1.lsb");
            CliTest.Result r = CliTest.run("train", "--topic", "sensors", "-b", b, "--features", String.join(",", NAMES),
                    "--epochs", "40", "--out", model.toString());
            assertEquals(0, r.code(), r.out() + r.err());
            assertTrue(r.out().contains("read 2,005 records: 2,000 parsed, 5 left out as the processor would dead-letter them: "
                    + "BAD_JSON 3") && r.out().contains("DIM_MISMATCH 2 (first: got 2 features, the model expects 6)"), r.out());
            // With input.missing.max the record of two named fields parses (the processor would score it) but is
            // not trained on.
            CliTest.Result gaps = CliTest.run("train", "--topic", "sensors", "-b", b, "--features", String.join(",", NAMES),
                    "--set", "input.missing.max=4", "--epochs", "2", "--out", dir.resolve("gaps.lsb").toString());
            assertEquals(0, gaps.code(), gaps.out() + gaps.err());
            assertTrue(gaps.out().contains("read 2,005 records: 2,001 parsed, 4 left out as the processor would dead-letter them: "
                    + "BAD_JSON 3") && gaps.out().contains(", 1 lacking features (input.missing.max) left out: training needs whole "
                    + "records; training on 2,000"), gaps.out());
            assertEquals("2000", BundleCodec.read(dir.resolve("gaps.lsb")).manifest().training().window().get("records"));
            ModelBundle bundle = BundleCodec.read(model);
            assertEquals(NAMES, bundle.features());
            assertEquals("sensors", bundle.manifest().training().window().get("topic"));
            assertEquals(2000, bundle.manifest().training().sampleCount() + bundle.manifest().training().validationCount());

            // It scores the stream's pattern as normal and readings off it as anomalies.
            FastScorer scorer = new FastScorer(bundle);
            FastScorer.Scratch s = scorer.newScratch();
            int normalFlagged = 0;
            int anomaliesFlagged = 0;
            for (int i = 0; i < 500; i++) {
                normalFlagged += scorer.isAnomaly(scorer.score(reading(rnd, false), 0, s)) ? 1 : 0;
                anomaliesFlagged += scorer.isAnomaly(scorer.score(reading(rnd, true), 0, s)) ? 1 : 0;
            }
            System.out.printf("train --topic: %d of 500 fresh normal readings flagged, %d of 500 anomalies%n", normalFlagged,
                    anomaliesFlagged);
            assertTrue(normalFlagged < 25, normalFlagged + " of 500 normal readings flagged");
            assertTrue(anomaliesFlagged > 475, anomaliesFlagged + " of 500 anomalies flagged");

            // The last hour only, a sample of it, per-pump contexts (the record key).
            Path recent = dir.resolve("recent.lsb");
            long before = System.currentTimeMillis();
            CliTest.Result lastHour = CliTest.run("train", "--topic", "sensors", "-b", b, "--features", String.join(",", NAMES),
                    "--from", "1h", "--max-records", "600", "--conditional", "--epochs", "5", "--out", recent.toString());
            assertEquals(0, lastHour.code(), lastHour.out() + lastHour.err());
            assertTrue(lastHour.out().contains(" parsed") && lastHour.out().contains("training on 600 (a uniform sample, --max-records)"),
                    lastHour.out());
            long after = System.currentTimeMillis();
            ModelBundle recentBundle = BundleCodec.read(recent);
            long parsed = Long.parseLong(recentBundle.manifest().training().window().get("records"));
            long most = java.util.stream.LongStream.range(0, 2000).filter(i -> t0 + 3600L * i >= before - 3_600_000).count();
            long least = java.util.stream.LongStream.range(0, 2000).filter(i -> t0 + 3600L * i >= after - 3_600_000).count();
            assertTrue(parsed >= least && parsed <= most, "the readings of the last hour: " + least + ".." + most + ", not " + parsed);
            assertTrue(recentBundle.conditional());
            assertTrue(recentBundle.manifest().context().vocabulary().containsAll(List.of("pump-0", "pump-1", "pump-2", "pump-3")));

            // A range of more than twice --max-records is not read whole: stretches spread over it, about that many.
            Path sampled = dir.resolve("sampled.lsb");
            CliTest.Result stretches = CliTest.run("train", "--topic", "sensors", "-b", b, "--features", String.join(",", NAMES),
                    "--max-records", "200", "--epochs", "5", "--out", sampled.toString());
            assertEquals(0, stretches.code(), stretches.out() + stretches.err());
            assertTrue(stretches.out().contains("2,005 records in the range, more than twice the 200 wanted: reading about 200 of "
                    + "them in 200 evenly spaced stretches"), stretches.out());
            assertTrue(stretches.out().contains("read 200 records (stretches of the 2,005 in the range, --max-records): 200 parsed; "
                    + "training on 200"), stretches.out());
            assertEquals("2005", BundleCodec.read(sampled).manifest().training().window().get("sampled_from"));

            CliTest.Result unnamed = CliTest.run("train", "--topic", "sensors", "-b", b, "--out", recent.toString());
            assertEquals(ExitCodes.USAGE, unnamed.code());
            assertTrue(unnamed.err().contains("give the feature names"), unnamed.err());
            CliTest.Result wrongNames = CliTest.run("train", "--topic", "sensors", "-b", b, "--features", "a,b", "--out",
                    recent.toString());
            assertEquals(ExitCodes.USAGE, wrongNames.code());
            assertTrue(wrongNames.err().contains("only 1 record(s) of sensors parsed as input.format=json with the features [a, b]; "
                    + "the others: BAD_JSON 2004"), // the one is "[1,2]"
                    wrongNames.err());
            CliTest.Result csvOnly = CliTest.run("train", "--topic", "sensors", "-b", b, "--dimension", "6", "--protocol", "A",
                    "--out", recent.toString());
            assertEquals(ExitCodes.USAGE, csvOnly.code());
            assertTrue(csvOnly.err().contains("are for a CSV --input"), csvOnly.err());
        }
        CliTest.Result topicOnly = CliTest.run("train", "--input", "x.csv", "--features", "a", "--out", "y.lsb");
        assertEquals(ExitCodes.USAGE, topicOnly.code());
        assertTrue(topicOnly.err().contains("are for --topic"), topicOnly.err());
    }

    /**
     * A topic a Kafka Connect source connector fills through JsonConverter (schemas.enable=true, its
     * default, for keys and values): {"schema":…,"payload":…} on both sides. The records are read from
     * their payloads and the key's payload is the entity.
     */
    @Test
    void aModelFromATopicAKafkaConnectSourceFills() throws Exception {
        Random rnd = new Random(12);
        org.apache.kafka.connect.json.JsonConverter keys = new org.apache.kafka.connect.json.JsonConverter();
        keys.configure(Map.of("converter.type", "key"));
        org.apache.kafka.connect.json.JsonConverter values = new org.apache.kafka.connect.json.JsonConverter();
        values.configure(Map.of("converter.type", "value"));
        org.apache.kafka.connect.data.SchemaBuilder sb = org.apache.kafka.connect.data.SchemaBuilder.struct().name("reading")
                .field("time", org.apache.kafka.connect.data.Timestamp.SCHEMA);
        for (String n : NAMES) {
            sb.field(n, org.apache.kafka.connect.data.Schema.FLOAT64_SCHEMA);
        }
        org.apache.kafka.connect.data.Schema schema = sb.build();
        try (EmbeddedKafka kafka = EmbeddedKafka.startTemporary()) {
            String b = kafka.bootstrapServers();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", b))) {
                admin.createTopics(List.of(new NewTopic("connect-sensors", 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", b),
                    new org.apache.kafka.common.serialization.ByteArraySerializer(),
                    new org.apache.kafka.common.serialization.ByteArraySerializer())) {
                for (int i = 0; i < 600; i++) {
                    float[] x = reading(rnd, false);
                    org.apache.kafka.connect.data.Struct v = new org.apache.kafka.connect.data.Struct(schema)
                            .put("time", new java.util.Date(1_767_225_600_000L + 60_000L * i));
                    for (int j = 0; j < NAMES.size(); j++) {
                        v.put(NAMES.get(j), (double) x[j]);
                    }
                    p.send(new ProducerRecord<>("connect-sensors",
                            keys.fromConnectData("connect-sensors", org.apache.kafka.connect.data.Schema.STRING_SCHEMA, "pump-" + i % 3),
                            values.fromConnectData("connect-sensors", schema, v)));
                }
            }
            Path model = dir.resolve("connect.lsb");
            CliTest.Result r = CliTest.run("train", "--topic", "connect-sensors", "-b", b, "--features", String.join(",", NAMES),
                    "--set", "input.json.ts.field=time", "--conditional", "--epochs", "5", "--out", model.toString());
            assertEquals(0, r.code(), r.out() + r.err());
            assertTrue(r.out().contains("read 600 records: 600 parsed"), r.out());
            ModelBundle bundle = BundleCodec.read(model);
            assertEquals(List.of("pump-0", "pump-1", "pump-2"), bundle.manifest().context().vocabulary().stream().sorted().toList());
            assertEquals("600", bundle.manifest().training().window().get("records"));
        }
    }
}
