package io.latentstream.cli;

import io.latentstream.config.AppConfig;

import java.util.HashMap;
import java.util.Map;

/** Kafka client properties from the configuration: bootstrap servers plus every kafka.* pass-through. */
final class KafkaClients {
    private KafkaClients() {
    }

    static Map<String, Object> admin(AppConfig cfg, String bootstrap) {
        Map<String, Object> p = new HashMap<>(cfg.kafkaClientOverrides());
        p.put("bootstrap.servers", bootstrap);
        p.putIfAbsent("client.id", "latentstream-admin");
        return p;
    }

    /** A consumer that reads what the processor commits (read_committed) and commits no offsets of its own. */
    static Map<String, Object> committedReader(AppConfig cfg, String bootstrap) {
        Map<String, Object> p = new HashMap<>(cfg.kafkaClientOverrides());
        p.put("bootstrap.servers", bootstrap);
        p.put("isolation.level", "read_committed");
        p.put("enable.auto.commit", "false");
        return p;
    }
}
