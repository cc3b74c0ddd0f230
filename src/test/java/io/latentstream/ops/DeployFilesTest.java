package io.latentstream.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.latentstream.config.AppConfig;
import io.latentstream.config.ConfigLoader;
import io.latentstream.config.Settings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * There is no Docker engine here: the images are not built. These checks parse the deployment
 * files and cross-check them against the code (config keys, ports, paths, image name, probes).
 */
class DeployFilesTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final int HTTP_PORT = (Integer) Settings.DEF.configKeys().get(Settings.HTTP_PORT).defaultValue;

    static List<JsonNode> yamlDocs(Path p) throws Exception {
        List<JsonNode> docs = new ArrayList<>();
        try (YAMLParser parser = new YAMLFactory().createParser(p.toFile())) {
            var it = YAML.readValues(parser, JsonNode.class);
            while (it.hasNext()) {
                docs.add(it.next());
            }
        }
        return docs;
    }

    @Test
    void composeMatchesTheCode() throws Exception {
        Path compose = Path.of("deploy/compose/docker-compose.yml");
        JsonNode services = yamlDocs(compose).get(0).get("services");
        for (String s : List.of("kafka", "topics", "models", "processor", "retrainer", "prometheus", "grafana")) {
            assertTrue(services.has(s), "compose service " + s);
        }
        // The first version goes to the models topic (the retrainer starts only from a version there),
        // not to the processor as a file.
        assertEquals(List.of("models", "publish", "--bundle", "/models/model.lsb"),
                YAML.convertValue(services.get("models").get("command"), List.class));
        assertTrue(services.get("models").get("volumes").get(0).asText().endsWith(":/models:ro"));
        assertFalse(services.get("processor").get("environment").has(ConfigLoader.envName(Settings.MODEL_PATH)));
        assertEquals("topics", services.get("topics").get("command").get(0).asText());
        assertEquals("apply", services.get("topics").get("command").get(1).asText());
        assertEquals("run", services.get("processor").get("command").get(0).asText());
        assertEquals("retrain", services.get("retrainer").get("command").get(0).asText());
        for (String s : List.of("topics", "models", "processor", "retrainer")) {
            Map<String, String> env = new HashMap<>();
            services.get(s).get("environment").fields().forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
            AppConfig cfg = ConfigLoader.load(null, env, Map.of()); // every LATENTSTREAM_* is a real setting with a valid value
            assertTrue(cfg.getString(Settings.BOOTSTRAP_SERVERS).startsWith("kafka:"));
        }
        assertEquals(HTTP_PORT + ":" + HTTP_PORT, services.get("processor").get("ports").get(0).asText());
        assertEquals(image(), services.get("processor").get("image").asText());
        // Every mounted file exists in the repository.
        for (String s : List.of("prometheus", "grafana")) {
            for (JsonNode v : services.get(s).get("volumes")) {
                Path host = compose.getParent().resolve(v.asText().split(":")[0]).normalize();
                assertTrue(Files.exists(host), "mounted file missing: " + host);
            }
        }
        String prom = Files.readString(Path.of("monitoring/prometheus/prometheus.yml"));
        assertTrue(prom.contains("processor:" + HTTP_PORT), "scrape target port = http.port");
        assertTrue(prom.contains("job_name: latentstream-processor"));
        assertTrue(prom.contains("retrainer:" + services.get("retrainer").get("environment").get("LATENTSTREAM_HTTP_PORT").asText()),
                "retrainer scrape target = its http.port");
        assertTrue(Files.readString(Path.of("monitoring/prometheus/rules.yml")).contains("job=\"latentstream-processor\""));
    }

    /** What rules.yml's header promises: every alert has a promtool test and a runbook section its runbook_url points at. */
    @Test
    void everyAlertHasATestAndARunbookSection() throws Exception {
        JsonNode rules = new ObjectMapper(new YAMLFactory()).readTree(Path.of("monitoring/prometheus/rules.yml").toFile());
        String tests = Files.readString(Path.of("monitoring/prometheus/rules_test.yml"));
        String runbook = Files.readString(Path.of("monitoring/RUNBOOK.md"));
        int alerts = 0;
        for (JsonNode group : rules.get("groups")) {
            for (JsonNode rule : group.get("rules")) {
                if (!rule.has("alert")) {
                    continue;
                }
                String name = rule.get("alert").asText();
                alerts++;
                assertTrue(tests.contains("alertname: " + name), "no promtool test for " + name);
                assertTrue(runbook.contains("\n## " + name + "\n"), "no runbook section for " + name);
                assertEquals("monitoring/RUNBOOK.md#" + name.toLowerCase(java.util.Locale.ROOT),
                        rule.get("annotations").get("runbook_url").asText(), name);
            }
        }
        assertTrue(alerts >= 11, "alerts found: " + alerts);
    }

    @Test
    void kubernetesMatchesTheCode(@TempDir Path dir) throws Exception {
        List<JsonNode> docs = yamlDocs(Path.of("deploy/k8s/processor.yaml"));
        JsonNode configMap = docs.stream().filter(d -> d.get("kind").asText().equals("ConfigMap")).findFirst().orElseThrow();
        Path props = dir.resolve("app.properties");
        Files.writeString(props, configMap.get("data").get("app.properties").asText());
        AppConfig cfg = ConfigLoader.load(props, Map.of(), Map.of());
        JsonNode deployment = docs.stream().filter(d -> d.get("kind").asText().equals("Deployment")).findFirst().orElseThrow();
        JsonNode pod = deployment.get("spec").get("template").get("spec");
        JsonNode c = pod.get("containers").get(0);
        assertEquals(image(), c.get("image").asText());
        assertEquals(cfg.getInt(Settings.HTTP_PORT), c.get("ports").get(0).get("containerPort").asInt());
        assertEquals("/health", c.get("livenessProbe").get("httpGet").get("path").asText());
        assertEquals("/ready", c.get("readinessProbe").get("httpGet").get("path").asText());
        assertTrue(pod.get("securityContext").get("runAsNonRoot").asBoolean());
        String mount = c.get("volumeMounts").get(0).get("mountPath").asText();
        assertEquals("--config", c.get("args").get(1).asText());
        assertEquals(mount + "/app.properties", c.get("args").get(2).asText());
        assertTrue(c.get("resources").get("requests").has("memory"));
    }

    @Test
    void retrainerManifestKeepsTheTokenInASecret() throws Exception {
        List<JsonNode> docs = yamlDocs(Path.of("deploy/k8s/retrainer.yaml"));
        JsonNode secret = docs.stream().filter(d -> d.get("kind").asText().equals("Secret")).findFirst().orElseThrow();
        JsonNode deployment = docs.stream().filter(d -> d.get("kind").asText().equals("Deployment")).findFirst().orElseThrow();
        JsonNode c = deployment.get("spec").get("template").get("spec").get("containers").get(0);
        assertEquals("retrain", c.get("args").get(0).asText());
        JsonNode env = c.get("env").get(0);
        assertEquals(io.latentstream.config.ConfigLoader.envName(Settings.RETRAIN_TOKEN), env.get("name").asText());
        assertEquals(secret.get("metadata").get("name").asText(), env.get("valueFrom").get("secretKeyRef").get("name").asText());
        assertEquals(image(), c.get("image").asText());
        String port = c.get("args").get(4).asText();
        assertEquals("http.port=" + c.get("ports").get(0).get("containerPort").asInt(), port);
        assertEquals("/ready", c.get("readinessProbe").get("httpGet").get("path").asText());
    }

    @Test
    void dockerfileIsMultiStageNonRootAndRunsTheJar() throws Exception {
        String df = Files.readString(Path.of("Dockerfile"));
        assertTrue(df.lines().filter(l -> l.startsWith("FROM ")).count() >= 2, "multi-stage");
        assertTrue(df.contains("COPY --from=build /src/target/latentstream.jar") && df.contains("/src/target/lib"));
        assertTrue(df.contains("USER 10001"), "non-root");
        assertTrue(df.contains("EXPOSE " + HTTP_PORT));
        assertTrue(df.contains("ENTRYPOINT [\"java\", \"--add-modules=jdk.incubator.vector\", \"-jar\", \"/app/latentstream.jar\"]"),
                "runs the jar with the vector module (the vectorized scoring kernel)");
        assertTrue(df.contains("/etc/latentstream/app.properties"), "default config path = the Kubernetes mount");
        assertTrue(df.contains("OMP_NUM_THREADS=1") && df.contains("maxPhysicalBytes=0"), "the JVM flags DL4J needs");
    }

    @Test
    void dashboardHasStableUidAndDatasourceVariable() throws Exception {
        JsonNode d = new ObjectMapper().readTree(Path.of("monitoring/grafana/latentstream-dashboard.json").toFile());
        assertEquals("latentstream-overview", d.get("uid").asText());
        assertTrue(d.get("templating").get("list").findValues("type").stream().anyMatch(t -> t.asText().equals("datasource")));
        for (JsonNode p : d.get("panels")) {
            assertEquals("${datasource}", p.get("datasource").get("uid").asText(), p.get("title").asText());
            assertTrue(p.get("targets").size() > 0);
        }
    }

    /** The image name, as the Dockerfile's build comment declares it. */
    static String image() throws Exception {
        String df = Files.readString(Path.of("Dockerfile"));
        int i = df.indexOf("docker build -t ");
        return df.substring(i + 16).split("\\s")[0];
    }
}
