package io.latentstream.reliability;

import io.latentstream.codec.LatentFrame;
import io.latentstream.codec.ScoreRecordWriter;
import io.latentstream.model.BundleCodec;
import io.latentstream.model.FastScorer;
import io.latentstream.ops.EmbeddedKafka;
import io.latentstream.topology.DeadLetterHeaders;
import io.latentstream.topology.TestModels;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * `scores --follow`, `dlq --follow` and `decode --topic --follow` end with Ctrl-C, the only way to end a
 * follow without --max: a real SIGINT to a real process, which still prints its summary (per key, per
 * reason, frames decoded) before it exits.
 */
@Tag("serial") // timing or CPU share matters: failsafe runs it alone (pom.xml)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class FollowCtrlCIT {
    @TempDir
    Path dir;

    @Test
    void ctrlCEndsAFollowWithItsSummary() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.startTemporary()) {
            String bs = kafka.bootstrapServers();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bs))) {
                admin.createTopics(List.of(new NewTopic("f.anomalies", 2, (short) 1), new NewTopic("f.dlq", 2, (short) 1),
                        new NewTopic("f.latents", 2, (short) 1)))
                        .all().get(30, TimeUnit.SECONDS);
            }
            FastScorer golden = TestModels.goldenScorer();
            Path model = dir.resolve("v1.lsb");
            BundleCodec.write(TestModels.golden(), model);
            float[] x = {61.2f, 1500f, 0.4f};
            byte[] score = new ScoreRecordWriter(List.of("temp", "rpm", "vibration"), 2).write(9.5, 2.5, true, 4,
                    System.currentTimeMillis(), "sensors", 1, 77, "pump-7", null, x, new float[] {50f, 1490f, 0.4f},
                    new float[] {20f, 1f, 0f});
            RecordHeaders dead = new RecordHeaders();
            dead.add(DeadLetterHeaders.REASON, "BAD_JSON".getBytes(StandardCharsets.UTF_8));
            dead.add(DeadLetterHeaders.SOURCE_TOPIC, "sensors".getBytes(StandardCharsets.UTF_8));
            dead.add(DeadLetterHeaders.SOURCE_PARTITION, "0".getBytes(StandardCharsets.UTF_8));
            dead.add(DeadLetterHeaders.SOURCE_OFFSET, "12".getBytes(StandardCharsets.UTF_8));
            try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bs),
                    new ByteArraySerializer(), new ByteArraySerializer())) {
                p.send(new ProducerRecord<>("f.anomalies", 0, null, "pump-7".getBytes(StandardCharsets.UTF_8), score)).get(30, TimeUnit.SECONDS);
                p.send(new ProducerRecord<>("f.dlq", 0, null, "pump-7".getBytes(StandardCharsets.UTF_8),
                        "{\"temp\": ".getBytes(StandardCharsets.UTF_8), dead)).get(30, TimeUnit.SECONDS);
                p.send(new ProducerRecord<>("f.latents", 1, "pump-7".getBytes(StandardCharsets.UTF_8), LatentFrame.encode(
                        golden.version(), new float[golden.latentDim()], golden.latentDim(), LatentFrame.Encoding.F32))).get(30, TimeUnit.SECONDS);
            }

            Path scoresLog = dir.resolve("scores.log");
            try (ChildJvm scores = new ChildJvm(scoresLog, Map.of(), "scores", "-b", bs, "--set", "topic.prefix=f", "--follow").start()) {
                scores.awaitLog("pump-7  score 9.5 ANOMALY (threshold 2.5)", 1, 60);
                scores.signal("INT");
                scores.awaitExit(30);
            }
            String out = Files.readString(scoresLog);
            assertTrue(out.contains("1 score record(s) shown from f.anomalies (1 record(s) read; stopped by Ctrl-C)"), out);
            assertTrue(out.contains("  pump-7: 1 flagged, highest 9.5 at "), out);

            Path dlqLog = dir.resolve("dlq.log");
            try (ChildJvm dlq = new ChildJvm(dlqLog, Map.of(), "dlq", "-b", bs, "--set", "topic.prefix=f", "--follow").start()) {
                dlq.awaitLog("  BAD_JSON  ", 1, 60);
                dlq.signal("INT");
                dlq.awaitExit(30);
            }
            out = Files.readString(dlqLog);
            assertTrue(out.contains("1 dead letter(s) shown from f.dlq (1 record(s) read; stopped by Ctrl-C): BAD_JSON 1"), out);

            Path decodeLog = dir.resolve("decode.log");
            try (ChildJvm decode = new ChildJvm(decodeLog, Map.of(), "decode", "--topic", "f.latents", "-b", bs, "--model",
                    model.toString(), "--follow").start()) {
                decode.awaitLog(",pump-7," + golden.version() + ",", 1, 60);
                decode.signal("INT");
                decode.awaitExit(30);
            }
            out = Files.readString(decodeLog);
            assertTrue(out.contains("decoded 1 frame(s) from f.latents (1 record(s) read; stopped by Ctrl-C)"), out);
        }
    }
}
