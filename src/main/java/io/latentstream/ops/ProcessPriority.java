package io.latentstream.ops;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Lowers this JVM's CPU scheduling priority (Linux nice value, optionally the SCHED_IDLE policy),
 * so a retrainer sharing a machine with a stream processor trains on idle CPU first. Java has no
 * API for either: on Linux both are per-thread attributes, so every current thread of the process
 * is changed with util-linux {@code renice} / {@code chrt}, and threads started later (ND4J's,
 * Kafka clients') inherit them from their creator.
 */
public final class ProcessPriority {
    private static final Path TASKS = Path.of("/proc/self/task");

    private ProcessPriority() {
    }

    /**
     * {@link #lowerTo(int)}, then with {@code idle} also Linux's SCHED_IDLE policy for every thread
     * ({@code chrt -a -i}): such threads run when nothing else wants the CPU, and yield at once
     * when a processor or broker thread wakes. In `latentstream bench` this kept 0.84–0.97 of the
     * scoring rate with a retrain running (3-round medians of two full runs and a focused one, json
     * and f32; an idle spinner at the same priority costs as much), against 0.80–0.83 with nice 19 alone.
     */
    public static String lowerTo(int nice, boolean idle) {
        String niced = lowerTo(nice);
        if (!idle || !Files.isDirectory(TASKS)) {
            return niced;
        }
        String failed = run(List.of("chrt", "-a", "-i", "-p", "0", Long.toString(ProcessHandle.current().pid())), true);
        return failed == null ? niced + ", SCHED_IDLE policy" : niced + "; SCHED_IDLE not set: " + failed;
    }

    /**
     * Sets the nice value of every thread of this process to {@code nice} (1..19; 0 does nothing).
     * Returns what was done, or why nothing was (not Linux, no renice, refused); never throws.
     */
    public static String lowerTo(int nice) {
        if (nice <= 0) {
            return "scheduling priority unchanged (nice 0)";
        }
        if (!Files.isDirectory(TASKS)) {
            return "scheduling priority unchanged: nice " + nice + " needs Linux (" + TASKS + ")";
        }
        List<String> cmd = new ArrayList<>(List.of("renice", "-n", Integer.toString(nice), "-p"));
        try (Stream<Path> s = Files.list(TASKS)) {
            s.forEach(t -> cmd.add(t.getFileName().toString()));
        } catch (IOException e) {
            return "scheduling priority unchanged: cannot list " + TASKS + ": " + e.getMessage();
        }
        int threads = cmd.size() - 4;
        // renice exits non-zero when a listed thread ended before it ran: only refusals count.
        String failed = run(cmd, false);
        return failed == null ? "scheduling priority nice " + nice + " (" + threads + " threads reniced; new threads inherit it)"
                : "scheduling priority: renice refused (" + failed + ")";
    }

    /** Runs a util-linux command; null when it did its job (refused nothing; exit 0 if asked), else why not. */
    private static String run(List<String> cmd, boolean checkExit) {
        String name = cmd.get(0);
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return name + " did not finish in 10 s";
            }
            boolean refused = output.lines().anyMatch(l -> l.contains("Permission denied") || l.contains("not permitted"));
            boolean failed = checkExit && p.exitValue() != 0;
            return refused || failed ? firstLine(output) : null;
        } catch (IOException e) {
            return "cannot run " + name + " (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** The nice value of the calling thread (Linux), or -100 when unknown. */
    public static int currentThreadNice() {
        return statField(19);
    }

    /** The scheduling policy of the calling thread (Linux: 0 normal, 5 SCHED_IDLE), or -100 when unknown. */
    public static int currentThreadPolicy() {
        return statField(41);
    }

    private static int statField(int field) {
        try {
            String stat = Files.readString(Path.of("/proc/thread-self/stat"));
            // Fields after the command name (which may hold spaces) start after the last ')' with field 3.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Integer.parseInt(f[field - 3]);
        } catch (IOException | RuntimeException e) {
            return -100;
        }
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
