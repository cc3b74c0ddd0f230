package io.latentstream.ops;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The embedded broker as a child JVM ({@code latentstream broker}) on the same classpath, so a
 * test can crash it for real (SIGKILL) and restart it on the same log directory and ports.
 */
public final class ChildBroker implements AutoCloseable {
    /** Line the broker command prints on stdout once it accepts connections. */
    public static final String READY_MARKER = "LATENTSTREAM_BROKER_READY ";

    private final Path logDir;
    private final int brokerPort;
    private final int controllerPort;
    private Path output;
    private Process process;

    public ChildBroker(Path logDir) {
        this(logDir, EmbeddedKafka.freePort(), EmbeddedKafka.freePort());
    }

    public ChildBroker(Path logDir, int brokerPort, int controllerPort) {
        this.logDir = logDir;
        this.brokerPort = brokerPort;
        this.controllerPort = controllerPort;
    }

    /**
     * Appends the broker's output (every start) to {@code file}, with the transaction and group
     * coordinators logging at info, so a failed crash test can be read against what the broker did.
     */
    public ChildBroker keepOutput(Path file) {
        this.output = file;
        return this;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + brokerPort;
    }

    /** Starts the child JVM and waits until it reports ready (at most 90 s). */
    public ChildBroker start() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        cmd.add("-XX:+UseParallelGC");
        // Temporary files beside the log directory, not in /tmp: a killed broker cannot remove what it
        // extracted (lz4-java's native library, loaded to validate lz4 batches: ~150 KB a start).
        Path tmp = logDir.toAbsolutePath().resolveSibling(logDir.getFileName() + "-tmp");
        try {
            Files.createDirectories(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + tmp, e);
        }
        cmd.add("-Djava.io.tmpdir=" + tmp);
        String tv = System.getProperty(EmbeddedKafka.TRANSACTION_VERSION_PROPERTY);
        if (tv != null) {
            cmd.add("-D" + EmbeddedKafka.TRANSACTION_VERSION_PROPERTY + "=" + tv);
        }
        if (output != null) {
            // slf4j-simple reads system properties before its properties file.
            cmd.add("-Dorg.slf4j.simpleLogger.log.kafka.coordinator=info");
            cmd.add("-Dorg.slf4j.simpleLogger.log.org.apache.kafka.coordinator=info");
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.latentstream.Main");
        cmd.add("broker");
        cmd.add("--log-dir=" + logDir);
        cmd.add("--port=" + brokerPort);
        cmd.add("--controller-port=" + controllerPort);
        try {
            process = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start broker JVM", e);
        }
        CompletableFuture<Boolean> ready = new CompletableFuture<>();
        Process p = process;
        Path out = output;
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                 Writer w = out == null ? Writer.nullWriter() : Files.newBufferedWriter(out, StandardCharsets.UTF_8,
                         StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                w.write("---- broker start (pid " + p.pid() + ")\n");
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith(READY_MARKER)) {
                        ready.complete(true);
                    }
                    w.write(line);
                    w.write('\n');
                    w.flush();
                }
            } catch (IOException ignored) {
                // process gone
            }
            ready.complete(false);
        }, "child-broker-output");
        reader.setDaemon(true);
        reader.start();
        try {
            if (!ready.get(90, TimeUnit.SECONDS)) {
                throw new IllegalStateException("child broker exited before it was ready (exit " + p.waitFor() + ")");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            kill();
            throw new IllegalStateException("child broker not ready in 90 s", e);
        }
        return this;
    }

    /** SIGKILL: a real crash, no clean shutdown. */
    public void kill() {
        if (process != null) {
            process.destroyForcibly();
            waitExit();
        }
    }

    /** SIGTERM: the broker's clean shutdown. */
    public void stop() {
        if (process != null) {
            process.destroy();
            waitExit();
        }
    }

    public long pid() {
        return process.pid();
    }

    private void waitExit() {
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    @Override
    public void close() {
        stop();
    }
}
