package io.latentstream.retrain;

import io.latentstream.config.AppConfig;
import io.latentstream.config.ConfigLoader;
import io.latentstream.lifecycle.ModelCatalog;
import io.latentstream.lifecycle.ModelPublisher;
import io.latentstream.model.BundleCodec;
import io.latentstream.ops.EmbeddedKafka;
import io.latentstream.ops.Meters;
import io.latentstream.ops.OpsHttpServer;
import io.latentstream.topology.DeadLetterHeaders;
import io.latentstream.topology.TestModels;
import io.latentstream.topology.TopicApplier;
import io.latentstream.topology.TopicPlan;
import io.latentstream.topology.Topics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The retrainer on a real broker: POST /retrain auth matrix, a level-shifted samples window
 * retrained into a published challenger, the decision on the models topic, rollback by control message.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RetrainIT {
    static final String TOKEN = "tok-" + System.nanoTime();

    @Test
    void levelShiftIsRetrainedPublishedAndRolledBack() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.startTemporary()) {
            String bootstrap = kafka.bootstrapServers();
            AppConfig cfg = ConfigLoader.load(null, Map.of(), Map.of("topic.prefix", "rt", "application.id", "rt-app",
                    "model.name", "t", "retrain.interval.ms", "0", "retrain.min.samples", "200", "retrain.epochs", "15"));
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                new TopicApplier(admin, 30_000).apply(TopicPlan.builtIn(), "rt", 1, false);
            }
            Topics topics = Topics.from(cfg);
            ModelPublisher publisher = new ModelPublisher(bootstrap, Map.of(), topics.models());
            publisher.publish(TestModels.golden(), "publish"); // the champion, v1

            // Samples after a level shift: the champion's normal moved by +4 on every feature.
            Random rnd = new Random(2);
            try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap), new StringSerializer(),
                    new StringSerializer())) {
                for (int i = 0; i < 1500; i++) {
                    String ctx = "abc".charAt(i % 3) + "";
                    double z = rnd.nextGaussian();
                    StringBuilder v = new StringBuilder("[");
                    for (int j = 0; j < 5; j++) {
                        v.append(j > 0 ? "," : "").append(String.format(Locale.ROOT, "%.4f", 14 + z * (j % 2 == 0 ? 1 : -1) + 0.1 * rnd.nextGaussian()));
                    }
                    ProducerRecord<String, String> r = new ProducerRecord<>(topics.samples(), ctx, v.append("]").toString());
                    r.headers().add(DeadLetterHeaders.FORMAT, "json".getBytes(StandardCharsets.UTF_8));
                    p.send(r);
                }
            }

            Meters meters = Meters.prometheus();
            Retrainer retrainer = new Retrainer(cfg, bootstrap, meters);
            try (RetrainService service = new RetrainService(cfg, bootstrap, retrainer).start();
                 OpsHttpServer http = new OpsHttpServer("127.0.0.1", 0, (PrometheusMeterRegistry) meters.registry(), () -> null)) {
                http.addRetrainEndpoint(TOKEN.getBytes(StandardCharsets.UTF_8), () -> {
                    if (retrainer.busy()) {
                        return OpsHttpServer.RetrainAnswer.BUSY;
                    }
                    service.request("retrain");
                    return OpsHttpServer.RetrainAnswer.ACCEPTED;
                });
                await(service::leader, 60, "retrainer takes the lease");
                HttpClient c = HttpClient.newHttpClient();
                String url = "http://127.0.0.1:" + http.port() + "/retrain";
                HttpResponse<String> none = post(c, url, null, "");
                assertEquals(401, none.statusCode());
                assertTrue(none.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
                assertEquals(401, post(c, url, "Bearer wrong-" + TOKEN, "").statusCode());
                assertEquals(401, post(c, url, "Basic " + TOKEN, "").statusCode());
                assertEquals(405, c.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode());
                assertEquals(413, post(c, url, "Bearer " + TOKEN, "x".repeat(2048)).statusCode());
                assertEquals(202, post(c, url, "Bearer " + TOKEN, "").statusCode());
                await(retrainer::busy, 30, "retrain starts");
                assertEquals(409, post(c, url, "Bearer " + TOKEN, "").statusCode());
                await(() -> meters.retrainDecisions("published") + meters.retrainDecisions("rejected") > 0, 180, "a decision");
                assertEquals(1, meters.retrainDecisions("rejected"),
                        "a routine retrain must not re-baseline a window the champion flags: that is accept-new-normal's job");
                try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap), new StringSerializer(),
                        new StringSerializer())) {
                    p.send(new ProducerRecord<>(topics.control(), null, "{\"action\":\"accept-new-normal\"}")).get();
                }
                await(() -> meters.retrainDecisions("published") > 0, 180, "accept-new-normal publishes");

                // Decision records are written right after the metric counts them.
                await(() -> publisher.snapshot("t", BundleCodec.DEFAULT_MAX_BYTES, Duration.ofSeconds(30)).decisions().size() >= 2, 30,
                        "decisions recorded on the models topic");
                ModelCatalog catalog = publisher.snapshot("t", BundleCodec.DEFAULT_MAX_BYTES, Duration.ofSeconds(30));
                assertEquals(2, catalog.desired().version());
                assertEquals(1L, catalog.desired().bundle().manifest().parent());
                assertTrue(catalog.decisions().stream().anyMatch(d -> d.path("outcome").asText().equals("rejected")),
                        catalog.decisions().toString());
                await(() -> publisher.snapshot("t", BundleCodec.DEFAULT_MAX_BYTES, Duration.ofSeconds(30)).decisions().stream()
                        .anyMatch(d -> d.path("outcome").asText().equals("published")), 30, "published decision recorded");
                System.out.println("retrain decision: " + catalog.decisions().get(catalog.decisions().size() - 1));

                try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap), new StringSerializer(),
                        new StringSerializer())) {
                    p.send(new ProducerRecord<>(topics.control(), null, "{\"action\":\"rollback\",\"to\":1}")).get();
                }
                await(() -> publisher.snapshot("t", BundleCodec.DEFAULT_MAX_BYTES, Duration.ofSeconds(30)).desired().version() == 1, 60,
                        "rollback by control message");

                // A version that cannot be activated: refused when asked (POST /rollback answers 409 with this), and
                // by the leader if a control message names it anyway; a later valid one still applies.
                String refused = service.requestRollback(99);
                assertTrue(refused != null && refused.startsWith("there is no v99 of model t on the topic (versions [1, 2])"), refused);
                try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap), new StringSerializer(),
                        new StringSerializer())) {
                    p.send(new ProducerRecord<>(topics.control(), null, "{\"action\":\"rollback\",\"to\":99}")).get();
                    p.send(new ProducerRecord<>(topics.control(), null, "{\"action\":\"rollback\",\"to\":2}")).get();
                }
                await(() -> publisher.snapshot("t", BundleCodec.DEFAULT_MAX_BYTES, Duration.ofSeconds(30)).desired().version() == 2, 60,
                        "the valid rollback after the refused one");
                assertEquals(List.of(1L, 2L), activations(bootstrap, topics.models()).stream().distinct().sorted().toList(),
                        "no activation record ever named v99");
            }
        }
    }

    /** The versions named by every activation record on the models topic, in order (not compacted yet in a test). */
    static List<Long> activations(String bootstrap, String modelsTopic) throws Exception {
        List<Long> out = new java.util.ArrayList<>();
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        try (org.apache.kafka.clients.consumer.KafkaConsumer<String, String> c = new org.apache.kafka.clients.consumer.KafkaConsumer<>(
                Map.of("bootstrap.servers", bootstrap, "isolation.level", "read_committed"),
                new org.apache.kafka.common.serialization.StringDeserializer(), new org.apache.kafka.common.serialization.StringDeserializer())) {
            org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition(modelsTopic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            long deadline = System.currentTimeMillis() + 30_000;
            while (c.position(tp) < end && System.currentTimeMillis() < deadline) {
                for (var r : c.poll(Duration.ofMillis(200))) {
                    if (r.key() != null && r.key().startsWith("active/")) {
                        out.add(json.readTree(r.value()).path("version").asLong());
                    }
                }
            }
        }
        return out;
    }

    /**
     * A window poisoned with unflagged anomalies (5 features shifted by +6, 15% of the samples):
     * robust training must keep them anomalous for the challenger, or the gate must reject it.
     */
    @Test
    void poisonedWindowDoesNotTeachTheAnomaliesAndTwoRetrainersRunOnce() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.startTemporary()) {
            String bootstrap = kafka.bootstrapServers();
            AppConfig cfg = ConfigLoader.load(null, Map.of(), Map.of("topic.prefix", "pz", "application.id", "pz-app",
                    "model.name", "t", "retrain.interval.ms", "0", "retrain.min.samples", "200", "retrain.epochs", "20",
                    "retrain.drift.anomaly.rate.factor", "0"));
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                new TopicApplier(admin, 30_000).apply(TopicPlan.builtIn(), "pz", 1, false);
            }
            Topics topics = Topics.from(cfg);
            ModelPublisher publisher = new ModelPublisher(bootstrap, Map.of(), topics.models());
            publisher.publish(TestModels.golden(), "publish");
            double[][] normal = io.latentstream.model.Synthetic.lowRank(1700, 5, 2, 7);
            String[] ctx = io.latentstream.model.Synthetic.contexts(normal, 8);
            java.util.List<double[]> poison = new java.util.ArrayList<>();
            java.util.List<String> poisonCtx = new java.util.ArrayList<>();
            try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap), new StringSerializer(),
                    new StringSerializer())) {
                for (int i = 0; i < normal.length; i++) {
                    double[] row = normal[i].clone();
                    if (i % 7 == 3) {
                        for (int j = 0; j < 5; j++) {
                            row[j] += 6;
                        }
                        poison.add(row);
                        poisonCtx.add(ctx[i]);
                    }
                    StringBuilder v = new StringBuilder("[");
                    for (int j = 0; j < 5; j++) {
                        v.append(j > 0 ? "," : "").append(String.format(Locale.ROOT, "%.5f", row[j]));
                    }
                    p.send(new ProducerRecord<>(topics.samples(), ctx[i], v.append("]").toString()));
                }
            }
            Meters m1 = Meters.prometheus();
            Meters m2 = Meters.prometheus();
            Retrainer r1 = new Retrainer(cfg, bootstrap, m1);
            Retrainer r2 = new Retrainer(cfg, bootstrap, m2);
            try (RetrainService s1 = new RetrainService(cfg, bootstrap, r1).start();
                 RetrainService s2 = new RetrainService(cfg, bootstrap, r2).start()) {
                await(() -> s1.leader() || s2.leader(), 60, "one retrainer takes the lease");
                Thread.sleep(2000);
                assertTrue(s1.leader() != s2.leader(), "exactly one leader");
                s1.request("retrain");
                await(() -> decisions(m1) + decisions(m2) > 0, 180, "a decision");
                Thread.sleep(3000);
                assertEquals(1, decisions(m1) + decisions(m2), "two retrainers, one run");
            }
            await(() -> !publisher.snapshot("t", BundleCodec.DEFAULT_MAX_BYTES, Duration.ofSeconds(30)).decisions().isEmpty(), 30,
                    "decision recorded");
            ModelCatalog catalog = publisher.snapshot("t", BundleCodec.DEFAULT_MAX_BYTES, Duration.ofSeconds(30));
            var decision = catalog.decisions().get(0);
            System.out.println("poisoned window decision: " + decision);
            if (decision.path("outcome").asText().equals("published")) {
                io.latentstream.model.FastScorer challenger = new io.latentstream.model.FastScorer(catalog.desired().bundle());
                var scratch = challenger.newScratch();
                int flagged = 0;
                for (int i = 0; i < poison.size(); i++) {
                    float[] f = new float[5];
                    for (int j = 0; j < 5; j++) {
                        f[j] = (float) poison.get(i)[j];
                    }
                    if (challenger.isAnomaly(challenger.score(f, challenger.contextSlot(poisonCtx.get(i)), scratch))) {
                        flagged++;
                    }
                }
                System.out.printf(Locale.ROOT, "poisoned window: challenger v%d published and still flags %d of %d injected anomalies%n",
                        challenger.version(), flagged, poison.size());
                assertTrue(flagged >= 0.9 * poison.size(), "robust training must keep the poison anomalous: " + flagged + "/" + poison.size());
            } else {
                assertEquals("rejected", decision.path("outcome").asText(), decision.toString());
            }
        }
    }

    /**
     * Samples the live model flagged (header ls.anomaly=true) are in a routine window held out, not
     * dropped: never trained on, but there for the threshold's calibration (RetrainCalibrationTest
     * shows why). An operator's accept-new-normal trains on them.
     */
    @Test
    void flaggedSamplesAreHeldOutForCalibrationNotDropped() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.startTemporary()) {
            String bootstrap = kafka.bootstrapServers();
            AppConfig cfg = ConfigLoader.load(null, Map.of(), Map.of("topic.prefix", "ho", "application.id", "ho-app", "model.name", "t"));
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                new TopicApplier(admin, 30_000).apply(TopicPlan.builtIn(), "ho", 1, false);
            }
            String samples = Topics.from(cfg).samples();
            long t0 = System.currentTimeMillis() - 60_000;
            try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap), new StringSerializer(),
                    new StringSerializer())) {
                for (int i = 0; i < 600; i++) {
                    boolean flagged = i % 20 == 7;
                    // The first feature says which rows were flagged, so the test can find them after the window's sort.
                    String v = String.format(Locale.ROOT, "[%d,10,10,10,10]", flagged ? 99 : 10);
                    if (i % 2 == 1) { // the processor passes named-field JSON to the samples as it came: read by name too
                        List<String> names = TestModels.golden().features();
                        v = String.format(Locale.ROOT, "{\"%s\":10,\"%s\":10,\"%s\":10,\"%s\":10,\"%s\":%d}", names.get(4), names.get(3),
                                names.get(2), names.get(1), names.get(0), flagged ? 99 : 10);
                    }
                    ProducerRecord<String, String> r = new ProducerRecord<>(samples, null, t0 + i * 10L, "abc".charAt(i % 3) + "", v);
                    r.headers().add(DeadLetterHeaders.FORMAT, "json".getBytes(StandardCharsets.UTF_8))
                            .add(DeadLetterHeaders.ANOMALY, Boolean.toString(flagged).getBytes(StandardCharsets.UTF_8));
                    p.send(r);
                }
                // Entities the model (vocabulary a, b, c) does not know: new-pump has 30 samples (enough for its own
                // slot with a minimum of 20, as this test asks), a third flagged; rare-pump 5, two flagged.
                for (int i = 0; i < 35; i++) {
                    boolean rare = i >= 30;
                    boolean flagged = rare ? i >= 33 : i % 3 == 0;
                    ProducerRecord<String, String> r = new ProducerRecord<>(samples, null, t0 + i * 10L + 3, rare ? "rare-pump" : "new-pump",
                            String.format(Locale.ROOT, "[%d,10,10,10,10]", flagged ? (rare ? 55 : 77) : 10));
                    r.headers().add(DeadLetterHeaders.FORMAT, "json".getBytes(StandardCharsets.UTF_8))
                            .add(DeadLetterHeaders.ANOMALY, Boolean.toString(flagged).getBytes(StandardCharsets.UTF_8));
                    p.send(r);
                }
                for (int i = 0; i < 7; i++) { // scored by a model of another feature set: skipped, counted
                    ProducerRecord<String, String> r = new ProducerRecord<>(samples, null, t0 + i * 10L + 5, "a", "[10,10,10]");
                    r.headers().add(DeadLetterHeaders.FORMAT, "json".getBytes(StandardCharsets.UTF_8));
                    p.send(r);
                }
            }
            for (SamplesWindow.Flagged mode : new SamplesWindow.Flagged[] {SamplesWindow.Flagged.EXCLUDE, SamplesWindow.Flagged.MAJORITY_CONTEXTS}) {
                SamplesWindow.Window w = SamplesWindow.read(bootstrap, Map.of(), samples, TestModels.golden(), 3_600_000, 10_000, 1,
                        mode, 20, io.latentstream.codec.JsonFields.DEFAULT, Duration.ofSeconds(30));
                assertEquals(635, w.data().rows(), mode + ": every sample is in the window");
                assertEquals(603, w.data().trainableRows(), mode + ": the 32 flagged ones of known or rare entities are not trained on");
                for (int i = 0; i < w.data().rows(); i++) {
                    // new-pump's flags (77) came from the unknown slot: trained on, as the challenger gives it a slot.
                    double x0 = w.data().x()[i][0];
                    assertEquals(x0 == 99 || x0 == 55, w.data().isHeldOut(i), mode + ": row " + i + " held out iff flagged, new-pump's excepted");
                }
                assertEquals("new-pump", w.provenance().get("new_contexts"));
                for (int i = 1; i < w.timestamps().length; i++) {
                    assertTrue(w.timestamps()[i - 1] <= w.timestamps()[i], "time order, held-out rows in place");
                }
                assertEquals("32", w.provenance().get("held_out"));
                assertEquals(7, w.unparsed());
                assertEquals("7", w.provenance().get("unparsed"));
            }
            SamplesWindow.Window all = SamplesWindow.read(bootstrap, Map.of(), samples, TestModels.golden(), 3_600_000, 10_000, 1,
                    SamplesWindow.Flagged.INCLUDE, 20, io.latentstream.codec.JsonFields.DEFAULT, Duration.ofSeconds(30));
            assertEquals(635, all.data().trainableRows(), "accept-new-normal trains on every sample");
            SamplesWindow.Window off = SamplesWindow.read(bootstrap, Map.of(), samples, TestModels.golden(), 3_600_000, 10_000, 1,
                    SamplesWindow.Flagged.EXCLUDE, 0, io.latentstream.codec.JsonFields.DEFAULT, Duration.ofSeconds(30));
            assertEquals(635 - 42, off.data().trainableRows(), "with retrain.new.context.min.samples=0 every flagged sample is held out");
            assertEquals(null, off.provenance().get("new_contexts"));

            // Samples as a producer wrote them: keyless json in Schema Registry framing, the entity in
            // "device_id", the event time as ISO text. The retrainer reads them with the processor's
            // input.json.* names; with the default names they have no context and cannot train.
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                new TopicApplier(admin, 30_000).apply(TopicPlan.builtIn(), "hr", 1, false);
            }
            String renamed = "hr.samples";
            try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                    new org.apache.kafka.common.serialization.ByteArraySerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer())) {
                for (int i = 0; i < 40; i++) {
                    byte[] json = String.format(Locale.ROOT, "{\"device_id\":\"b\",\"time\":\"2026-11-27T03:%02d:00Z\",\"features\":[10,10,10,10,%d]}",
                            i, 10 + i % 3).getBytes(StandardCharsets.UTF_8);
                    byte[] framed = java.nio.ByteBuffer.allocate(5 + json.length).put((byte) 0).putInt(42).put(json).array();
                    ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(renamed, null, t0 + i * 10L, null, framed);
                    r.headers().add(DeadLetterHeaders.FORMAT, "json".getBytes(StandardCharsets.UTF_8))
                            .add(DeadLetterHeaders.ANOMALY, "false".getBytes(StandardCharsets.UTF_8));
                    p.send(r);
                }
            }
            SamplesWindow.Window named = SamplesWindow.read(bootstrap, Map.of(), renamed, TestModels.golden(), 3_600_000, 10_000, 1,
                    SamplesWindow.Flagged.EXCLUDE, 20, new io.latentstream.codec.JsonFields("device_id", "time"), Duration.ofSeconds(30));
            assertEquals(40, named.data().rows());
            assertEquals(0, named.unparsed());
            assertTrue(java.util.Arrays.stream(named.data().contexts()).allMatch("b"::equals), "entity b, from device_id");
            SamplesWindow.Window defaults = SamplesWindow.read(bootstrap, Map.of(), renamed, TestModels.golden(), 3_600_000, 10_000, 1,
                    SamplesWindow.Flagged.EXCLUDE, 20, io.latentstream.codec.JsonFields.DEFAULT, Duration.ofSeconds(30));
            assertEquals(null, defaults.data());
            assertEquals(40, defaults.unparsed(), "no context field, no key: not trainable for a conditional model");
        }
    }

    /** The schedule trigger: with an empty samples window the scheduled run is a recorded SKIPPED decision. */
    @Test
    void scheduleTriggersARunAndTheDecisionIsRecorded() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.startTemporary()) {
            String bootstrap = kafka.bootstrapServers();
            AppConfig cfg = ConfigLoader.load(null, Map.of(), Map.of("topic.prefix", "sc", "application.id", "sc-app",
                    "model.name", "t", "retrain.interval.ms", "2000", "retrain.drift.anomaly.rate.factor", "0"));
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                new TopicApplier(admin, 30_000).apply(TopicPlan.builtIn(), "sc", 1, false);
            }
            ModelPublisher publisher = new ModelPublisher(bootstrap, Map.of(), Topics.from(cfg).models());
            publisher.publish(TestModels.golden(), "publish");
            Meters meters = Meters.prometheus();
            try (RetrainService service = new RetrainService(cfg, bootstrap, new Retrainer(cfg, bootstrap, meters)).start()) {
                await(() -> meters.retrainDecisions("skipped") > 0, 60, "a scheduled run");
            }
            await(() -> publisher.snapshot("t", BundleCodec.DEFAULT_MAX_BYTES, Duration.ofSeconds(30)).decisions().stream()
                    .anyMatch(d -> d.path("trigger").asText().equals("schedule") && d.path("outcome").asText().equals("skipped")),
                    30, "scheduled decision on the models topic");
        }
    }

    /**
     * An operator publishes (models threshold, models publish) while a retrain trains its challenger:
     * both chose "newest + 1". The operator's version stands, the retrain publishes nothing and
     * records itself as skipped, rather than writing a second bundle under the same number.
     */
    @Test
    void aVersionPublishedWhileTheChallengerTrainsStandsAndTheRetrainSkips() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.startTemporary()) {
            String bootstrap = kafka.bootstrapServers();
            AppConfig cfg = ConfigLoader.load(null, Map.of(), Map.of("topic.prefix", "vt", "application.id", "vt-app",
                    "model.name", "t", "retrain.interval.ms", "0", "retrain.min.samples", "200", "retrain.epochs", "30"));
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                new TopicApplier(admin, 30_000).apply(TopicPlan.builtIn(), "vt", 1, false);
            }
            Topics topics = Topics.from(cfg);
            ModelPublisher publisher = new ModelPublisher(bootstrap, Map.of(), topics.models());
            publisher.publish(TestModels.golden(), "publish");
            Random rnd = new Random(4);
            try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap), new StringSerializer(),
                    new StringSerializer())) {
                for (int i = 0; i < 4000; i++) { // enough that training takes seconds, not the publish's fraction of one
                    StringBuilder v = new StringBuilder("[");
                    for (int j = 0; j < 5; j++) {
                        v.append(j > 0 ? "," : "").append(String.format(Locale.ROOT, "%.4f", 10 + rnd.nextGaussian()));
                    }
                    ProducerRecord<String, String> r = new ProducerRecord<>(topics.samples(), "abc".charAt(i % 3) + "", v.append("]").toString());
                    r.headers().add(DeadLetterHeaders.FORMAT, "json".getBytes(StandardCharsets.UTF_8));
                    p.send(r);
                }
            }
            Meters meters = Meters.prometheus();
            Retrainer retrainer = new Retrainer(cfg, bootstrap, meters);
            java.util.concurrent.atomic.AtomicReference<Retrainer.Decision> decision = new java.util.concurrent.atomic.AtomicReference<>();
            Thread run = new Thread(() -> decision.set(retrainer.retrain("accept-new-normal", true))); // publishes if nothing else does
            run.start();
            // The samples window is read (the gauge is set) once the champion is chosen: training starts now.
            await(() -> meters.registry().get("latentstream.retrain.samples.window").gauge().value() > 0, 60, "the window read");
            var operators = io.latentstream.model.ThresholdCalibration.withSensitivity(TestModels.golden(), 0.5, 2,
                    java.time.Instant.now(), "the operator's");
            publisher.publish(operators, "threshold");
            run.join(120_000);
            Retrainer.Decision d = decision.get();
            assertEquals(Retrainer.Outcome.SKIPPED, d.outcome(), d.reason());
            assertTrue(d.reason().startsWith("model t v2 was not published: v2 was published meanwhile by another publisher"), d.reason());
            ModelCatalog c = publisher.snapshot("t", BundleCodec.DEFAULT_MAX_BYTES, Duration.ofSeconds(30));
            assertEquals(List.of(1L, 2L), List.copyOf(c.versions()));
            assertEquals(0.5, c.desired().bundle().manifest().scoring().sensitivity(), "the operator's v2 stands");
        }
    }

    static long decisions(Meters m) {
        return m.retrainDecisions("published") + m.retrainDecisions("rejected") + m.retrainDecisions("skipped") + m.retrainDecisions("failed");
    }

    static HttpResponse<String> post(HttpClient c, String url, String auth, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (auth != null) {
            b.header("Authorization", auth);
        }
        return c.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static void await(BooleanSupplier cond, int seconds, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(100);
        }
    }
}
