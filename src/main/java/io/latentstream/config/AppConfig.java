package io.latentstream.config;

import org.apache.kafka.common.config.types.Password;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The effective, validated configuration of one process: latentstream settings parsed by
 * {@link Settings#DEF} plus Kafka client pass-through settings. Immutable.
 */
public final class AppConfig {
    private final Map<String, Object> values;
    private final Map<String, String> kafka;
    private final Map<String, String> sources;

    AppConfig(Map<String, Object> values, Map<String, String> kafka, Map<String, String> sources) {
        this.values = Collections.unmodifiableMap(new TreeMap<>(values));
        this.kafka = Collections.unmodifiableMap(new TreeMap<>(kafka));
        this.sources = Collections.unmodifiableMap(new TreeMap<>(sources));
    }

    /** Defaults only: handy for tests and for commands that need no file. */
    public static AppConfig defaults() {
        return ConfigLoader.load(null, Map.of(), Map.of());
    }

    public Object get(String key) {
        if (!values.containsKey(key)) {
            throw new IllegalArgumentException("not a declared setting: " + key);
        }
        return values.get(key);
    }

    public String getString(String key) {
        Object v = get(key);
        if (v instanceof Password p) {
            return p.value();
        }
        return v == null ? null : v.toString();
    }

    public int getInt(String key) {
        return (Integer) get(key);
    }

    public long getLong(String key) {
        return (Long) get(key);
    }

    public double getDouble(String key) {
        return (Double) get(key);
    }

    public boolean getBoolean(String key) {
        return (Boolean) get(key);
    }

    /** A LIST setting's values (comma-separated in files and flags), trimmed, none empty. */
    @SuppressWarnings("unchecked")
    public java.util.List<String> getList(String key) {
        return ((java.util.List<String>) get(key)).stream().map(String::trim).filter(v -> !v.isEmpty()).toList();
    }

    /** The value of a key this command cannot run without; fails naming the key and how to set it. */
    public String require(String key, String neededBy) {
        String v = getString(key);
        if (v == null || v.isBlank()) {
            throw new ConfigError(key, "missing required setting '" + key + "' (needed by " + neededBy
                    + "): set it in the --config file, as " + ConfigLoader.envName(key)
                    + ", or with --set " + key + "=...");
        }
        return v;
    }

    /** Kafka client settings given with the {@code kafka.} prefix, prefix removed: for Kafka Streams. */
    public Map<String, String> kafkaOverrides() {
        return kafka;
    }

    /**
     * {@link #kafkaOverrides()} for a client of our own (consumer, producer, admin) rather than Kafka Streams:
     * without {@code group.protocol=streams}, Kafka Streams' own rebalance protocol (KIP-1071), which a plain
     * consumer refuses ("must be one of CONSUMER, CLASSIC"); such a client keeps its default protocol.
     */
    public Map<String, String> kafkaClientOverrides() {
        String protocol = kafka.get("group.protocol");
        if (protocol == null || !protocol.trim().equalsIgnoreCase("streams")) {
            return kafka;
        }
        Map<String, String> m = new java.util.LinkedHashMap<>(kafka);
        m.remove("group.protocol");
        return java.util.Collections.unmodifiableMap(m);
    }

    /** Where each non-default value came from ("file app.properties", "env LATENTSTREAM_X", "flag"). */
    public String sourceOf(String key) {
        return sources.getOrDefault(key, "default");
    }

    /** The effective configuration as "key = value (source)" lines, secrets masked. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        values.forEach((k, v) -> sb.append(k).append(" = ").append(Settings.shown(k, v))
                .append("  (").append(sourceOf(k)).append(")\n"));
        kafka.forEach((k, v) -> {
            String full = Settings.KAFKA_PREFIX + k;
            sb.append(full).append(" = ").append(Settings.shown(full, v))
                    .append("  (").append(sourceOf(full)).append(")\n");
        });
        return sb.toString();
    }

    /** A copy with some settings replaced, re-validated (used where a command supplies a value itself). */
    public AppConfig with(Map<String, String> overrides) {
        Map<String, String> raw = new TreeMap<>();
        values.forEach((k, v) -> {
            if (!"default".equals(sourceOf(k)) && v != null) {
                raw.put(k, v instanceof Password p ? p.value() : String.valueOf(v));
            }
        });
        kafka.forEach((k, v) -> raw.put(Settings.KAFKA_PREFIX + k, v));
        raw.putAll(overrides);
        return ConfigLoader.load(null, Map.of(), raw);
    }

    @Override
    public String toString() {
        return describe();
    }
}
