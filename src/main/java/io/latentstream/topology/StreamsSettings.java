package io.latentstream.topology;

import io.latentstream.config.AppConfig;
import io.latentstream.config.Settings;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.LogAndContinueProcessingExceptionHandler;

import java.util.Properties;

/** Kafka Streams properties of the processor, from our settings plus kafka.* pass-through. */
public final class StreamsSettings {
    /** Producer batch.size of the processor unless configured (the Kafka default is 16 KB). */
    public static final int DEFAULT_BATCH_SIZE = 256 * 1024;
    /** Producer compression.type of the processor unless configured (the Kafka default is none). */
    public static final String DEFAULT_COMPRESSION = "lz4";

    private StreamsSettings() {
    }

    public static Properties from(AppConfig cfg, String bootstrap) {
        Topics t = Topics.from(cfg);
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, cfg.getString(Settings.APPLICATION_ID));
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, cfg.getString(Settings.PROCESSING_GUARANTEE));
        p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class.getName());
        p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class.getName());
        // Safety net for the unexpected (bad input is routed by the topology itself): Kafka Streams'
        // own dead-letter queue (KIP-1034) with the log-and-continue handlers.
        p.put(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, t.dlq());
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueProcessingExceptionHandler.class.getName());
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueExceptionHandler.class.getName());
        // No global threads; opt in to the Kafka 5.0 default. Kafka Streams builds a second StreamsConfig
        // for its partition assignor from the main consumer's settings, which do not carry this key, and
        // that one logged "Processing exception handler is not enabled for the GlobalThread" at WARN on
        // every start: the main-consumer copy reaches it.
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true");
        p.put(StreamsConfig.mainConsumerPrefix(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG), "true");
        // Every input yields a latent frame and a ~300-byte score record (3 headers each): with the
        // producer's 16 KB default a scores batch fills every ~50 records and each becomes its own
        // produce request. 256 KB batches halved the broker's and the producer's per-record CPU and
        // raised `latentstream bench` from ~70k to ~100k records/s (README "Performance"). Override
        // with kafka.batch.size or kafka.producer.batch.size.
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(DEFAULT_BATCH_SIZE));
        // The score JSON repeats its field names in every record: lz4 batches halved the broker's
        // network-thread CPU and cut the CPU per input by ~1.5 us of ~10 in paired bench runs (README
        // "Performance"), for less on the wire and on disk. Override with kafka.compression.type.
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, DEFAULT_COMPRESSION);
        p.putAll(cfg.kafkaOverrides());
        return p;
    }
}
