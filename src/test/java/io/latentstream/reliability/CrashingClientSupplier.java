package io.latentstream.reliability;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.processor.internals.DefaultKafkaClientSupplier;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Kafka Streams client supplier for crash tests (set with {@code kafka.default.client.supplier}): its
 * producers halt the JVM, like SIGKILL, right before the Nth transaction commit, with N from the
 * environment variable {@code LS_CRASH_BEFORE_COMMIT} (unset: never). The records of that transaction
 * are written but not committed, which is the moment exactly-once has to get right.
 */
public final class CrashingClientSupplier extends DefaultKafkaClientSupplier {
    static final String ENV = "LS_CRASH_BEFORE_COMMIT";
    private static final AtomicInteger COMMITS = new AtomicInteger();

    @Override
    public Producer<byte[], byte[]> getProducer(Map<String, Object> config) {
        String n = System.getenv(ENV);
        if (n == null) {
            return super.getProducer(config);
        }
        int crashAt = Integer.parseInt(n);
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer()) {
            @Override
            public void commitTransaction() {
                if (COMMITS.incrementAndGet() == crashAt) {
                    System.out.println("CRASH_POINT before commit #" + crashAt);
                    System.out.flush();
                    Runtime.getRuntime().halt(137);
                }
                super.commitTransaction();
            }
        };
    }
}
