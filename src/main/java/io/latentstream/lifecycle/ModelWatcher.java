package io.latentstream.lifecycle;

import io.latentstream.model.BundleException;
import io.latentstream.model.FastScorer;
import io.latentstream.model.ModelBundle;
import io.latentstream.ops.Meters;
import io.latentstream.topology.ModelRef;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * Keeps the processor's model in step with the models topic: a plain read_committed consumer
 * thread (not a GlobalKTable, so verification never stalls a stream thread) reads the topic from
 * the beginning, verifies the version the topic designates (activation pointer, else newest valid)
 * fully, checks it is compatible with the running model, and swaps it in atomically. On any
 * failure the running model stays; each refused version is logged once and counted.
 */
public final class ModelWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelWatcher.class);

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String topic;
    private final ModelCatalog catalog;
    private final ModelRef ref;
    private final Meters meters;
    private final Thread thread;
    private final Set<Long> reported = new HashSet<>();
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private volatile boolean running = true;

    public ModelWatcher(String bootstrap, Map<String, String> kafkaOverrides, String topic, String modelName, long maxBundleBytes,
                        ModelRef ref, Meters meters) {
        Map<String, Object> p = new HashMap<>(kafkaOverrides);
        p.put("bootstrap.servers", bootstrap);
        p.put("isolation.level", "read_committed"); // a bundle from an aborted transaction is never seen
        p.put("enable.auto.commit", "false");
        p.put("max.partition.fetch.bytes", (int) Math.min(Integer.MAX_VALUE, maxBundleBytes + (1 << 20)));
        p.put("fetch.max.bytes", (int) Math.min(Integer.MAX_VALUE, maxBundleBytes + (1 << 20)));
        p.putIfAbsent("client.id", "latentstream-model-watcher");
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.topic = topic;
        this.catalog = new ModelCatalog(modelName, maxBundleBytes);
        this.ref = ref;
        this.meters = meters;
        this.thread = new Thread(this::loop, "model-watcher");
        this.thread.setDaemon(true);
    }

    public ModelWatcher start() {
        thread.start();
        return this;
    }

    /** Waits until the topic has been read to its end once (or the timeout passes). */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    private void loop() {
        try {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            while (running) {
                var records = consumer.poll(Duration.ofMillis(500));
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    catalog.apply(r.key(), r.value());
                    ModelsTopic.Key k = ModelsTopic.Key.parse(r.key());
                    if (k != null && k.kind().equals("bundle") && k.name().equals(catalog.name()) && r.value() != null) {
                        ModelCatalog.Verified v = catalog.verify(k.version());
                        report(v);
                        String why = catalog.incompatibility(v);
                        if (why != null) {
                            refuse(v.version(), BundleException.Reason.INCOMPATIBLE, why);
                        }
                    }
                }
                if (caughtUp.getCount() > 0) {
                    long end = consumer.endOffsets(List.of(tp)).get(tp);
                    if (consumer.position(tp) >= end) {
                        caughtUp.countDown();
                    }
                }
                if (!records.isEmpty() || ref.current() == null) {
                    reconcile();
                }
            }
        } catch (WakeupException e) {
            if (running) {
                LOG.error("model watcher woken unexpectedly", e);
            }
        } catch (RuntimeException e) {
            LOG.error("model watcher stopped: the running model stays, but new versions will not be picked up", e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void report(ModelCatalog.Verified v) {
        if (!v.ok() && reported.add(v.version())) {
            LOG.warn("model {} v{} refused: {}", catalog.name(), v.version(), v.message());
            meters.modelRejected(v.reason().name());
        }
    }

    /** Swap to the designated version if it differs from the running one and passes every check. */
    private void reconcile() {
        ModelCatalog.Verified want = catalog.desired();
        if (want == null) {
            return;
        }
        FastScorer current = ref.current();
        if (current != null && current.version() == want.version()) {
            return;
        }
        ModelBundle next = want.bundle();
        Long pointer = catalog.activationPointer();
        boolean explicitlyActivated = pointer != null && pointer == want.version();
        if (current != null && want.version() < current.version() && !explicitlyActivated) {
            refuse(want.version(), BundleException.Reason.OLDER_VERSION, "v" + want.version() + " is older than the running v"
                    + current.version() + " and no activation record points to it");
            return;
        }
        String incompatible = current == null ? null : Compatibility.check(current.bundle(), next);
        if (incompatible != null) {
            refuse(want.version(), BundleException.Reason.INCOMPATIBLE, incompatible);
            return;
        }
        FastScorer scorer = new FastScorer(next);
        ref.set(scorer);
        meters.modelSwapped(next.version());
        meters.calibration(1 - next.manifest().scoring().quantile(), scorer.threshold());
        LOG.info("model {} now v{} (was {}){}", catalog.name(), next.version(), current == null ? "none" : "v" + current.version(),
                explicitlyActivated && catalog.activationReason() != null ? " by " + catalog.activationReason() : "");
    }

    private void refuse(long version, BundleException.Reason reason, String message) {
        if (reported.add(version)) {
            LOG.warn("model {} v{} refused: {}", catalog.name(), version, message);
            meters.modelRejected(reason.name());
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
