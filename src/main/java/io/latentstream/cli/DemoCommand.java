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
        description = {"Start an embedded Kafka broker (KRaft) on 127.0.0.1, create the topics of the plan, and "
                + "stream synthetic multi-sensor readings (several entities with their own baselines, seasonality, "
                + "noise, injected spikes, a slow drift, a stuck sensor and a level shift) into <prefix>.raw, "
                + "showing live progress until Ctrl-C or --duration. Leaves no process or temporary file behind."},
        footer = {"", "Examples:", "  latentstream demo", "  latentstream demo --duration 30s --rate 1000 --entities 4"})
public final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--duration", converter = DurationConverter.class, paramLabel = "TIME",
            description = "Stop after this long (e.g. 30s, 2m). Default: run until Ctrl-C.")
    Duration duration;

    @Option(names = "--rate", defaultValue = "500", paramLabel = "N",
            description = "Records per second produced (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--entities", defaultValue = "6", paramLabel = "N",
            description = "Number of simulated machines, each with its own baseline (default: ${DEFAULT-VALUE}).")
    int entities;

    @Option(names = "--seed", defaultValue = "7", description = "Random seed of the synthetic stream (default: ${DEFAULT-VALUE}).")
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
        // The demo owns its broker: topics get replication 1 there.
        cfg = cfg.with(Map.of(Settings.TOPIC_REPLICATION_FACTOR, "1"));
        DemoRunner.Options opts = new DemoRunner.Options(duration, rate, entities, seed,
                System.console() != null);
        return new DemoRunner(cfg, opts, spec.commandLine().getOut()).run();
    }
}
