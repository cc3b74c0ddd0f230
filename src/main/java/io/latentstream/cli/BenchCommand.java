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

/** {@code latentstream bench kernel}: the JMH kernel benchmarks with baselines and ratios. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks that measure their baseline in the same run.",
        subcommands = {BenchCommand.Kernel.class})
public final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return Cli.usage(spec);
    }

    @Command(name = "kernel", mixinStandardHelpOptions = true,
            description = {"Run the JMH scoring-kernel benchmarks (src/jmh/java): the fast scorer vs DL4J output() at "
                    + "batch 1, 64, 1024 for d = 9, 64, 128, and vs AWS Random Cut Forest update+score, with bytes "
                    + "allocated per record (-prof gc). Prints per-record figures and the ratios.",
                "Needs the compiled benchmarks (target/test-classes, built by mvn verify or the launcher)."},
            footer = {"", "Examples:", "  latentstream bench kernel", "  latentstream bench kernel --quick"})
    static final class Kernel implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--quick", description = "One short iteration each (a smoke run; figures are noisy).")
        boolean quick;

        @Option(names = "--include", defaultValue = "io.latentstream.bench.*", description = "JMH benchmark regex. Default: ${DEFAULT-VALUE}.")
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

    /** Per-record figures and ratios from JMH's JSON results. */
    static void summarize(JsonNode results, PrintWriter out) {
        Map<String, double[]> kernel = new HashMap<>(); // "d/batch" -> {fast µs/rec, dl4j µs/rec, fast B/rec}
        Map<String, double[]> rcf = new HashMap<>(); // "d" -> {fast rec/s, rcf rec/s, fast B/rec, rcf B/rec}
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
