package io.latentstream.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private Path file(String name, String content) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, content);
        return p;
    }

    @Test
    void defaultsApplyWhenNothingIsGiven() {
        AppConfig c = AppConfig.defaults();
        assertEquals("latentstream", c.getString(Settings.TOPIC_PREFIX));
        assertEquals(-1, c.getInt(Settings.TOPIC_REPLICATION_FACTOR));
        assertNull(c.getString(Settings.BOOTSTRAP_SERVERS));
        assertEquals("default", c.sourceOf(Settings.TOPIC_PREFIX));
    }

    @Test
    void precedenceIsDefaultsFileEnvFlags() throws Exception {
        Path f = file("app.properties", "topic.prefix=fromfile\napplication.id=fromfile\ntopic.replication.factor=3\n");
        Map<String, String> env = Map.of("LATENTSTREAM_APPLICATION_ID", "fromenv",
                "LATENTSTREAM_TOPIC_REPLICATION_FACTOR", "2", "PATH", "/bin");
        AppConfig c = ConfigLoader.load(f, env, Map.of(Settings.TOPIC_REPLICATION_FACTOR, "1"));
        assertEquals("fromfile", c.getString(Settings.TOPIC_PREFIX));
        assertEquals("fromenv", c.getString(Settings.APPLICATION_ID));
        assertEquals(1, c.getInt(Settings.TOPIC_REPLICATION_FACTOR));
        assertEquals("flag", c.sourceOf(Settings.TOPIC_REPLICATION_FACTOR));
        assertEquals("env LATENTSTREAM_APPLICATION_ID", c.sourceOf(Settings.APPLICATION_ID));
        assertTrue(c.sourceOf(Settings.TOPIC_PREFIX).startsWith("file "));
    }

    @Test
    void yamlFilesAreFlattenedToDottedKeys() throws Exception {
        Path f = file("app.yaml", "topic:\n  prefix: plant7\n  replication.factor: 1\nkafka:\n  security.protocol: SSL\n");
        AppConfig c = ConfigLoader.load(f, Map.of(), Map.of());
        assertEquals("plant7", c.getString(Settings.TOPIC_PREFIX));
        assertEquals(1, c.getInt(Settings.TOPIC_REPLICATION_FACTOR));
        assertEquals("SSL", c.kafkaOverrides().get("security.protocol"));
    }

    @Test
    void theStreamsGroupProtocolGoesToKafkaStreamsOnly() {
        AppConfig streams = ConfigLoader.load(null, Map.of(), Map.of("kafka.group.protocol", "Streams", "kafka.security.protocol", "SSL"));
        assertEquals("Streams", streams.kafkaOverrides().get("group.protocol"));
        assertEquals(Map.of("security.protocol", "SSL"), streams.kafkaClientOverrides()); // a plain consumer refuses "streams"
        AppConfig consumer = ConfigLoader.load(null, Map.of(), Map.of("kafka.group.protocol", "consumer"));
        assertEquals(Map.of("group.protocol", "consumer"), consumer.kafkaClientOverrides());
    }

    @Test
    void unknownKeyFailsNamingItAndSuggestingTheRightOne() throws Exception {
        Path f = file("bad.properties", "topic.prefx=x\n");
        ConfigError e = assertThrows(ConfigError.class, () -> ConfigLoader.load(f, Map.of(), Map.of()));
        assertEquals("topic.prefx", e.key());
        assertTrue(e.getMessage().contains("'topic.prefx'"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean 'topic.prefix'"), e.getMessage());
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
    }

    @Test
    void jsonFieldNamesAreCheckedAtStart() {
        AppConfig c = ConfigLoader.load(null, Map.of(), Map.of("input.json.context.field", "device_id", "input.json.ts.field", "time"));
        assertEquals(new io.latentstream.codec.JsonFields("device_id", "time"), Settings.jsonFields(c));
        ConfigError same = assertThrows(ConfigError.class, () -> ConfigLoader.load(null, Map.of(),
                Map.of("input.json.context.field", "id", "input.json.ts.field", "id")));
        assertEquals("bad value 'id' for setting 'input.json.ts.field' (flag): it must differ from input.json.context.field",
                same.getMessage());
        ConfigError features = assertThrows(ConfigError.class, () -> ConfigLoader.load(null, Map.of(),
                Map.of("input.json.context.field", "features")));
        assertTrue(features.getMessage().contains("'input.json.context.field'"), features.getMessage());
    }

    @Test
    void unknownKafkaKeyFails() {
        ConfigError e = assertThrows(ConfigError.class,
                () -> ConfigLoader.load(null, Map.of(), Map.of("kafka.sasl.mechansim", "PLAIN")));
        assertEquals("kafka.sasl.mechansim", e.key());
        ConfigError e2 = assertThrows(ConfigError.class,
                () -> ConfigLoader.load(null, Map.of(), Map.of("kafka.retires", "3")));
        assertTrue(e2.getMessage().contains("did you mean 'kafka.retries'"), e2.getMessage());
    }

    @Test
    void connectStyleDeadLetterKeyIsRefused() {
        ConfigError e = assertThrows(ConfigError.class, () -> ConfigLoader.load(null, Map.of(),
                Map.of("kafka.errors.deadletterqueue.topic.name", "x")));
        assertTrue(e.getMessage().contains("errors.dead.letter.queue.topic.name"), e.getMessage());
    }

    @Test
    void badValueFailsWithKeyValueSourceAndAllowed() {
        ConfigError e = assertThrows(ConfigError.class, () -> ConfigLoader.load(null,
                Map.of("LATENTSTREAM_TOPIC_REPLICATION_FACTOR", "99"), Map.of()));
        assertEquals(Settings.TOPIC_REPLICATION_FACTOR, e.key());
        assertTrue(e.getMessage().contains("'99'"), e.getMessage());
        assertTrue(e.getMessage().contains("[-1,...,32]"), e.getMessage());
        assertTrue(e.getMessage().contains("env LATENTSTREAM_TOPIC_REPLICATION_FACTOR"), e.getMessage());

        ConfigError e2 = assertThrows(ConfigError.class, () -> ConfigLoader.load(null, Map.of(),
                Map.of(Settings.TOPIC_PREFIX, "bad prefix!")));
        assertTrue(e2.getMessage().contains("[a-zA-Z0-9._-]"), e2.getMessage());

        ConfigError e3 = assertThrows(ConfigError.class, () -> ConfigLoader.load(null, Map.of(),
                Map.of(Settings.BOOTSTRAP_SERVERS, "localhost")));
        assertTrue(e3.getMessage().contains("host:port"), e3.getMessage());

        ConfigError e4 = assertThrows(ConfigError.class, () -> ConfigLoader.load(null, Map.of(),
                Map.of(Settings.INPUT_TOPIC, "my sensors")));
        assertEquals(Settings.INPUT_TOPIC, e4.key());
        assertTrue(e4.getMessage().contains("empty, or 1-200 characters"), e4.getMessage());
        assertEquals("", ConfigLoader.load(null, Map.of(), Map.of(Settings.INPUT_TOPIC, "")).getString(Settings.INPUT_TOPIC));
    }

    @Test
    void missingRequiredKeyFailsNamingIt() {
        AppConfig c = AppConfig.defaults();
        ConfigError e = assertThrows(ConfigError.class, () -> c.require(Settings.BOOTSTRAP_SERVERS, "run"));
        assertEquals(Settings.BOOTSTRAP_SERVERS, e.key());
        assertTrue(e.getMessage().contains("LATENTSTREAM_BOOTSTRAP_SERVERS"), e.getMessage());
    }

    @Test
    void secretsAreNeverPrinted() throws Exception {
        String sentinel = "S3NTINEL-" + System.nanoTime();
        Path f = file("s.properties", "kafka.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule "
                + "required username=\"u\" password=\"" + sentinel + "\";\nkafka.ssl.keystore.password=" + sentinel + "\n");
        AppConfig c = ConfigLoader.load(f, Map.of("LATENTSTREAM_KAFKA_SSL_KEY_PASSWORD", sentinel), Map.of());
        String shown = c.describe() + c;
        assertFalse(shown.contains(sentinel), shown);
        assertTrue(shown.contains("kafka.ssl.key.password = [hidden]"), shown);
        assertEquals(sentinel, c.kafkaOverrides().get("ssl.keystore.password")); // still passed to the client
        // A bad value of a secret key is not echoed either.
        assertTrue(Settings.isSecret("kafka.sasl.jaas.config"));
    }

    @Test
    void unreadableFileIsAConfigError() {
        ConfigError e = assertThrows(ConfigError.class,
                () -> ConfigLoader.load(dir.resolve("nope.properties"), Map.of(), Map.of()));
        assertTrue(e.getMessage().contains("not found"), e.getMessage());
    }

    @Test
    void launcherVariablesAreNotSettings() {
        AppConfig c = ConfigLoader.load(null, Map.of("LATENTSTREAM_JVM_OPTS", "-Xmx1g"), Map.of());
        assertTrue(c.kafkaOverrides().isEmpty());
    }
}
