package io.latentstream.topology;

import io.latentstream.config.ConfigLoader;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The processor's producer settings as Kafka Streams resolves them, defaults and overrides. */
class StreamsSettingsTest {
    private static Object producerBatchSize(Map<String, String> flags) {
        return producerSetting(flags, ProducerConfig.BATCH_SIZE_CONFIG);
    }

    private static Object producerSetting(Map<String, String> flags, String key) {
        var props = StreamsSettings.from(ConfigLoader.load(null, Map.of(), flags), "127.0.0.1:9092");
        return new StreamsConfig(props).getProducerConfigs("client").get(key);
    }

    @Test
    void producerBatchesAre256KiBUnlessConfigured() {
        assertEquals("262144", String.valueOf(producerBatchSize(Map.of())));
        assertEquals("65536", String.valueOf(producerBatchSize(Map.of("kafka.batch.size", "65536"))));
        assertEquals("32768", String.valueOf(producerBatchSize(Map.of("kafka.producer.batch.size", "32768"))));
    }

    @Test
    void producerCompressesWithLz4UnlessConfigured() {
        assertEquals("lz4", String.valueOf(producerSetting(Map.of(), ProducerConfig.COMPRESSION_TYPE_CONFIG)));
        assertEquals("none", String.valueOf(producerSetting(Map.of("kafka.compression.type", "none"), ProducerConfig.COMPRESSION_TYPE_CONFIG)));
        assertEquals("zstd", String.valueOf(producerSetting(Map.of("kafka.producer.compression.type", "zstd"), ProducerConfig.COMPRESSION_TYPE_CONFIG)));
    }

    @Test
    void theAssignorsStreamsConfigSeesTheGlobalExceptionHandlerEnabled() {
        // Kafka Streams' partition assignor builds its own StreamsConfig from the main consumer's
        // settings; with the key missing there it logged a WARN asking for a setting we had set.
        var props = StreamsSettings.from(ConfigLoader.load(null, Map.of(), Map.of()), "127.0.0.1:9092");
        Map<String, Object> consumer = new StreamsConfig(props).getMainConsumerConfigs("latentstream", "client", 0);
        assertEquals(true, new StreamsConfig(consumer).getBoolean(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG));
    }

    @Test
    void staticMembershipIsTheUsersChoiceWithAnyClientPrefix() {
        assertFalse(ProcessorRuntime.staticMember(ConfigLoader.load(null, Map.of(), Map.of())));
        for (String key : new String[] {"kafka.group.instance.id", "kafka.main.consumer.group.instance.id", "kafka.consumer.group.instance.id"}) {
            assertTrue(ProcessorRuntime.staticMember(ConfigLoader.load(null, Map.of(), Map.of(key, "pod-1"))), key);
        }
    }
}
