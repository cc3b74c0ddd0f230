package io.latentstream.config;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Reads settings from, in increasing precedence: declared defaults, a file ({@code .properties}
 * or {@code .yaml}/{@code .yml}), environment variables ({@code LATENTSTREAM_INPUT_FORMAT} for
 * {@code input.format}) and command-line flags. Fails at the first problem with a {@link ConfigError}
 * that names the key, where it came from, the bad value (unless secret) and what is allowed.
 */
public final class ConfigLoader {
    private ConfigLoader() {
    }

    public static final String ENV_PREFIX = "LATENTSTREAM_";
    /** Environment variables with our prefix that belong to the launcher, not to the configuration. */
    private static final java.util.Set<String> ENV_NOT_SETTINGS = java.util.Set.of("LATENTSTREAM_JVM_OPTS",
            "LATENTSTREAM_HOME", "LATENTSTREAM_SKIP_BUILD", "LATENTSTREAM_DEBUG");

    /** Misspellings people bring from elsewhere, refused with a pointer to the right key. */
    private static final Map<String, String> KNOWN_MISTAKES = Map.of(
            "errors.deadletterqueue.topic.name",
            "is Kafka Connect's spelling, which Kafka Streams silently ignores; use errors.dead.letter.queue.topic.name");

    public static String envName(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /**
     * @param file  a .properties or .yaml file, or null
     * @param env   the process environment (only LATENTSTREAM_* entries are read)
     * @param flags settings given on the command line
     */
    public static AppConfig load(Path file, Map<String, String> env, Map<String, String> flags) {
        Map<String, String> raw = new LinkedHashMap<>();
        Map<String, String> sources = new HashMap<>();
        if (file != null) {
            readFile(file).forEach((k, v) -> {
                raw.put(k, v);
                sources.put(k, "file " + file);
            });
        }
        Map<String, String> envKeys = envToKeys(env);
        envKeys.forEach((k, v) -> {
            raw.put(k, v);
            sources.put(k, "env " + envName(k));
        });
        flags.forEach((k, v) -> {
            raw.put(k, v);
            sources.put(k, "flag");
        });

        Map<String, Object> ours = new HashMap<>();
        Map<String, String> kafka = new HashMap<>();
        for (Map.Entry<String, String> e : raw.entrySet()) {
            String key = e.getKey();
            String src = sources.get(key);
            if (key.startsWith(Settings.KAFKA_PREFIX)) {
                String client = key.substring(Settings.KAFKA_PREFIX.length());
                if (KNOWN_MISTAKES.containsKey(client)) {
                    throw new ConfigError(key, "setting '" + key + "' (" + src + ") " + KNOWN_MISTAKES.get(client)
                            + " (as kafka.errors.dead.letter.queue.topic.name)");
                }
                if (!KafkaClientKeys.known(client)) {
                    throw new ConfigError(key, "unknown Kafka client setting '" + key + "' (" + src
                            + "): '" + client + "' is not a producer, consumer, admin or Streams setting"
                            + suggestion(client, KafkaClientKeys.names(), Settings.KAFKA_PREFIX));
                }
                kafka.put(client, e.getValue());
            } else if (Settings.DEF.names().contains(key)) {
                ours.put(key, e.getValue());
            } else if (KNOWN_MISTAKES.containsKey(key)) {
                throw new ConfigError(key, "setting '" + key + "' (" + src + ") " + KNOWN_MISTAKES.get(key));
            } else {
                throw new ConfigError(key, "unknown setting '" + key + "' (" + src + ")"
                        + suggestion(key, Settings.DEF.names(), "")
                        + "; Kafka client settings need the prefix 'kafka.' (see README, Configuration)");
            }
        }

        Map<String, Object> parsed = new HashMap<>();
        for (ConfigDef.ConfigKey k : Settings.DEF.configKeys().values()) {
            Object value;
            if (ours.containsKey(k.name)) {
                String given = ours.get(k.name).toString().trim();
                try {
                    value = ConfigDef.parseType(k.name, given, k.type);
                    if (k.validator != null) {
                        k.validator.ensureValid(k.name, value);
                    }
                } catch (ConfigException ex) {
                    String shown = Settings.isSecret(k.name) ? "[hidden]" : "'" + given + "'";
                    String allowed = k.validator != null ? k.validator.toString() : "a value of type " + k.type;
                    throw new ConfigError(k.name, "bad value " + shown + " for setting '" + k.name + "' ("
                            + sources.get(k.name) + "): allowed " + allowed + " (" + reason(ex) + ")");
                }
            } else {
                value = k.defaultValue;
            }
            parsed.put(k.name, value);
        }
        AppConfig cfg = new AppConfig(parsed, kafka, sources);
        Settings.jsonFields(cfg); // the one check across two keys: at start, whatever the command
        return cfg;
    }

    private static String reason(ConfigException ex) {
        String m = ex.getMessage();
        int i = m.lastIndexOf(": ");
        return i >= 0 ? m.substring(i + 2) : m;
    }

    static Map<String, String> envToKeys(Map<String, String> env) {
        Map<String, String> out = new LinkedHashMap<>();
        Map<String, String> byEnvName = new HashMap<>();
        for (String k : Settings.DEF.names()) {
            byEnvName.put(envName(k), k);
        }
        env.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            String name = e.getKey();
            if (!name.startsWith(ENV_PREFIX) || ENV_NOT_SETTINGS.contains(name)) {
                return;
            }
            String key = byEnvName.get(name);
            if (key == null) {
                // Kafka pass-through: LATENTSTREAM_KAFKA_SASL_JAAS_CONFIG -> kafka.sasl.jaas.config
                key = name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
            }
            out.put(key, e.getValue());
        });
        return out;
    }

    private static Map<String, String> readFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigError(null, "config file not found: " + file);
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        try (InputStream in = Files.newInputStream(file)) {
            if (name.endsWith(".yaml") || name.endsWith(".yml")) {
                return readYaml(in, file);
            }
            Properties p = new Properties();
            p.load(in);
            Map<String, String> out = new LinkedHashMap<>();
            for (String k : p.stringPropertyNames()) {
                out.put(k, p.getProperty(k));
            }
            return out;
        } catch (IOException e) {
            throw new ConfigError(null, "cannot read config file " + file + ": " + e.getMessage());
        }
    }

    private static Map<String, String> readYaml(InputStream in, Path file) throws IOException {
        YAMLFactory yaml = YAMLFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).build()).build();
        JsonNode root;
        try {
            root = new ObjectMapper(yaml).readTree(in);
        } catch (IOException e) {
            throw new ConfigError(null, "config file " + file + " is not valid YAML: " + e.getMessage());
        }
        Map<String, String> out = new LinkedHashMap<>();
        if (root == null || root.isMissingNode() || root.isNull()) {
            return out;
        }
        if (!root.isObject()) {
            throw new ConfigError(null, "config file " + file + " must hold a mapping of settings");
        }
        flatten("", root, out);
        return out;
    }

    private static void flatten(String prefix, JsonNode node, Map<String, String> out) {
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> it = node.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), e.getValue(), out);
            }
        } else if (node.isArray()) {
            StringBuilder sb = new StringBuilder();
            node.forEach(n -> sb.append(sb.length() == 0 ? "" : ",").append(n.asText()));
            out.put(prefix, sb.toString());
        } else {
            out.put(prefix, node.isNull() ? "" : node.asText());
        }
    }

    private static String suggestion(String key, Iterable<String> known, String prefix) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(key, k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return best != null && bestDistance <= Math.max(2, key.length() / 4)
                ? "; did you mean '" + prefix + best + "'?" : "";
    }

    /** Levenshtein distance, for "did you mean" hints. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
