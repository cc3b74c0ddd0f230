package io.latentstream.reliability;

import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Crash hooks for the model publisher (set with {@code kafka.interceptor.classes}; it is a consumer
 * interceptor too, doing nothing there, because kafka.* settings reach every client). With
 * {@code LS_CRASH_AT=before-bundle-send} the JVM halts as a bundle record is handed to the producer
 * (transaction begun, nothing written); with {@code bundle-acked} it halts when the broker has
 * acknowledged the bundle record (written inside a transaction that will never commit).
 */
public final class CrashingInterceptor implements ProducerInterceptor<byte[], byte[]>, ConsumerInterceptor<byte[], byte[]> {
    static final String ENV = "LS_CRASH_AT";
    private static final String MODE = System.getenv(ENV);

    private static boolean isBundle(byte[] key) {
        return key != null && new String(key, StandardCharsets.UTF_8).startsWith("bundle/");
    }

    private static void halt(String where) {
        System.out.println("CRASH_POINT " + where);
        System.out.flush();
        Runtime.getRuntime().halt(137);
    }

    @Override
    public ProducerRecord<byte[], byte[]> onSend(ProducerRecord<byte[], byte[]> record) {
        if ("before-bundle-send".equals(MODE) && isBundle(record.key())) {
            halt("before-bundle-send");
        }
        return record;
    }

    @Override
    public void onAcknowledgement(RecordMetadata metadata, Exception exception) {
        // Only bundle records are large; the models topic carries nothing else of this size.
        if ("bundle-acked".equals(MODE) && exception == null && metadata != null && metadata.topic().endsWith(".models")
                && metadata.serializedValueSize() > 1000) {
            halt("bundle-acked");
        }
    }

    @Override
    public ConsumerRecords<byte[], byte[]> onConsume(ConsumerRecords<byte[], byte[]> records) {
        return records;
    }

    @Override
    public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {
    }

    @Override
    public void close() {
    }

    @Override
    public void configure(Map<String, ?> configs) {
    }
}
