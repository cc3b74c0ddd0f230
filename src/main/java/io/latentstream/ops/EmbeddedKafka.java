package io.latentstream.ops;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A single-node Kafka broker (KRaft, broker and controller in one) from Apache Kafka's own
 * server code, bound to 127.0.0.1. Used in-process by {@code demo} and tests; {@code latentstream
 * broker} runs the same class as its own JVM so a test can SIGKILL it (see {@link ChildBroker}).
 *
 * <p>Restarting on the same log directory keeps the data: storage is formatted only once.
 */
public final class EmbeddedKafka implements AutoCloseable {
    /**
     * System property choosing the broker's transaction protocol version at format time (1 or 2;
     * unset: Kafka's default, 2). See the README's reliability section for why tests pin it.
     */
    public static final String TRANSACTION_VERSION_PROPERTY = "latentstream.broker.transaction.version";

    private static final String HOST = "127.0.0.1";

    private final Path logDir;
    private final boolean deleteOnClose;
    private final int brokerPort;
    private final int controllerPort;
    private final Map<String, String> overrides;
    private KafkaRaftServer server;

    private EmbeddedKafka(Path logDir, boolean deleteOnClose, int brokerPort, int controllerPort, Map<String, String> overrides) {
        this.logDir = logDir;
        this.deleteOnClose = deleteOnClose;
        this.brokerPort = brokerPort;
        this.controllerPort = controllerPort;
        this.overrides = Map.copyOf(overrides);
    }

    /** Starts a broker on free loopback ports in a fresh temporary directory, deleted on close. */
    public static EmbeddedKafka startTemporary() {
        return startTemporary(Map.of());
    }

    /** {@link #startTemporary()} with broker settings of a test's own on top of the defaults. */
    public static EmbeddedKafka startTemporary(Map<String, String> brokerOverrides) {
        try {
            return start(Files.createTempDirectory("latentstream-kafka-"), true, freePort(), freePort(), brokerOverrides);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts (or restarts) a broker on the given directory and ports. */
    public static EmbeddedKafka start(Path logDir, boolean deleteOnClose, int brokerPort, int controllerPort) {
        return start(logDir, deleteOnClose, brokerPort, controllerPort, Map.of());
    }

    /** {@link #start(Path, boolean, int, int)} with broker settings of a test's own (e.g. more listeners) on top. */
    public static EmbeddedKafka start(Path logDir, boolean deleteOnClose, int brokerPort, int controllerPort,
                                      Map<String, String> brokerOverrides) {
        EmbeddedKafka k = new EmbeddedKafka(logDir, deleteOnClose, brokerPort, controllerPort, brokerOverrides);
        try {
            k.doStart();
        } catch (RuntimeException e) {
            k.close();
            throw e;
        }
        return k;
    }

    public String bootstrapServers() {
        return HOST + ":" + brokerPort;
    }

    public int brokerPort() {
        return brokerPort;
    }

    public int controllerPort() {
        return controllerPort;
    }

    public Path logDir() {
        return logDir;
    }

    private void doStart() {
        Properties props = brokerProperties();
        try {
            Files.createDirectories(logDir);
            if (!Files.exists(logDir.resolve("meta.properties"))) {
                Path propsFile = logDir.resolve("..").normalize()
                        .resolve(logDir.getFileName() + ".server.properties");
                try (var out = Files.newOutputStream(propsFile)) {
                    props.store(out, "latentstream embedded broker");
                }
                ByteArrayOutputStream buf = new ByteArrayOutputStream();
                java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("format", "-t", Uuid.randomUuid().toString(),
                        "-c", propsFile.toString(), "--ignore-formatted"));
                String tv = System.getProperty(TRANSACTION_VERSION_PROPERTY);
                if (tv != null && !tv.isBlank()) {
                    args.addAll(java.util.List.of("--feature", "transaction.version=" + tv.trim()));
                }
                int rc = StorageTool.execute(args.toArray(new String[0]), new PrintStream(buf, true, StandardCharsets.UTF_8));
                Files.deleteIfExists(propsFile);
                if (rc != 0) {
                    throw new IllegalStateException("formatting broker storage failed: "
                            + buf.toString(StandardCharsets.UTF_8));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare broker directory " + logDir, e);
        }
        server = new KafkaRaftServer(new KafkaConfig(props), Time.SYSTEM);
        server.startup();
        awaitReady(Duration.ofSeconds(60));
    }

    private Properties brokerProperties() {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@" + HOST + ":" + controllerPort);
        p.put("listeners", "PLAINTEXT://" + HOST + ":" + brokerPort + ",CONTROLLER://" + HOST + ":" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + brokerPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", logDir.toString());
        p.put("num.partitions", "1");
        p.put("auto.create.topics.enable", "false");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "4");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "4");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        // Fail fast and recover fast in tests: shorter session/abort checks than production brokers.
        p.put("transaction.abort.timed.out.transaction.cleanup.interval.ms", "5000");
        p.put("log.flush.interval.messages", Long.toString(Long.MAX_VALUE));
        p.putAll(overrides);
        return p;
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000))) {
            while (System.nanoTime() < deadline) {
                try {
                    if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (Exception e) {
                    last = e;
                }
                sleep(100);
            }
        }
        throw new IllegalStateException("embedded broker not ready after " + timeout.toSeconds() + " s", last);
    }

    @Override
    public void close() {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
            server = null;
        }
        if (deleteOnClose) {
            deleteRecursively(logDir);
        }
    }

    /** A free TCP port on loopback (the OS picks it; the socket is closed before use). */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes a directory tree, best effort (the broker's temp dir, the bench's work dir, test leftovers). */
    public static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // best effort: a file still open on some platforms
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the broker", e);
        }
    }
}
