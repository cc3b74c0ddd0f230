package io.latentstream.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A latentstream command ({@code io.latentstream.Main ...}) in its own JVM on the test classpath, so a
 * test can SIGKILL it, SIGSTOP/SIGCONT it, or stop it cleanly (SIGTERM), and read everything it printed
 * (stdout and stderr go to one log file, kept across restarts for the secrets scan).
 */
final class ChildJvm implements AutoCloseable {
    /** Every child still running, so a failed test (or the test JVM's exit) leaves none behind. */
    private static final java.util.Set<Process> LIVE = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ChildJvm::killAll, "child-jvm-reaper"));
    }

    /** SIGKILLs every child this test JVM started and has not ended. */
    static void killAll() {
        for (Process p : LIVE) {
            p.destroyForcibly();
        }
        LIVE.clear();
    }

    private final List<String> args;
    private final Map<String, String> env;
    private final Path log;
    private Process process;

    ChildJvm(Path log, Map<String, String> env, String... args) {
        this.log = log;
        this.env = env;
        this.args = List.of(args);
    }

    ChildJvm start() {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx384m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1"); // short-lived JVMs: start fast rather than peak
        // Temporary files in the test's own directory: a SIGKILLed child cannot remove what it extracted
        // (lz4-java's native library, ~150 KB a process) and /tmp would keep one per kill.
        cmd.add("-Djava.io.tmpdir=" + log.toAbsolutePath().getParent());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.latentstream.Main");
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        try {
            Process started = pb.start();
            process = started;
            LIVE.add(started);
            started.onExit().thenRun(() -> LIVE.remove(started));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start child JVM", e);
        }
        return this;
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** Waits until the log (this run or an earlier one) has {@code count} lines containing {@code marker}. */
    void awaitLog(String marker, int count, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (count(marker) >= count) {
                return;
            }
            if (!alive()) {
                throw new AssertionError("child exited (" + process.exitValue() + ") before printing '" + marker + "':\n" + tail());
            }
            Thread.sleep(100);
        }
        throw new AssertionError("child did not print '" + marker + "' in " + seconds + " s:\n" + tail());
    }

    long count(String marker) {
        try {
            return Files.readAllLines(log, StandardCharsets.UTF_8).stream().filter(l -> l.contains(marker)).count();
        } catch (IOException e) {
            return 0;
        }
    }

    String tail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** SIGKILL: a crash, nothing runs on the way out. */
    void kill() throws InterruptedException {
        if (alive()) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** SIGTERM: the command's own clean shutdown (its hook closes Kafka Streams). */
    void stop() throws InterruptedException {
        if (alive()) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    void signal(String sig) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid())).start();
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("kill -" + sig + " " + pid() + " failed");
        }
    }

    /** Exit code after the process ended by itself (waits at most {@code seconds}). */
    int awaitExit(int seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("child still running after " + seconds + " s:\n" + tail());
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
