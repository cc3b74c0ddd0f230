package io.latentstream.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs commands in-process through picocli, as users call them. */
public class CliTest {
    @TempDir
    Path dir;

    public record Result(int code, String out, String err) {
    }

    /** {@code command} followed by {@code options}: one deployment's options (-b, --set ...) after each command line. */
    public static String[] with(String[] options, String... command) {
        String[] all = java.util.Arrays.copyOf(command, command.length + options.length);
        System.arraycopy(options, 0, all, command.length, options.length);
        return all;
    }

    public static Result run(String... args) {
        CommandLine cl = LatentstreamCommand.newCommandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void helpListsTheSubcommandsThatExist() {
        Result r = run("--help");
        assertEquals(0, r.code());
        for (String sub : new String[] {"demo", "run", "retrain", "models", "decode", "dlq", "scores", "status", "train", "evaluate", "score", "generate", "bench", "topics", "acls", "config", "broker"}) {
            assertTrue(r.out().contains("  " + sub + " "), sub + " missing from\n" + r.out());
        }
    }

    @Test
    void everySubcommandHasHelpWithAnExample() {
        for (String[] sub : new String[][] {{"demo"}, {"run"}, {"retrain"}, {"models", "list"}, {"models", "publish"}, {"models", "rollback"}, {"models", "export"},
            {"models", "threshold"}, {"score"}, {"decode"}, {"dlq"}, {"scores"}, {"status"}, {"train"}, {"evaluate"}, {"generate"}, {"bench"}, {"bench", "kernel"}, {"topics", "apply"}, {"topics", "hanging"}, {"acls"}, {"config", "show"},
            {"config", "keys"}, {"broker"}}) {
            String[] args = java.util.Arrays.copyOf(sub, sub.length + 1);
            args[sub.length] = "--help";
            Result r = run(args);
            assertEquals(0, r.code(), String.join(" ", sub));
            assertTrue(r.out().contains("Example"), String.join(" ", sub) + " help has no example:\n" + r.out());
            // Every option value is named for what it takes (picocli falls back to the Java field name: "--seed=<seed>").
            assertFalse(java.util.regex.Pattern.compile("=<[A-Za-z]+>").matcher(r.out()).find(),
                    String.join(" ", sub) + " help has an option without a paramLabel:\n" + r.out());
        }
    }

    /**
     * picocli formats every help text with String.format: a bare '%' (as in "+-15%") made it print a
     * "[picocli WARN] Could not format" line three times on stderr above `bench --help`. picocli's
     * warnings go to the System.err of when it was loaded, so the help of every command is rendered
     * in a child JVM and its output read.
     */
    @Test
    void everyHelpRendersWithoutPicocliWarnings() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), HelpOfEveryCommand.class.getName()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "help child did not finish");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("rendered the help of 2"), out); // it really walked the commands
        assertFalse(out.contains("picocli WARN"), out);
    }

    /** Renders the usage help of every command and subcommand (child JVM of the test above). */
    public static final class HelpOfEveryCommand {
        public static void main(String[] args) {
            java.util.ArrayDeque<CommandLine> pending = new java.util.ArrayDeque<>(java.util.List.of(LatentstreamCommand.newCommandLine()));
            int n = 0;
            while (!pending.isEmpty()) {
                CommandLine cl = pending.pop();
                pending.addAll(cl.getSubcommands().values());
                cl.getUsageMessage();
                n++;
            }
            System.out.println("rendered the help of " + n + " commands");
        }
    }

    @Test
    void badBenchAndTrainFlagsAreUsageErrorsBeforeAnyWork() {
        Result bench = run("bench", "--runs", "no such run");
        assertEquals(2, bench.code(), bench.err());
        assertTrue(bench.err().contains("--runs no such run matches no run; runs are identity; parse only;"), bench.err());
        Result rounds = run("bench", "--rounds", "0");
        assertEquals(2, rounds.code(), rounds.err());
        assertTrue(rounds.err().contains("--rounds 1..50"), rounds.err());
        Result train = run("train", "--input", "x.csv", "--out", "x.lsb", "--nice", "20");
        assertEquals(2, train.code(), train.err());
        assertTrue(train.err().contains("--nice must be 0..19"), train.err());
        // Checked before any data is read: no broker listens on port 1, so a topic read would fail otherwise.
        Result clip = run("train", "--topic", "sensors", "-b", "127.0.0.1:1", "--features", "a,b", "--input-clip", "0",
                "--out", "x.lsb");
        assertEquals(2, clip.code(), clip.err());
        assertTrue(clip.err().contains("input clip must be > 0"), clip.err());
        // evaluate likewise, before its CSV (which does not exist here) is read.
        Result eval = run("evaluate", "--train-and-evaluate", "--input", "no-such.csv", "--beta", "-1");
        assertEquals(2, eval.code(), eval.err());
        assertTrue(eval.err().contains("beta"), eval.err());
        assertFalse(eval.err().contains("no-such.csv"), eval.err());
        Result replay = run("dlq", "-b", "127.0.0.1:1", "--replay-to", "latentstream.dlq");
        assertEquals(2, replay.code(), replay.err());
        assertTrue(replay.err().contains("--replay-to latentstream.dlq is a topic latentstream writes; replay to the input topic "
                + "(latentstream.raw)"), replay.err());
        Result cfg = run("--set", "retrain.nice=25", "config", "show");
        assertEquals(2, cfg.code(), cfg.err());
        assertTrue(cfg.err().contains("retrain.nice"), cfg.err());
    }

    @Test
    void outputPathsAreCheckedBeforeAnyWork() throws Exception {
        // The inputs do not exist: the --out check comes first, not after a long training run.
        Result train = run("train", "--input", "no-such.csv", "--out", dir.toString());
        assertEquals(2, train.code(), train.err());
        assertTrue(train.err().contains("--out " + dir + " is a directory; name the file to write, e.g. "
                + dir.resolve("model.lsb")), train.err());
        Result generate = run("generate", "--model", "no-such.lsb", "--count", "1", "--out", dir.toString());
        assertEquals(2, generate.code(), generate.err());
        assertTrue(generate.err().contains("is a directory"), generate.err());
        Path file = Files.writeString(dir.resolve("plain"), "x");
        Result under = run("train", "--input", "no-such.csv", "--out", file.resolve("m.lsb").toString());
        assertEquals(2, under.code(), under.err());
        assertTrue(under.err().contains(file + " is a file, not a directory"), under.err());
    }

    @Test
    void misspelledKeyInConfigFileExits2NamingIt() throws Exception {
        Path bad = dir.resolve("bad.properties");
        Files.writeString(bad, "topic.prefx=plant7\n");
        Result top = run("--config", bad.toString(), "topics", "apply");
        assertEquals(ExitCodes.USAGE, top.code());
        assertTrue(top.err().contains("'topic.prefx'"), top.err());
        Result sub = run("config", "show", "--config", bad.toString());
        assertEquals(ExitCodes.USAGE, sub.code());
        assertTrue(sub.err().contains("'topic.prefx'"), sub.err());
    }

    @Test
    void missingBootstrapServersExits2() {
        Result r = run("topics", "apply");
        assertEquals(ExitCodes.USAGE, r.code());
        assertTrue(r.err().contains("bootstrap.servers"), r.err());
    }

    @Test
    void unknownOptionExits2() {
        Result r = run("demo", "--no-such-option");
        assertEquals(ExitCodes.USAGE, r.code());
        assertTrue(r.err().contains("--no-such-option"), r.err());
    }

    @Test
    void badDurationExits2() {
        Result r = run("demo", "--duration", "soon");
        assertEquals(ExitCodes.USAGE, r.code());
        assertTrue(r.err().contains("not a duration"), r.err());
    }

    @Test
    void unreachableBrokerIsARuntimeFailure() {
        Result r = run("topics", "apply", "--bootstrap-server", "127.0.0.1:1", "--timeout", "2s");
        assertEquals(ExitCodes.RUNTIME_FAILURE, r.code(), r.err());
        assertTrue(r.err().startsWith("error: "), r.err());
        assertTrue(r.err().contains("hint: the Kafka cluster did not answer in time. Check bootstrap.servers"), r.err());
    }

    @Test
    void configShowMasksSecrets() {
        Result r = run("config", "show", "--set", "kafka.ssl.keystore.password=hunter2");
        assertEquals(0, r.code(), r.err());
        assertFalse(r.out().contains("hunter2"), r.out());
        assertTrue(r.out().contains("kafka.ssl.keystore.password = [hidden]"), r.out());
    }

    @Test
    void durationsParse() {
        DurationConverter c = new DurationConverter();
        assertEquals(30, c.convert("30s").toSeconds());
        assertEquals(120, c.convert("2m").toSeconds());
        assertEquals(45, c.convert("45").toSeconds());
        assertEquals(500, c.convert("500ms").toMillis());
        assertEquals(90, c.convert("PT1M30S").toSeconds());
    }
}
