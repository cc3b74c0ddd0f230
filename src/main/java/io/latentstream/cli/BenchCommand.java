package io.latentstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code latentstream bench}: the end-to-end pipeline benchmark (identity topology, parse-only, the
 * processor at each guarantee and under a concurrent retrain, Random Cut Forest, retraining cost);
 * {@code latentstream bench kernel}: the JMH scoring-kernel benchmarks. Both measure their
 * baselines in the same run and print the ratios.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"End-to-end benchmark on one broker, one machine: preloads N records (json and f32) into an input "
                + "topic, then consumes them, one run after another, with (1) an identity topology (read -> write, same "
                + "serdes, exactly_once_v2), (2) parse-only, (3) the processor at at_least_once, (4) the processor at "
                + "exactly_once_v2 with 100 ms commits (and with kafka.commit.interval.ms when set; and with scores.enabled=false, "
                + "latent frames and anomalies only), (5) the processor while "
                + "a retrain runs in another process (at retrain.nice, as `latentstream retrain` runs, and at nice 0; and, as "
                + "the control, beside a process that only spins on idle CPU at the same priority), and "
                + "(6) an in-JVM AWS Random Cut Forest pass over the same vectors. "
                + "Prints records/s, end-to-end latency p50/p99 of a paced probe (record timestamp -> visible to a "
                + "read_committed consumer), CPU time of the application's threads per record, the ratios against (1) "
                + "and (6) with the targets, and the retraining cost (100k samples x 20 epochs, d = 9 and 64).",
            "Uses an embedded broker unless --bootstrap-server is given (then it creates lsbench-* topics there)."},
        footer = {"", "Examples:", "  latentstream bench", "  latentstream bench --records 500000 --dim 64",
            "  latentstream bench --records 1000000 --rounds 3 --runs 'exactly_once_v2 100 ms|retrain running|idle spinner'",
            "  latentstream bench --quick            # a short smoke run (what the test runs)",
            "  latentstream bench kernel"},
        subcommands = {BenchCommand.Kernel.class})
public final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--records", defaultValue = "200000", paramLabel = "N", description = "Records per run (default: ${DEFAULT-VALUE}).")
    int records;

    @Option(names = "--dim", defaultValue = "9", paramLabel = "D", description = "Features per record (default: ${DEFAULT-VALUE}).")
    int dim;

    @Option(names = "--partitions", defaultValue = "6", paramLabel = "P", description = "Input partitions (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--retrain-dims", defaultValue = "9,64", split = ",", paramLabel = "D[,D...]",
            description = "Dimensions of the retraining-cost measurement (default: ${DEFAULT-VALUE}).")
    int[] retrainDims;

    @Option(names = "--runs", paramLabel = "REGEX", description = "Only the runs whose name and format match (searched in "
            + "\"<run> <format>\", e.g. 'identity|exactly_once_v2 100 ms json'); the forest pass and the retraining cost always run. "
            + "Default: all. Runs: " + io.latentstream.bench.PipelineBench.RUN_LIST + ".")
    java.util.regex.Pattern runs;

    @Option(names = "--rounds", defaultValue = "1", paramLabel = "N", description = "Run the whole plan (the forest pass too) N times over and report each "
            + "run's median round, with every round's records/s and the target ratios round by round (default: ${DEFAULT-VALUE}). "
            + "One run moves by about +-15%% here; 3 rounds make the ratios worth comparing with a target.")
    int rounds;

    @Option(names = "--cpu-by-thread", description = "After each run, print the CPU time per record of each busy thread of this JVM "
            + "(the application's stream and producer threads, and with the embedded broker its request handlers and network threads).")
    boolean cpuByThread;

    @Option(names = "--quick", description = "A short smoke run: 5,000 records, a 2 s latency probe, retraining cost on 5,000 x 2 "
            + "epochs at d = 9. Figures are not meaningful; the commands and code paths are the same.")
    boolean quick;

    @Override
    public Integer call() throws Exception {
        if (records < 100 || dim < 1 || dim > 4096 || partitions < 1 || partitions > 1000 || rounds < 1 || rounds > 50) {
            throw new UsageError("--records must be >= 100, --dim 1..4096, --partitions 1..1000, --rounds 1..50");
        }
        if (runs != null && io.latentstream.bench.PipelineBench.RUN_NAMES.stream()
                .noneMatch(n -> runs.matcher(n + " json").find() || runs.matcher(n + " f32").find())) {
            throw new UsageError("--runs " + runs + " matches no run; runs are " + String.join("; ", io.latentstream.bench.PipelineBench.RUN_NAMES)
                    + " (each in json and f32)");
        }
        io.latentstream.config.AppConfig cfg = Cli.config(spec);
        PrintWriter out = spec.commandLine().getOut();
        Path work = Files.createTempDirectory("latentstream-bench-");
        io.latentstream.ops.EmbeddedKafka kafka = null;
        try {
            // -b/--bootstrap-server (or bootstrap.servers in --config) runs against that cluster.
            String bs = cfg.getString(io.latentstream.config.Settings.BOOTSTRAP_SERVERS);
            if (bs == null || bs.isBlank()) {
                out.println("starting an embedded Kafka broker (KRaft) on 127.0.0.1 ...");
                out.flush();
                kafka = io.latentstream.ops.EmbeddedKafka.startTemporary();
                bs = kafka.bootstrapServers();
            }
            int n = quick ? Math.min(records, 5_000) : records;
            io.latentstream.bench.PipelineBench.Options o = new io.latentstream.bench.PipelineBench.Options(bs, n, dim, partitions, quick,
                    quick ? 200 : 2_000, quick ? 2 : 5, quick ? 5_000 : 100_000, quick ? 2 : 20, quick ? new int[] {9} : retrainDims,
                    work, System.getProperty("java.class.path"), runs, cpuByThread, rounds);
            new io.latentstream.bench.PipelineBench(cfg, o, out).run();
            return ExitCodes.OK;
        } finally {
            if (kafka != null) {
                kafka.close();
            }
            io.latentstream.ops.EmbeddedKafka.deleteRecursively(work);
        }
    }

    @Command(name = "kernel", mixinStandardHelpOptions = true,
            description = {"Run the JMH scoring-kernel benchmarks (src/jmh/java): the fast scorer vs DL4J output() at "
                    + "batch 1, 64, 1024 for d = 9, 64, 128, and vs AWS Random Cut Forest update+score, with bytes "
                    + "allocated per record (-prof gc), the cost of a record with features missing (imputed) and of the "
                    + "stuck-sensor watch (score.stuck.readings). Prints per-record figures and the ratios.",
                "Needs the compiled benchmarks (target/test-classes, built by mvn verify or the launcher)."},
            footer = {"", "Examples:", "  latentstream bench kernel", "  latentstream bench kernel --quick",
                "  latentstream bench kernel --include 'io.latentstream.bench.StuckWatchBenchmark'"})
    static final class Kernel implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--quick", description = "One short iteration each (a smoke run; figures are noisy).")
        boolean quick;

        @Option(names = "--include", paramLabel = "REGEX", defaultValue = "io.latentstream.bench.*", description = "JMH benchmark regex. Default: ${DEFAULT-VALUE}.")
        String include;

        @Override
        public Integer call() throws Exception {
            Path target = targetDir();
            Path testClasses = target.resolve("test-classes");
            Path cpFile = target.resolve("test-classpath.txt");
            if (!Files.isDirectory(testClasses.resolve("io/latentstream/bench")) || !Files.exists(cpFile)) {
                throw new UsageError("benchmarks are not built: run `mvn -DskipTests package` (or mvn verify) first");
            }
            String cp = testClasses + java.io.File.pathSeparator + target.resolve("classes") + java.io.File.pathSeparator
                    + Files.readString(cpFile).trim();
            Path results = target.resolve("jmh-kernel.json");
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", cp, "org.openjdk.jmh.Main", include, "-prof", "gc", "-rf", "json", "-rff", results.toString()));
            if (quick) {
                cmd.addAll(List.of("-wi", "1", "-i", "1", "-w", "1s", "-r", "1s"));
            }
            ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
            pb.environment().put("OMP_NUM_THREADS", "1");
            int rc = pb.start().waitFor();
            if (rc != 0) {
                spec.commandLine().getErr().println("error: JMH exited with " + rc);
                return ExitCodes.RUNTIME_FAILURE;
            }
            summarize(new ObjectMapper().readTree(results.toFile()), spec.commandLine().getOut());
            return ExitCodes.OK;
        }
    }

    static Path targetDir() throws Exception {
        Path where = Path.of(BenchCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        return where.getParent(); // target/latentstream.jar or target/classes -> target
    }

    /** A benchmark pair's figure: {baseline µs, treatment µs, treatment bytes/record} under "d/parameter". */
    private static void againstBaseline(Map<String, double[]> pairs, String key, boolean treatment, double score, double bytes) {
        double[] v = pairs.computeIfAbsent(key, k -> new double[3]);
        if (treatment) {
            v[1] = score;
            v[2] = bytes;
        } else {
            v[0] = score;
        }
    }

    /** The pairs as a table: d, the parameter, baseline, treatment, their ratio, treatment bytes (columns named by {@code head}). */
    private static void printAgainstBaseline(PrintWriter out, Map<String, double[]> pairs, String title, String[] head) {
        if (pairs.isEmpty()) {
            return;
        }
        out.println();
        out.println(title);
        out.printf(Locale.ROOT, "%5s %9s %14s %16s %10s %12s%n", head[0], head[1], head[2], head[3], "ratio", head[4]);
        pairs.forEach((key, v) -> {
            String[] k = key.trim().split("/");
            out.printf(Locale.ROOT, "%5s %9s %14.3f %16.3f %9.2fx %12.2f%n", k[0], k[1].trim(), v[0], v[1], v[1] / v[0], v[2]);
        });
    }

    /** Per-record figures and ratios from JMH's JSON results. */
    static void summarize(JsonNode results, PrintWriter out) {
        Map<String, double[]> kernel = new HashMap<>(); // "d/batch" -> {fast µs/rec, dl4j µs/rec, fast B/rec}
        Map<String, double[]> rcf = new HashMap<>(); // "d" -> {fast rec/s, rcf rec/s, fast B/rec, rcf B/rec}
        Map<String, double[]> imputing = new java.util.TreeMap<>(); // "d/missing" -> {whole µs, imputing µs, imputing B}
        Map<String, double[]> watching = new java.util.TreeMap<>(); // "d/entities" -> {score µs, score+watch µs, score+watch B}
        for (JsonNode r : results) {
            String name = r.get("benchmark").asText();
            JsonNode p = r.get("params");
            double score = r.get("primaryMetric").get("score").asDouble();
            JsonNode secondary = r.path("secondaryMetrics");
            JsonNode alloc = secondary.has("gc.alloc.rate.norm") ? secondary.path("gc.alloc.rate.norm").path("score")
                    : secondary.path("·gc.alloc.rate.norm").path("score");
            double bytes = alloc.isMissingNode() ? Double.NaN : alloc.asDouble();
            if (name.endsWith("KernelBenchmark.fastScorer") || name.endsWith("KernelBenchmark.dl4jOutput")) {
                int batch = p.get("batch").asInt();
                double[] v = kernel.computeIfAbsent(p.get("dim").asText() + "/" + batch, k -> new double[3]);
                if (name.endsWith("fastScorer")) {
                    v[0] = score / batch;
                    v[2] = bytes / batch;
                } else {
                    v[1] = score / batch;
                }
            } else if (name.contains("ImputationBenchmark")) {
                againstBaseline(imputing, String.format(Locale.ROOT, "%4d/%s", p.get("dim").asInt(), p.get("missing").asText()),
                        name.endsWith("imputing"), score, bytes);
            } else if (name.contains("StuckWatchBenchmark")) {
                againstBaseline(watching, String.format(Locale.ROOT, "%4d/%7d", p.get("dim").asInt(), p.get("entities").asInt()),
                        name.endsWith("scoreAndWatch"), score, bytes);
            } else if (name.contains("RcfBenchmark")) {
                double[] v = rcf.computeIfAbsent(p.get("dim").asText(), k -> new double[4]);
                if (name.endsWith("fastScorer")) {
                    v[0] = score;
                    v[2] = bytes;
                } else {
                    v[1] = score;
                    v[3] = bytes;
                }
            }
        }
        if (!kernel.isEmpty()) {
            out.println();
            out.println("fast scorer vs DL4J output() (same weights), per record:");
            out.printf(Locale.ROOT, "%5s %6s %14s %14s %10s %12s%n", "d", "batch", "fast µs/rec", "DL4J µs/rec", "ratio", "fast B/rec");
            kernel.entrySet().stream().sorted(Map.Entry.comparingByKey((a, b) -> {
                String[] x = a.split("/");
                String[] y = b.split("/");
                int c = Integer.compare(Integer.parseInt(x[0]), Integer.parseInt(y[0]));
                return c != 0 ? c : Integer.compare(Integer.parseInt(x[1]), Integer.parseInt(y[1]));
            })).forEach(e -> {
                String[] k = e.getKey().split("/");
                double[] v = e.getValue();
                out.printf(Locale.ROOT, "%5s %6s %14.3f %14.3f %9.1fx %12.2f%n", k[0], k[1], v[0], v[1], v[1] / v[0], v[2]);
            });
        }
        printAgainstBaseline(out, imputing, "a record with features missing (input.missing.max: imputed, then scored on the rest) "
                + "vs a whole one, per record:", new String[] {"d", "missing", "whole µs", "imputing µs", "imputing B"});
        printAgainstBaseline(out, watching, "the stuck-sensor watch (score.stuck.readings) on top of scoring, per record, entities "
                + "taking turns:", new String[] {"d", "entities", "score µs", "score+watch µs", "B/rec"});
        if (!rcf.isEmpty()) {
            out.println();
            out.println("fast scorer vs Random Cut Forest update+score (50 trees, sample 256, NORMALIZE), records/s:");
            out.printf(Locale.ROOT, "%5s %14s %14s %10s %12s %12s%n", "d", "fast rec/s", "RCF rec/s", "ratio", "fast B/rec", "RCF B/rec");
            rcf.entrySet().stream().sorted(Map.Entry.comparingByKey((a, b) -> Integer.compare(Integer.parseInt(a), Integer.parseInt(b))))
                    .forEach(e -> {
                        double[] v = e.getValue();
                        out.printf(Locale.ROOT, "%5s %14.0f %14.0f %9.1fx %12.2f %12.1f%n", e.getKey(), v[0], v[1], v[0] / v[1], v[2], v[3]);
                    });
        }
        out.flush();
    }
}
