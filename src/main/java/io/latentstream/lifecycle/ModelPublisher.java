package io.latentstream.lifecycle;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.latentstream.model.BundleCodec;
import io.latentstream.model.BundleException;
import io.latentstream.model.ModelBundle;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the models topic: a snapshot of the catalog, and transactional writes of a
 * bundle with its activation (publish) or of an activation alone (rollback). A transaction means a
 * crashed publisher never leaves a partial bundle visible to read_committed consumers.
 */
public final class ModelPublisher {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String bootstrap;
    private final Map<String, String> kafkaOverrides;
    private final String topic;

    public ModelPublisher(String bootstrap, Map<String, String> kafkaOverrides, String topic) {
        this.bootstrap = bootstrap;
        this.kafkaOverrides = kafkaOverrides;
        this.topic = topic;
    }

    /** The catalog of a model name as of now (reads the topic to its end, read_committed). */
    public ModelCatalog snapshot(String name, long maxBundleBytes, Duration timeout) {
        Map<String, Object> p = new HashMap<>(kafkaOverrides);
        p.put("bootstrap.servers", bootstrap);
        p.put("isolation.level", "read_committed");
        p.put("enable.auto.commit", "false");
        p.put("max.partition.fetch.bytes", (int) Math.min(Integer.MAX_VALUE, maxBundleBytes + (1 << 20)));
        ModelCatalog catalog = new ModelCatalog(name, maxBundleBytes);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            if (c.partitionsFor(topic, timeout).isEmpty()) {
                throw new IllegalStateException("models topic " + topic + " does not exist (run `latentstream topics apply`)");
            }
            TopicPartition tp = new TopicPartition(topic, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp), timeout).get(tp);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (c.position(tp) < end) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("timed out reading " + topic);
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    catalog.apply(r.key(), r.value());
                }
            }
        }
        return catalog;
    }

    /**
     * Another publisher (a retrainer, an operator's command) wrote a version as new as this bundle's
     * first: both chose "newest + 1". Nothing was written.
     */
    public static final class VersionTakenException extends IllegalStateException {
        private final long latest;

        VersionTakenException(String name, long version, long latest) {
            super("model " + name + " v" + version + " was not published: v" + latest + " was published meanwhile");
            this.latest = latest;
        }

        public long latest() {
            return latest;
        }
    }

    /**
     * Writes a verified bundle and makes it the active version, in one transaction, if its version is
     * still newer than every version on the topic (else {@link VersionTakenException}).
     */
    public void publish(ModelBundle bundle, String reason) {
        publish(bundle, reason, true);
    }

    /**
     * {@link #publish(ModelBundle, String)}; with {@code newest} false, at any version (an operator's
     * {@code models publish --force}). Two bundles under one version would split the fleet: a processor
     * that read the first keeps it, one that starts later loads the second.
     */
    public void publish(ModelBundle bundle, String reason, boolean newest) {
        byte[] bytes = BundleCodec.write(bundle);
        try {
            BundleCodec.read(bytes, BundleCodec.DEFAULT_MAX_BYTES); // never publish what the watcher would refuse
        } catch (BundleException e) {
            throw new IllegalArgumentException("bundle refused before publishing: " + e.getMessage(), e);
        }
        String name = bundle.manifest().name();
        long version = bundle.version();
        // Checked after initTransactions: that fences every earlier publisher of this model (one transactional id per
        // models topic and name) and settles its open transaction, and a later one fences this one, whose commit then
        // fails. So the version read here cannot be taken between the check and the commit.
        Runnable check = !newest ? null : () -> {
            Long latest = snapshot(name, BundleCodec.DEFAULT_MAX_BYTES, Duration.ofSeconds(30)).latestVersion();
            if (latest != null && latest >= version) {
                throw new VersionTakenException(name, version, latest);
            }
        };
        transact(name, List.of(new ProducerRecord<>(topic, 0, ModelsTopic.bundleKey(name, version), bytes),
                activation(name, version, reason)), check);
    }

    /** Makes an existing version active again for the whole fleet. */
    public void activate(String name, long version, String reason) {
        transact(name, List.of(activation(name, version, reason)), null);
    }

    /** Records a retraining decision (shown by `models list`). */
    public void recordDecision(String name, Map<String, Object> decision) {
        try {
            long at = System.currentTimeMillis();
            byte[] key = (ModelsTopic.DECISION + name + "/" + at).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            transact(name, List.of(new ProducerRecord<>(topic, 0, key, JSON.writeValueAsBytes(decision))), null);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    private ProducerRecord<byte[], byte[]> activation(String name, long version, String reason) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("version", version);
        v.put("reason", reason);
        v.put("at", Instant.now().toString());
        try {
            return new ProducerRecord<>(topic, 0, ModelsTopic.activeKey(name), JSON.writeValueAsBytes(v));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The transactional id every publisher of one model on one models topic uses, so they fence each
     * other (ACLs grant WRITE on it: `latentstream acls`). Scoped by the topic: deployments that share a
     * cluster and a model name (two topic prefixes) must not fence each other's publishes. Not under
     * "<application.id>-", the prefix Kafka Streams' own transactional ids take and the processor is
     * granted, so a processor's principal cannot fence a publisher.
     */
    public static String transactionalId(String modelsTopic, String name) {
        return modelsTopic + ".publisher." + name;
    }

    /** Writes the records in one transaction; {@code check}, if any, runs once the producer has fenced earlier ones. */
    private void transact(String name, List<ProducerRecord<byte[], byte[]>> records, Runnable check) {
        Map<String, Object> p = new HashMap<>(kafkaOverrides);
        p.put("bootstrap.servers", bootstrap);
        // One transactional id per models topic and model name: a second publisher fences the first (no interleaving).
        p.put("transactional.id", transactionalId(topic, name));
        p.put("max.request.size", 16 << 20);
        p.putIfAbsent("client.id", "latentstream-models-publisher");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.initTransactions();
            if (check != null) {
                check.run();
            }
            producer.beginTransaction();
            try {
                for (ProducerRecord<byte[], byte[]> r : records) {
                    producer.send(r);
                }
                producer.commitTransaction();
            } catch (RuntimeException e) {
                producer.abortTransaction();
                throw e;
            }
        }
    }
}
