package io.latentstream.topology;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.latentstream.cli.CliTest;
import io.latentstream.cli.ExitCodes;
import io.latentstream.config.AppConfig;
import io.latentstream.config.ConfigLoader;
import io.latentstream.config.Settings;
import io.latentstream.lifecycle.ModelPublisher;
import io.latentstream.model.ModelBundle;
import io.latentstream.ops.EmbeddedKafka;
import io.latentstream.ops.Meters;
import io.latentstream.retrain.RetrainService;
import io.latentstream.retrain.Retrainer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A deployment on a broker with an authorizer (KRaft's StandardAuthorizer, SASL/PLAIN users): each
 * part runs as its own principal with exactly the ACLs `latentstream acls` creates for its role, and
 * works; a principal without them is refused. The administrator (the plaintext listener's ANONYMOUS,
 * a super user) creates topics and ACLs.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class AclsIT {
    private static final int N = 600;
    private static final String PREFIX = "az";
    private static final String APP = "az-app";

    @Test
    void eachPartRunsWithTheAclsOfItsRoleAndNoMore() throws Exception {
        int plain = EmbeddedKafka.freePort();
        int sasl = EmbeddedKafka.freePort();
        int controller = EmbeddedKafka.freePort();
        Map<String, String> broker = new HashMap<>();
        broker.put("listeners", "PLAINTEXT://127.0.0.1:" + plain + ",SASL_PLAINTEXT://127.0.0.1:" + sasl + ",CONTROLLER://127.0.0.1:" + controller);
        broker.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + plain + ",SASL_PLAINTEXT://127.0.0.1:" + sasl);
        broker.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT");
        broker.put("sasl.enabled.mechanisms", "PLAIN");
        broker.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule "
                + "required user_proc=\"proc-secret\" user_rt=\"rt-secret\" user_ops=\"ops-secret\" user_nobody=\"nobody-secret\";");
        broker.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        broker.put("super.users", "User:ANONYMOUS"); // the plaintext and controller listeners: the administrator and the broker itself
        try (EmbeddedKafka kafka = EmbeddedKafka.start(Files.createTempDirectory("latentstream-kafka-"), true, plain, controller, broker)) {
            String admin = kafka.bootstrapServers();
            String users = "127.0.0.1:" + sasl;
            String[] deployment = {"--set", "topic.prefix=" + PREFIX, "--set", "application.id=" + APP, "--set", "model.name=t"};
            CliTest.Result topics = CliTest.run(CliTest.with(deployment, "topics", "apply", "-b", admin, "--set", "topic.replication.factor=1"));
            assertEquals(0, topics.code(), topics.err());

            CliTest.Result printed = CliTest.run(CliTest.with(deployment, "acls", "--principal", "User:proc", "--role", "processor", "-b", admin));
            assertEquals(0, printed.code(), printed.err());
            assertTrue(printed.out().contains("kafka-acls.sh --bootstrap-server " + admin + " --command-config admin.properties --add "
                    + "--allow-principal User:proc --operation Write --transactional-id " + APP + "- --resource-pattern-type prefixed"),
                    printed.out());
            for (String[] grant : new String[][] {{"User:proc", "processor"}, {"User:rt", "retrainer"}, {"User:ops", "operator"}}) {
                CliTest.Result applied = CliTest.run(CliTest.with(deployment, "acls", "--principal", grant[0], "--role", grant[1], "--apply", "-b", admin));
                assertEquals(0, applied.code(), applied.err());
                assertTrue(applied.out().contains("created "), applied.out());
                CliTest.Result checked = CliTest.run(CliTest.with(deployment, "acls", "--principal", grant[0], "--role", grant[1], "--check", "-b", admin));
                assertEquals(0, checked.code(), checked.out() + checked.err());
            }
            CliTest.Result again = CliTest.run(CliTest.with(deployment, "acls", "--principal", "User:proc", "--role", "processor", "--apply", "-b", admin));
            assertTrue(again.out().contains("created 0 ACL(s) for User:proc (processor); 9 were there already"), again.out());
            CliTest.Result nobody = CliTest.run(CliTest.with(deployment, "acls", "--principal", "User:nobody", "--role", "processor", "--check", "-b", admin));
            assertEquals(ExitCodes.RUNTIME_FAILURE, nobody.code(), nobody.err());
            assertTrue(nobody.out().contains("9 of 9 ACL(s) missing for User:nobody"), nobody.out());

            AppConfig base = ConfigLoader.load(null, Map.of(), Map.of("topic.prefix", PREFIX, "application.id", APP, "model.name", "t",
                    "kafka.commit.interval.ms", "100", "samples.fraction", "1.0", "retrain.min.samples", "100",
                    "retrain.interval.ms", "0"));
            Topics t = Topics.from(base);
            ModelBundle golden = TestModels.golden();
            new ModelPublisher(admin, Map.of(), t.models()).publish(golden, "publish");
            int bad = ProcessorIT.produceJsonWithBadOnes(admin, t.input(), N, 8);

            // Without ACLs the processor cannot even see its topics, and says where to look.
            IllegalStateException refused = assertThrows(IllegalStateException.class, () -> ProcessorRuntime.startWatching(
                    as(base, "nobody"), users, new ModelRef(), new Meters(new SimpleMeterRegistry()), msg -> { }).close());
            assertTrue(refused.getMessage().contains("latentstream acls --role processor"), refused.getMessage());

            try (ProcessorRuntime rt = ProcessorRuntime.startWatching(as(base, "proc"), users, new ModelRef(),
                    new Meters(new SimpleMeterRegistry()), msg -> { })) {
                assertEquals(List.of(N - bad, bad), outputs(admin, List.of(t.scores(), t.dlq()), N), "every input once, as user proc");

                Meters meters = new Meters(new SimpleMeterRegistry());
                AppConfig retrainer = as(base, "rt");
                try (RetrainService service = new RetrainService(retrainer, users, new Retrainer(retrainer, users, meters)).start()) {
                    long deadline = System.currentTimeMillis() + 60_000;
                    while (!service.leader()) { // the control topic's group, as user rt
                        assertTrue(System.currentTimeMillis() < deadline, "retrainer never led");
                        Thread.sleep(100);
                    }
                    service.request("retrain"); // written to the control topic, read back by the leader
                    while (meters.retrainDecisions("published") + meters.retrainDecisions("rejected")
                            + meters.retrainDecisions("skipped") + meters.retrainDecisions("failed") == 0) {
                        assertTrue(System.currentTimeMillis() < deadline + 90_000, "no retrain decision");
                        Thread.sleep(200);
                    }
                    assertEquals(0, meters.retrainDecisions("failed") + meters.retrainDecisions("skipped"),
                            "the retrain read its samples and published or was judged, as user rt");
                }

                String[] ops = CliTest.with(deployment, "-b", users, "--set", "kafka.security.protocol=SASL_PLAINTEXT", "--set",
                        "kafka.sasl.mechanism=PLAIN", "--set", "kafka.sasl.jaas.config=" + jaas("ops"));
                CliTest.Result status = CliTest.run(CliTest.with(ops, "status", "--json"));
                JsonNode s = new ObjectMapper().readTree(status.out());
                assertEquals(1, s.get("processor").get("members").asInt(), status.out() + status.err());
                assertEquals(N, s.get("window").get("inputs").asLong(), status.out());
                assertEquals(bad, s.get("window").get("dead_letters").get("by_reason").get("BAD_JSON").asLong(), status.out());
                assertTrue(s.get("transactions").get("not_checked").asText().startsWith("this principal may not describe the "
                        + "producers"), status.out());
                CliTest.Result list = CliTest.run(CliTest.with(ops, "models", "list"));
                assertEquals(0, list.code(), list.err());
                CliTest.Result dlq = CliTest.run(CliTest.with(ops, "dlq", "--from", "1h"));
                assertEquals(0, dlq.code(), dlq.err());
                assertTrue(dlq.err().contains("BAD_JSON " + bad), dlq.err());
                CliTest.Result threshold = CliTest.run(CliTest.with(ops, "models", "threshold", "--rate", "5%"));
                assertEquals(0, threshold.code(), threshold.err());
                CliTest.Result scores = CliTest.run(CliTest.with(ops, "scores", "--all", "--from", "1h", "--json"));
                assertEquals(0, scores.code(), scores.err());
                assertEquals(N - bad, scores.out().lines().count());
                java.nio.file.Path trained = Files.createTempFile("latentstream-acls", ".lsb");
                try {
                    CliTest.Result train = CliTest.run(CliTest.with(ops, "train", "--topic", t.input(), "--dimension", "5", "--epochs", "2",
                            "--out", trained.toString()));
                    assertEquals(0, train.code(), train.err());
                } finally {
                    Files.deleteIfExists(trained);
                }

                // The topics role: `topics apply` of another deployment (prefix bz), as a user granted only that.
                String[] other = {"--set", "topic.prefix=bz", "--set", "topic.replication.factor=1"};
                assertEquals(0, CliTest.run(CliTest.with(other, "acls", "--principal", "User:ops", "--role", "topics", "--apply", "-b", admin)).code());
                CliTest.Result created = CliTest.run(CliTest.with(CliTest.with(other, ops), "topics", "apply"));
                assertEquals(0, created.code(), created.out() + created.err());
                assertTrue(created.out().contains("bz.models"), created.out());
                // ... and an operator cannot do what the processor does: write its outputs.
                Map<String, Object> opsProducer = new HashMap<>(as(base, "ops").kafkaClientOverrides());
                opsProducer.put("bootstrap.servers", users);
                opsProducer.put("max.block.ms", 10_000);
                try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(opsProducer, new ByteArraySerializer(), new ByteArraySerializer())) {
                    Exception e = assertThrows(Exception.class, () -> p.send(new ProducerRecord<>(t.scores(), new byte[1])).get(20, TimeUnit.SECONDS));
                    assertTrue(String.valueOf(e.getCause()).contains("TopicAuthorizationException")
                            || String.valueOf(e).contains("Authorization"), String.valueOf(e));
                }
            }

            // Replaying dead letters needs WRITE on the input: the replay role, granted and then taken back.
            String[] ops = CliTest.with(deployment, "-b", users, "--set", "kafka.security.protocol=SASL_PLAINTEXT", "--set",
                    "kafka.sasl.mechanism=PLAIN", "--set", "kafka.sasl.jaas.config=" + jaas("ops"), "--set", "kafka.max.block.ms=10000");
            CliTest.Result denied = CliTest.run(CliTest.with(ops, "dlq", "--reason", "BAD_JSON", "--max", "1", "--replay-to", t.input()));
            assertEquals(ExitCodes.RUNTIME_FAILURE, denied.code(), denied.out() + denied.err());
            assertTrue(denied.err().contains("Authorization"), denied.err());
            assertEquals(0, CliTest.run(CliTest.with(deployment, "acls", "--principal", "User:ops", "--role", "replay", "--apply",
                    "-b", admin)).code());
            CliTest.Result replayed = CliTest.run(CliTest.with(ops, "dlq", "--reason", "BAD_JSON", "--max", "1", "--replay-to", t.input()));
            assertEquals(0, replayed.code(), replayed.err());
            CliTest.Result removed = CliTest.run(CliTest.with(deployment, "acls", "--principal", "User:ops", "--role", "replay",
                    "--remove", "-b", admin));
            assertTrue(removed.out().contains("removed 2 ACL(s) of User:ops (replay); 0 were not there"), removed.out());
            assertTrue(removed.out().contains("note: role operator needs READ on topic az.dlq too; if User:ops keeps that role: "
                    + "--role operator --apply"), removed.out());
            CliTest.Result lost = CliTest.run(CliTest.with(deployment, "acls", "--principal", "User:ops", "--role", "operator",
                    "--check", "-b", admin));
            assertEquals(ExitCodes.RUNTIME_FAILURE, lost.code(), lost.out());
            assertTrue(lost.out().contains("missing: READ on topic az.dlq"), lost.out());

            // Kafka Streams' own rebalance protocol (a streams group, KIP-1071) needs no more than the same role's ACLs.
            String[] streams = {"--set", "topic.prefix=" + PREFIX, "--set", "application.id=az-streams", "--set", "model.name=t"};
            assertEquals(0, CliTest.run(CliTest.with(streams, "acls", "--principal", "User:proc", "--role", "processor", "--apply",
                    "-b", admin)).code());
            AppConfig streamsGroup = as(base, "proc").with(Map.of(Settings.APPLICATION_ID, "az-streams", "kafka.group.protocol", "streams"));
            try (ProcessorRuntime rt = ProcessorRuntime.startWatching(streamsGroup, users, new ModelRef(),
                    new Meters(new SimpleMeterRegistry()), msg -> { })) {
                // The input (and the replayed dead letter, still bad JSON) read again by the second application.
                assertEquals(List.of(2 * (N - bad), 2 * bad + 1), outputs(admin, List.of(t.scores(), t.dlq()), 2 * N + 1),
                        "every input once more, in a streams group, as user proc");
            }
        }
    }

    private static String jaas(String user) {
        return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + user + "\" password=\"" + user + "-secret\";";
    }

    private static AppConfig as(AppConfig base, String user) {
        return base.with(Map.of("kafka.security.protocol", "SASL_PLAINTEXT", "kafka.sasl.mechanism", "PLAIN",
                "kafka.sasl.jaas.config", jaas(user)));
    }

    /** How many records each topic holds for a read_committed reader, once they add up to {@code total}. */
    private static List<Integer> outputs(String bootstrap, List<String> topics, int total) throws Exception {
        int[] counts = new int[topics.size()];
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap, "isolation.level",
                "read_committed", "group.id", "az-audit-" + System.nanoTime(), "auto.offset.reset", "earliest"), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            c.subscribe(topics);
            long deadline = System.currentTimeMillis() + 90_000;
            while (java.util.Arrays.stream(counts).sum() < total) {
                assertTrue(System.currentTimeMillis() < deadline, "outputs so far: " + java.util.Arrays.toString(counts));
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(250))) {
                    counts[topics.indexOf(r.topic())]++;
                }
            }
        }
        List<Integer> out = new ArrayList<>();
        for (int n : counts) {
            out.add(n);
        }
        return out;
    }
}
