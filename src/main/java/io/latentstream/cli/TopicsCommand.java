package io.latentstream.cli;

import io.latentstream.config.AppConfig;
import io.latentstream.config.Settings;
import io.latentstream.topology.TopicApplier;
import io.latentstream.topology.TopicPlan;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code latentstream topics apply}: make the cluster match topology/topics.yaml. */
@Command(name = "topics", mixinStandardHelpOptions = true,
        description = "Manage the topics of the plan (topology/topics.yaml).",
        subcommands = {TopicsCommand.Apply.class})
public final class TopicsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return Cli.usage(spec);
    }

    @Command(name = "apply", mixinStandardHelpOptions = true,
            description = {"Create the missing topics of the plan, add partitions where the plan has more, "
                    + "and report every other difference (partitions, replication factor, cleanup policy, "
                    + "retention, max message size) without changing it.",
                "Exits 1 when a difference remains that adding partitions cannot fix."},
            footer = {"", "Examples:",
                "  latentstream topics apply --bootstrap-server localhost:9092 --dry-run",
                "  latentstream topics apply --config app.properties --set topic.replication.factor=1"})
    static final class Apply implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--dry-run", description = "Only report what would change.")
        boolean dryRun;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
                description = "Time limit for each admin call (default: ${DEFAULT-VALUE}).")
        java.time.Duration timeout;

        @Override
        public Integer call() throws Exception {
            AppConfig cfg = Cli.config(spec);
            String bootstrap = cfg.require(Settings.BOOTSTRAP_SERVERS, "topics apply");
            TopicPlan plan = plan(cfg);
            PrintWriter out = spec.commandLine().getOut();
            var props = KafkaClients.admin(cfg, bootstrap);
            props.putIfAbsent("default.api.timeout.ms", (int) timeout.toMillis());
            props.putIfAbsent("request.timeout.ms", (int) Math.min(timeout.toMillis(), 30_000));
            Admin admin = Admin.create(props);
            try {
                TopicApplier.Report report = new TopicApplier(admin, timeout.toMillis())
                        .apply(plan, cfg.getString(Settings.TOPIC_PREFIX), cfg.getInt(Settings.TOPIC_REPLICATION_FACTOR), dryRun);
                report.actions().forEach(a -> out.println(a));
                out.flush();
                if (report.unfixable()) {
                    spec.commandLine().getErr().println("error: some topics differ from the plan in ways "
                            + "`topics apply` does not change (see DIFFERS lines)");
                    return ExitCodes.RUNTIME_FAILURE;
                }
            } finally {
                admin.close(java.time.Duration.ofSeconds(5));
            }
            return ExitCodes.OK;
        }
    }

    static TopicPlan plan(AppConfig cfg) {
        String file = cfg.getString(Settings.TOPIC_PLAN_FILE);
        return file == null || file.isBlank() ? TopicPlan.builtIn() : TopicPlan.load(Path.of(file));
    }
}
