package io.latentstream.cli;

import io.latentstream.config.AppConfig;
import io.latentstream.config.Settings;
import io.latentstream.demo.DemoRunner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code latentstream demo}: the whole system on one machine. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"The whole system on one machine: an embedded Kafka broker (KRaft) on 127.0.0.1, the topic plan, a "
                + "first model trained on the first minutes of the stream (progress bar), the processor, the retrainer, "
                + "and a source: synthetic multi-sensor readings (entities with their own baselines, seasonality, noise, "
                + "injected spikes, a slow drift, a stuck sensor, and a level shift at 45 s that the retrainer detects "
                + "and re-baselines) or --replay of a CSV file. A live view shows rates, totals, the latest anomalies "
                + "with their top features, the model version and retrain decisions; a live web page (its address, with a "
                + "one-time control token in the fragment, is printed at start) charts the score per entity against the "
                + "threshold with anomaly markers and model changes, counts dead letters by reason, and has Retrain and "
                + "Roll back buttons that go through POST /retrain, POST /rollback and the control topic; a summary at the end counts "
                + "injected anomalies caught vs missed and false alarms. Runs until Ctrl-C or --duration and leaves "
                + "no process, port or temporary file behind."},
        footer = {"", "Examples:", "  latentstream demo", "  latentstream demo --duration 30s --rate 1000 --entities 4",
            "  latentstream demo --replay ../shared/data/shuttle.csv --rate 2000/s",
            "  latentstream demo --replay ../shared/data/ice_river.csv --rate 100/s"})
public final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--duration", converter = DurationConverter.class, paramLabel = "TIME",
            description = "Stop after this long (e.g. 30s, 2m). Default: run until Ctrl-C.")
    Duration duration;

    @Option(names = "--rate", defaultValue = "500", paramLabel = "N[/s]", converter = RateConverter.class,
            description = "Records per second produced, e.g. 500 or 200/s (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--replay", paramLabel = "FILE.csv",
            description = "Replay a CSV in the ../shared/data layout instead of the synthetic sensors: the first 30%% of rows "
                    + "train the first model, the rest is streamed in file order; a 'context' column becomes the key and "
                    + "the model's context (without one every row is keyed by the file's name); 'label' = 1 rows are "
                    + "counted as anomalies to catch; a 'ts' column (ISO-8601 instant or date, or epoch milliseconds) is the "
                    + "readings' event time. The summary lists the highest-scoring readings with their top features.")
    java.nio.file.Path replay;

    /** Parses "500" or "500/s". */
    static final class RateConverter implements picocli.CommandLine.ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            String v = value.trim();
            if (v.endsWith("/s")) {
                v = v.substring(0, v.length() - 2);
            }
            try {
                return Integer.parseInt(v.trim());
            } catch (NumberFormatException e) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not a rate (examples: 500, 200/s)");
            }
        }
    }

    @Option(names = "--entities", defaultValue = "6", paramLabel = "N",
            description = "Number of simulated machines, each with its own baseline (default: ${DEFAULT-VALUE}).")
    int entities;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "7", description = "Random seed of the synthetic stream (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        if (rate < 1 || rate > 1_000_000) {
            throw new UsageError("--rate must be 1..1000000 records/s, got " + rate);
        }
        if (entities < 1 || entities > 1000) {
            throw new UsageError("--entities must be 1..1000, got " + entities);
        }
        if (duration != null && (duration.isNegative() || duration.isZero())) {
            throw new UsageError("--duration must be positive");
        }
        AppConfig cfg = Cli.config(spec);
        if (replay != null && !java.nio.file.Files.isRegularFile(replay)) {
            throw new UsageError("--replay " + replay + ": file not found");
        }
        DemoRunner.Options opts = new DemoRunner.Options(duration, rate, entities, seed,
                System.console() != null, replay);
        return new DemoRunner(cfg, opts, spec.commandLine().getOut()).run();
    }
}
