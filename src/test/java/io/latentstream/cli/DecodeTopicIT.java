package io.latentstream.cli;

import io.latentstream.codec.LatentFrame;
import io.latentstream.model.BundleCodec;
import io.latentstream.model.FastScorer;
import io.latentstream.model.ModelBundle;
import io.latentstream.ops.EmbeddedKafka;
import io.latentstream.topology.TestModels;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * decode --topic as users run it against a real broker: the frames committed at start (not an
 * open or aborted transaction's, and without waiting for the topic to go quiet), a time range of
 * one entity, --follow, and the usage errors.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DecodeTopicIT {
    private static final String TOPIC = "frames";
    private static final String[] KEYS = {"a", "b", "c"};

    @TempDir
    Path dir;

    @Test
    void decodesTheCommittedFramesOrATimeRangeOfOneEntity() throws Exception {
        ModelBundle bundle = TestModels.golden();
        Path model = dir.resolve("v1.lsb");
        BundleCodec.write(bundle, model);
        FastScorer scorer = new FastScorer(bundle);
        long now = System.currentTimeMillis();
        long t0 = now - Duration.ofMinutes(119).toMillis(); // frame i at t0 + 2i minutes: i = 30 is 59 minutes ago
        List<byte[]> frames = new ArrayList<>();
        try (EmbeddedKafka kafka = EmbeddedKafka.startTemporary()) {
            String b = kafka.bootstrapServers();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", b))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            try (KafkaProducer<String, byte[]> p = producer(b, "committed"); KafkaProducer<String, byte[]> open = producer(b, "open")) {
                // Committed 10 at a time, as a processor commits: the commit markers between them carry the time
                // of the commit (now), not the frames' (up to 2 hours ago), so the broker's time index cannot
                // end a past time range.
                for (int i = 0; i < 60; i++) {
                    if (i % 10 == 0) {
                        p.beginTransaction();
                    }
                    byte[] frame = frame(scorer, i);
                    frames.add(frame);
                    p.send(new ProducerRecord<>(TOPIC, null, t0 + Duration.ofMinutes(2L * i).toMillis(), KEYS[i % 3], frame));
                    if (i % 10 == 9) {
                        p.commitTransaction();
                    }
                }
                p.beginTransaction();
                p.send(new ProducerRecord<>(TOPIC, null, t0 + 1000, "g", new byte[] {1, 2, 3})); // not a frame
                p.commitTransaction();
                p.beginTransaction();
                for (int i = 0; i < 5; i++) {
                    p.send(new ProducerRecord<>(TOPIC, null, now - 1000, "aborted-" + i, frame(scorer, i)));
                }
                p.abortTransaction();
                open.beginTransaction(); // left open while decode runs: not committed, so not decoded, and no wait for it
                open.send(new ProducerRecord<>(TOPIC, null, now - 1000, "open", frame(scorer, 0)));
                open.flush();

                CliTest.Result all = CliTest.run("decode", "--topic", TOPIC, "-b", b, "--model", model.toString());
                assertEquals(0, all.code(), all.err());
                List<String> lines = all.out().lines().toList();
                assertEquals("timestamp,key,model_version," + String.join(",", bundle.features()), lines.get(0));
                assertEquals(61, lines.size(), all.out());
                assertTrue(all.err().contains("decoded 60 frame(s) from frames") && all.err().contains("1 undecodable skipped"), all.err());
                for (String line : lines.subList(1, lines.size())) {
                    String[] f = line.split(",");
                    int i = (int) ((Instant.parse(f[0]).toEpochMilli() - t0) / Duration.ofMinutes(2).toMillis());
                    assertEquals(KEYS[i % 3], f[1], line);
                    assertEquals(Long.toString(bundle.version()), f[2]);
                    float[] expected = decoded(scorer, frames.get(i), KEYS[i % 3]);
                    for (int j = 0; j < expected.length; j++) {
                        assertEquals(expected[j], Float.parseFloat(f[3 + j]), 0f, line);
                    }
                }
                List<Instant> allTimes = lines.stream().skip(1).map(l -> Instant.parse(l.split(",")[0])).toList();
                assertEquals(allTimes.stream().sorted().toList(), allTimes, "in time order across partitions"); // TopicRange's TimeOrder
                for (String key : KEYS) { // one entity's frames come in time order
                    List<Instant> times = lines.stream().skip(1).filter(l -> l.split(",")[1].equals(key))
                            .map(l -> Instant.parse(l.split(",")[0])).toList();
                    assertEquals(20, times.size());
                    assertEquals(times.stream().sorted().toList(), times);
                }

                // One entity over a time range: frames 10..20 of key a are 12, 15 and 18.
                CliTest.Result range = CliTest.run("decode", "--topic", TOPIC, "-b", b, "--model", model.toString(), "--key", "a",
                        "--from", iso(t0, 10), "--to", iso(t0, 20));
                assertEquals(0, range.code(), range.err());
                assertEquals(List.of(iso(t0, 12), iso(t0, 15), iso(t0, 18)),
                        range.out().lines().skip(1).map(l -> l.split(",")[0]).toList(), range.out());

                // A duration before now: the last hour holds frames 30..59.
                CliTest.Result lastHour = CliTest.run("decode", "--topic", TOPIC, "-b", b, "--model", model.toString(), "--from", "1h");
                assertEquals(0, lastHour.code(), lastHour.err());
                assertEquals(30, lastHour.out().lines().count() - 1, lastHour.out());

                CliTest.Result five = CliTest.run("decode", "--topic", TOPIC, "-b", b, "--model", model.toString(), "--max", "5");
                assertEquals(6, five.out().lines().count(), five.out());
                assertTrue(five.err().contains("stopped at --max 5 before the end of the range"), five.err());
                open.abortTransaction();
            }

            // --follow: frames committed after decode started, from a time on.
            String since = Instant.ofEpochMilli(System.currentTimeMillis()).toString();
            CompletableFuture<CliTest.Result> follow = CompletableFuture.supplyAsync(() -> CliTest.run("decode", "--topic", TOPIC,
                    "-b", b, "--model", model.toString(), "--from", since, "--follow", "--max", "4"));
            Thread.sleep(2000);
            try (KafkaProducer<String, byte[]> p = producer(b, "later")) {
                p.beginTransaction();
                for (int i = 0; i < 4; i++) {
                    p.send(new ProducerRecord<>(TOPIC, KEYS[i % 3], frame(scorer, i)));
                }
                p.commitTransaction();
            }
            CliTest.Result followed = follow.get(60, TimeUnit.SECONDS);
            assertEquals(0, followed.code(), followed.err());
            assertEquals(5, followed.out().lines().count(), followed.out());

            CliTest.Result both = CliTest.run("decode", "--topic", TOPIC, "-b", b, "--follow", "--to", "1h");
            assertEquals(ExitCodes.USAGE, both.code());
            assertTrue(both.err().contains("give one of them"), both.err());
            CliTest.Result reversed = CliTest.run("decode", "--topic", TOPIC, "-b", b, "--from", "1h", "--to", "2h");
            assertEquals(ExitCodes.USAGE, reversed.code());
            assertTrue(reversed.err().contains("is before --from"), reversed.err());
        }
        CliTest.Result fileWithKey = CliTest.run("decode", "--file", model.toString(), "--key", "a");
        assertEquals(ExitCodes.USAGE, fileWithKey.code());
        assertTrue(fileWithKey.err().contains("a --file has no timestamps or keys"), fileWithKey.err());
        CliTest.Result badTime = CliTest.run("decode", "--topic", TOPIC, "--from", "yesterday");
        assertEquals(ExitCodes.USAGE, badTime.code());
        assertTrue(badTime.err().contains("'yesterday' is not a time"), badTime.err());
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrap, String transactionalId) {
        KafkaProducer<String, byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "transactional.id", transactionalId),
                new StringSerializer(), new ByteArraySerializer());
        p.initTransactions();
        return p;
    }

    /** The latent frame of a made-up record i, encoded as the processor does. */
    private static byte[] frame(FastScorer scorer, int i) {
        float[] x = new float[scorer.inputDim()];
        for (int j = 0; j < x.length; j++) {
            x[j] = (float) Math.sin(i + j);
        }
        FastScorer.Scratch s = scorer.newScratch();
        scorer.score(x, scorer.contextSlot(KEYS[i % 3]), s);
        return LatentFrame.encode(scorer.version(), s.latent, scorer.latentDim(), LatentFrame.Encoding.F32);
    }

    private static float[] decoded(FastScorer scorer, byte[] frame, String context) throws LatentFrame.FrameException {
        float[] x = new float[scorer.inputDim()];
        scorer.decode(LatentFrame.decode(frame, 0).values(), scorer.contextSlot(context), x, scorer.newScratch());
        return x;
    }

    private static String iso(long t0, int i) {
        return Instant.ofEpochMilli(t0 + Duration.ofMinutes(2L * i).toMillis()).toString();
    }
}
