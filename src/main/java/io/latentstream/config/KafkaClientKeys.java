package io.latentstream.config;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.streams.StreamsConfig;

import java.util.HashMap;
import java.util.Map;

/** Every setting Kafka's own clients (producer, consumer, admin, Streams) declare, with its type. */
final class KafkaClientKeys {
    private KafkaClientKeys() {
    }

    private static final Map<String, ConfigDef.Type> TYPES = new HashMap<>();

    static {
        for (ConfigDef def : new ConfigDef[] {ProducerConfig.configDef(), ConsumerConfig.configDef(),
                AdminClientConfig.configDef(), StreamsConfig.configDef()}) {
            def.configKeys().forEach((name, key) -> TYPES.putIfAbsent(name, key.type));
        }
    }

    static boolean known(String name) {
        if (TYPES.containsKey(name)) {
            return true;
        }
        // Streams' per-client prefixes (producer.acks, main.consumer.max.poll.records, topic.segment.bytes)
        // take the rest as a client or topic setting; check that rest where we can.
        for (String p : new String[] {"producer.", "consumer.", "main.consumer.", "restore.consumer.",
                "global.consumer.", "admin."}) {
            if (name.startsWith(p)) {
                return known(name.substring(p.length()));
            }
        }
        return name.startsWith("topic.") || name.startsWith("listener.name.");
    }

    static ConfigDef.Type type(String name) {
        return TYPES.get(name);
    }

    static Iterable<String> names() {
        return TYPES.keySet();
    }
}
