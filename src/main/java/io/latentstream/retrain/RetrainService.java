package io.latentstream.retrain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.latentstream.config.AppConfig;
import io.latentstream.config.Settings;
import io.latentstream.lifecycle.ModelPublisher;
import io.latentstream.topology.Topics;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The retrainer's triggers. Leadership is a Kafka lease: every retrainer instance joins one consumer
 * group on the single-partition control topic, and only the member that owns the partition acts
 * (Kafka moves it to another instance if the leader dies). Triggers: the schedule (leader only), a
 * control message ({"action":"retrain"}, {"action":"accept-new-normal"}, {"action":"rollback","to":V}),
 * and POST /retrain, which writes a control message so whichever instance leads runs it.
 */
public final class RetrainService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RetrainService.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final AppConfig cfg;
    private final String bootstrap;
    private final Retrainer retrainer;
    private final ModelPublisher models; // rollbacks: checked, then activated
    private final KafkaConsumer<byte[], byte[]> control;
    private final Thread thread;
    private volatile boolean leader;
    private volatile boolean running = true;
    private long nextScheduled;
    private DriftMonitor drift;

    public RetrainService(AppConfig cfg, String bootstrap, Retrainer retrainer) {
        this.cfg = cfg;
        this.bootstrap = bootstrap;
        this.retrainer = retrainer;
        this.models = new ModelPublisher(bootstrap, cfg.kafkaClientOverrides(), Topics.from(cfg).models());
        Map<String, Object> p = new HashMap<>(cfg.kafkaClientOverrides());
        p.put("bootstrap.servers", bootstrap);
        p.put("group.id", cfg.getString(Settings.APPLICATION_ID) + "-retrainer");
        p.put("isolation.level", "read_committed");
        p.put("auto.offset.reset", "latest"); // commands are for now, not a replay of old ones
        p.put("enable.auto.commit", "false");
        // A retrain takes longer than the default poll interval; the lease must survive it.
        p.put("max.poll.interval.ms", 30 * 60 * 1000);
        p.put("connections.max.idle.ms", 31 * 60 * 1000); // longer than the poll interval, as the consumer asks
        p.putIfAbsent("client.id", "latentstream-retrainer");
        control = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        long interval = cfg.getLong(Settings.RETRAIN_INTERVAL_MS);
        nextScheduled = interval > 0 ? System.currentTimeMillis() + interval : Long.MAX_VALUE;
        thread = new Thread(this::loop, "retrain-triggers");
        thread.setDaemon(true);
    }

    public RetrainService start() {
        thread.start();
        return this;
    }

    /** This instance holds the lease (owns the control partition). */
    public boolean leader() {
        return leader;
    }

    public Retrainer retrainer() {
        return retrainer;
    }

    /**
     * The bearer token of the control endpoints, from retrain.token (env LATENTSTREAM_RETRAIN_TOKEN) or
     * retrain.token.file, or null when neither is set; never printed.
     */
    public static byte[] token(AppConfig cfg) {
        String t = cfg.getString(Settings.RETRAIN_TOKEN);
        String file = cfg.getString(Settings.RETRAIN_TOKEN_FILE);
        if ((t == null || t.isBlank()) && file != null && !file.isBlank()) {
            java.nio.file.Path p = java.nio.file.Path.of(file);
            try {
                t = java.nio.file.Files.readString(p, StandardCharsets.UTF_8).trim();
            } catch (java.io.IOException | RuntimeException e) {
                throw new io.latentstream.config.ConfigError(Settings.RETRAIN_TOKEN_FILE,
                        "retrain.token.file " + file + " is not readable: " + e.getClass().getSimpleName());
            }
        }
        return t == null || t.isBlank() ? null : t.getBytes(StandardCharsets.UTF_8);
    }

    /** Asks the leading retrainer (maybe this one) to run: writes a control message. */
    public void request(String action) {
        send("{\"action\":\"" + action + "\",\"source\":\"http\"}");
    }

    /**
     * Asks the leading retrainer to activate an earlier version: writes a rollback control message,
     * unless the version cannot be activated.
     *
     * @return null when handed to the control topic, else why the version cannot be activated
     */
    public String requestRollback(long to) {
        String refused = rollbackRefusal(to);
        if (refused == null) {
            send("{\"action\":\"rollback\",\"to\":" + to + ",\"source\":\"http\"}");
        }
        return refused;
    }

    /** Checked when asked and again when performed: the topic may have changed in between. */
    private String rollbackRefusal(long to) {
        return models.snapshot(cfg.getString(Settings.MODEL_NAME), cfg.getInt(Settings.MODEL_MAX_BYTES), Duration.ofSeconds(30))
                .activationRefusal(to);
    }

    private void send(String message) {
        Map<String, Object> p = new HashMap<>(cfg.kafkaClientOverrides());
        p.put("bootstrap.servers", bootstrap);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.from(cfg).control(), null,
                    message.getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not write to the control topic: " + e.getMessage(), e);
        }
    }

    private void loop() {
        try {
            control.subscribe(List.of(Topics.from(cfg).control()), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    leader = false;
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    leader = !partitions.isEmpty();
                    if (leader) {
                        LOG.info("this retrainer leads (owns the control partition)");
                    }
                }
            });
            double factor = cfg.getDouble(Settings.RETRAIN_DRIFT_FACTOR);
            double latentBound = cfg.getDouble(Settings.RETRAIN_DRIFT_LATENT_BOUND);
            if (factor > 0 || latentBound > 0) {
                drift = new DriftMonitor(bootstrap, cfg.kafkaClientOverrides(), Topics.from(cfg).anomalies(), Topics.from(cfg).latents(),
                        new DriftStatistics(cfg.getLong(Settings.RETRAIN_DRIFT_WINDOW_MS), cfg.getLong(Settings.RETRAIN_DRIFT_DURATION_MS),
                                factor, latentBound));
            }
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : control.poll(Duration.ofMillis(250))) {
                    handle(r.value());
                }
                control.commitSync();
                if (leader && System.currentTimeMillis() >= nextScheduled) {
                    nextScheduled = System.currentTimeMillis() + cfg.getLong(Settings.RETRAIN_INTERVAL_MS);
                    retrainer.retrain("schedule", false);
                }
                DriftMonitor.Expectation expected = drift == null ? null : retrainer.expectation();
                if (drift != null && drift.poll(expected) && leader) {
                    DriftStatistics st = drift.stats();
                    LOG.info("drift ({}): live anomaly rate {} (calibrated {}), latent distance {}", st.reason(),
                            String.format("%.3f", st.rate()), expected == null ? "?" : String.format("%.3f", expected.anomalyRate()),
                            String.format("%.2f", st.latentDistance()));
                    retrainer.retrain("drift:" + st.reason(), false);
                }
                if (drift != null) {
                    retrainer.meters().drift(drift.stats().rate(), drift.stats().latentDistance());
                }
            }
        } catch (WakeupException e) {
            if (running) {
                LOG.error("retrain triggers stopped unexpectedly", e);
            }
        } catch (RuntimeException e) {
            LOG.error("retrain triggers stopped", e);
        } finally {
            control.close(Duration.ofSeconds(5));
            if (drift != null) {
                drift.close();
            }
        }
    }

    private void handle(byte[] value) {
        JsonNode m;
        try {
            m = JSON.readTree(value);
        } catch (Exception e) {
            LOG.warn("ignoring a control message that is not JSON");
            return;
        }
        String action = m.path("action").asText("");
        switch (action) {
            case "retrain" -> retrainer.retrain("control:retrain", false);
            case "accept-new-normal" -> retrainer.retrain("control:accept-new-normal", true);
            case "rollback" -> {
                if (!m.has("to") || !m.get("to").canConvertToLong()) {
                    LOG.warn("ignoring rollback without a numeric \"to\"");
                    return;
                }
                long to = m.get("to").asLong();
                String refused = rollbackRefusal(to);
                if (refused != null) {
                    LOG.warn("rollback to v{} requested on the control topic refused: {}", to, refused);
                    return;
                }
                models.activate(cfg.getString(Settings.MODEL_NAME), to, "rollback");
                LOG.info("rollback to v{} requested on the control topic: activated", to);
            }
            default -> LOG.warn("ignoring unknown control action '{}'", action);
        }
    }

    @Override
    public void close() {
        running = false;
        control.wakeup();
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
