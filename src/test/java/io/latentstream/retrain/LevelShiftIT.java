package io.latentstream.retrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.latentstream.config.AppConfig;
import io.latentstream.config.ConfigLoader;
import io.latentstream.demo.SensorSimulator;
import io.latentstream.lifecycle.ModelPublisher;
import io.latentstream.model.ModelBundle;
import io.latentstream.model.TrainOptions;
import io.latentstream.model.TrainingData;
import io.latentstream.model.VaeTrainer;
import io.latentstream.ops.EmbeddedKafka;
import io.latentstream.ops.Meters;
import io.latentstream.topology.ModelRef;
import io.latentstream.topology.ProcessorRuntime;
import io.latentstream.topology.TopicApplier;
import io.latentstream.topology.TopicPlan;
import io.latentstream.topology.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The level-shift scenario end to end: one entity of the sensor stream shifts level; the
 * retrainer sees the live anomaly rate drift, trains a challenger that passes the gate and
 * publishes it; the processor swaps without restart; the live anomaly rate comes back down.
 */
@Tag("serial") // timing or CPU share matters: failsafe runs it alone (pom.xml)
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class LevelShiftIT {
    static final ObjectMapper JSON = new ObjectMapper();

    /** Version 1 of model {@code name}: a conditional VAE on the simulator's next {@code n} readings. */
    static ModelBundle firstModel(SensorSimulator sim, int n, String name) {
        double[][] x = new double[n][];
        String[] ctx = new String[n];
        for (int i = 0; i < n; i++) {
            SensorSimulator.Reading r = sim.next();
            x[i] = r.values();
            ctx[i] = r.entity();
        }
        return VaeTrainer.train(new TrainingData(SensorSimulator.FEATURES, x, ctx, "entity", "synthetic"),
                TrainOptions.defaults().withEpochs(30).withBatch(128, 3e-3), new VaeTrainer.Identity(name, 1, null, null), null, null);
    }

    @Test
    void levelShiftIsDetectedRetrainedSwappedAndRecovered() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.startTemporary()) {
            String bootstrap = kafka.bootstrapServers();
            Map<String, String> settings = new java.util.HashMap<>(Map.of("topic.prefix", "ls", "application.id", "ls-app",
                    "model.name", "demo", "samples.fraction", "0.2", "retrain.interval.ms", "0"));
            settings.putAll(Map.of("retrain.drift.anomaly.rate.factor", "10", "retrain.drift.window.ms", "10000",
                    "retrain.drift.duration.ms", "5000", "retrain.window.ms", "20000", "retrain.min.samples", "300", "retrain.epochs", "15"));
            AppConfig cfg = ConfigLoader.load(null, Map.of(), settings);
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                new TopicApplier(admin, 30_000).apply(TopicPlan.builtIn(), "ls", 1, false);
            }
            Topics topics = Topics.from(cfg);
            SensorSimulator sim = new SensorSimulator(6, 7, 0.0, -1);
            ModelBundle v1 = firstModel(sim, 6000, "demo");
            new ModelPublisher(bootstrap, Map.of(), topics.models()).publish(v1, "publish");

            Meters meters = Meters.prometheus();
            ModelRef model = new ModelRef();
            AtomicBoolean producing = new AtomicBoolean(true);
            long[] shiftAt = {-1};
            try (ProcessorRuntime processor = ProcessorRuntime.startWatching(cfg, bootstrap, model, meters, m -> { });
                 RetrainService retrain = new RetrainService(cfg, bootstrap, new Retrainer(cfg, bootstrap, meters)).start();
                 KafkaConsumer<byte[], byte[]> scores = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap, "group.id", "ls-audit",
                         "isolation.level", "read_committed", "auto.offset.reset", "earliest"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                Thread source = new Thread(() -> {
                    try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "linger.ms", 10,
                            "max.in.flight.requests.per.connection", 1), new StringSerializer(), new StringSerializer())) {
                        long start = System.nanoTime();
                        long sent = 0;
                        while (producing.get()) {
                            long due = (long) ((System.nanoTime() - start) / 1e9 * 500);
                            while (sent < due) {
                                SensorSimulator.Reading r;
                                if (sent == 500L * 10) {
                                    shiftAt[0] = System.currentTimeMillis();
                                    r = sim.shiftLevel();
                                } else {
                                    r = sim.next();
                                }
                                p.send(new ProducerRecord<>(topics.input(), r.entity(), r.toJson()));
                                sent++;
                            }
                            Thread.sleep(5);
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "level-shift-source");
                source.start();
                scores.subscribe(List.of(topics.scores()));
                long deadline = System.currentTimeMillis() + 240_000;
                long swappedAt = -1;
                long recoveredAt = -1;
                java.util.ArrayDeque<long[]> recent = new java.util.ArrayDeque<>(); // {time, anomaly?1:0} of v2 scores
                double peak = 0;
                java.util.ArrayDeque<long[]> all = new java.util.ArrayDeque<>();
                while (System.currentTimeMillis() < deadline && recoveredAt < 0) {
                    for (ConsumerRecord<byte[], byte[]> r : scores.poll(Duration.ofMillis(200))) {
                        JsonNode s = JSON.readTree(r.value());
                        long now = System.currentTimeMillis();
                        long flag = s.get("anomaly").asBoolean() ? 1 : 0;
                        all.addLast(new long[] {now, flag});
                        if (s.get("model_version").asLong() >= 2) {
                            if (swappedAt < 0) {
                                swappedAt = now;
                            }
                            recent.addLast(new long[] {now, flag});
                        }
                    }
                    long now = System.currentTimeMillis();
                    while (!all.isEmpty() && all.peekFirst()[0] < now - 5000) {
                        all.removeFirst();
                    }
                    if (all.size() > 500) {
                        peak = Math.max(peak, all.stream().mapToLong(a -> a[1]).sum() / (double) all.size());
                    }
                    while (!recent.isEmpty() && recent.peekFirst()[0] < now - 5000) {
                        recent.removeFirst();
                    }
                    if (recent.size() >= 1500) {
                        double rate = recent.stream().mapToLong(a -> a[1]).sum() / (double) recent.size();
                        if (rate < 0.03) { // back near the calibrated 1% (the stream has no injected anomalies here)
                            recoveredAt = now;
                        }
                    }
                }
                producing.set(false);
                source.join(10_000);
                assertTrue(swappedAt > 0, "no swap to a retrained model; decisions: published " + meters.retrainDecisions("published")
                        + ", rejected " + meters.retrainDecisions("rejected"));
                assertTrue(recoveredAt > 0, "the live anomaly rate did not come back after the swap");
                System.out.printf(Locale.ROOT, "level shift: peak live anomaly rate %.1f%%; swap to v%d %.1f s after the shift; "
                        + "rate back under 3%% %.1f s after the shift%n", 100 * peak, model.current().version(),
                        (swappedAt - shiftAt[0]) / 1000.0, (recoveredAt - shiftAt[0]) / 1000.0);
                assertTrue(peak > 0.1, "the shift must have raised the anomaly rate, peak " + peak);
            }
        }
    }
}
