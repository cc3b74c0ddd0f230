package io.latentstream.topology;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The declared topics ({@code topology/topics.yaml}): one {@link TopicSpec} per role. Names are
 * {@code <prefix>.<role>}. Parsing is strict: an unknown role or field, or a missing one, fails.
 */
public record TopicPlan(List<TopicSpec> topics) {
    /** Every role DESIGN.md names; the plan must declare each exactly once. */
    public static final List<String> ROLES = List.of("raw", "latents", "scores", "anomalies", "dlq", "samples",
            "models", "control");
    private static final Set<String> FIELDS = Set.of("description", "partitions", "replication_factor",
            "cleanup_policy", "retention_ms", "max_message_bytes");

    public TopicPlan {
        topics = List.copyOf(topics);
    }

    /** One topic of the plan. */
    public record TopicSpec(String role, int partitions, short replicationFactor, String cleanupPolicy,
                            long retentionMs, int maxMessageBytes) {
        public String name(String prefix) {
            return prefix + "." + role;
        }

        /** The topic-level configs we manage, as Kafka names them. */
        public Map<String, String> configs() {
            return Map.of("cleanup.policy", cleanupPolicy, "retention.ms", Long.toString(retentionMs),
                    "max.message.bytes", Integer.toString(maxMessageBytes));
        }
    }

    public TopicSpec role(String role) {
        return topics.stream().filter(t -> t.role().equals(role)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no topic with role " + role));
    }

    /** The plan shipped in the jar (a copy of topology/topics.yaml). */
    public static TopicPlan builtIn() {
        try (InputStream in = TopicPlan.class.getResourceAsStream("/topology/topics.yaml")) {
            if (in == null) {
                throw new IllegalStateException("topology/topics.yaml missing from the classpath");
            }
            return parse(in, "topology/topics.yaml");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static TopicPlan load(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in, file.toString());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read topic plan " + file + ": " + e.getMessage(), e);
        }
    }

    static TopicPlan parse(InputStream in, String where) throws IOException {
        YAMLFactory yaml = YAMLFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(16).build()).build();
        JsonNode root = new ObjectMapper(yaml).readTree(in);
        JsonNode topics = root == null ? null : root.get("topics");
        if (topics == null || !topics.isObject()) {
            throw new IllegalArgumentException(where + ": expected a 'topics' mapping");
        }
        List<TopicSpec> specs = new ArrayList<>();
        Iterator<Map.Entry<String, JsonNode>> it = topics.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String role = e.getKey();
            if (!ROLES.contains(role)) {
                throw new IllegalArgumentException(where + ": unknown role '" + role + "' (allowed " + ROLES + ")");
            }
            JsonNode t = e.getValue();
            t.fieldNames().forEachRemaining(f -> {
                if (!FIELDS.contains(f)) {
                    throw new IllegalArgumentException(where + ": topic " + role + ": unknown field '" + f + "'");
                }
            });
            String policy = text(t, "cleanup_policy", where, role);
            if (!Set.of("delete", "compact", "compact,delete", "delete,compact").contains(policy)) {
                throw new IllegalArgumentException(where + ": topic " + role + ": bad cleanup_policy " + policy);
            }
            int partitions = (int) number(t, "partitions", where, role, 1, 10_000);
            short rf = (short) number(t, "replication_factor", where, role, 1, 32);
            long retention = number(t, "retention_ms", where, role, -1, Long.MAX_VALUE);
            int maxBytes = (int) number(t, "max_message_bytes", where, role, 1024, Integer.MAX_VALUE);
            specs.add(new TopicSpec(role, partitions, rf, policy, retention, maxBytes));
        }
        for (String role : ROLES) {
            if (specs.stream().noneMatch(s -> s.role().equals(role))) {
                throw new IllegalArgumentException(where + ": role '" + role + "' is not declared");
            }
        }
        return new TopicPlan(specs);
    }

    private static String text(JsonNode t, String field, String where, String role) {
        JsonNode n = t.get(field);
        if (n == null || !n.isTextual()) {
            throw new IllegalArgumentException(where + ": topic " + role + ": '" + field + "' must be a string");
        }
        return n.asText();
    }

    private static long number(JsonNode t, String field, String where, String role, long min, long max) {
        JsonNode n = t.get(field);
        if (n == null || !n.canConvertToLong() || n.asLong() < min || n.asLong() > max) {
            throw new IllegalArgumentException(where + ": topic " + role + ": '" + field + "' must be an integer in ["
                    + min + ", " + max + "], got " + n);
        }
        return n.asLong();
    }
}
