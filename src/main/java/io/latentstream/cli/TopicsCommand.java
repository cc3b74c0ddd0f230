package io.latentstream.cli;

import io.latentstream.config.AppConfig;
import io.latentstream.config.Settings;
import io.latentstream.ops.HangingTransactions;
import io.latentstream.topology.TopicApplier;
import io.latentstream.topology.TopicPlan;
import io.latentstream.topology.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code latentstream topics apply}: make the cluster match topology/topics.yaml; {@code topics hanging}: find and abort hanging transactions. */
@Command(name = "topics", mixinStandardHelpOptions = true,
        description = "Manage the topics of the plan (topology/topics.yaml).",
        subcommands = {TopicsCommand.Apply.class, TopicsCommand.Hanging.class})
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
                "The input is the plan's <prefix>.raw unless input.topic names another topic: that one is yours, "
                    + "only checked to exist (MISSING otherwise), and <prefix>.raw is then not created.",
                "Exits 1 when a difference remains that adding partitions cannot fix, or the input topic is missing."},
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
            Admin admin = admin(cfg, bootstrap, timeout);
            try {
                TopicApplier.Report report = new TopicApplier(admin, timeout.toMillis())
                        .apply(plan, cfg.getString(Settings.TOPIC_PREFIX), cfg.getInt(Settings.TOPIC_REPLICATION_FACTOR),
                                Topics.from(cfg).input(), dryRun);
                report.actions().forEach(a -> out.println(a));
                out.flush();
                if (report.unfixable()) {
                    spec.commandLine().getErr().println("error: some topics are missing or differ from the plan in ways "
                            + "`topics apply` does not change (see the MISSING and DIFFERS lines)");
                    return ExitCodes.RUNTIME_FAILURE;
                }
            } finally {
                admin.close(java.time.Duration.ofSeconds(5));
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "hanging", mixinStandardHelpOptions = true,
            description = {"Find hanging transactions on the plan's topics and on the offsets of the processor's and "
                    + "the retrainer's groups: a transaction open on a partition that its coordinator no longer tracks, "
                    + "so no marker will ever close it. read_committed readers stop at it, and an exactly-once "
                    + "processor whose committed offsets sit behind one stays in REBALANCING, logging \"Timeout ... "
                    + "before the last committed offset ... could be determined\" once a minute.",
                "Kafka 4.4 leaves one when a broker that leads every replica of a partition (a single broker) "
                    + "crashes while a transaction is being committed or aborted (KAFKA-20734). Same test as Kafka's "
                    + "kafka-transactions.sh find-hanging.",
                "--abort writes the ABORT markers. Aborting discards the transaction's records and its offset "
                    + "commit together, so the processor reads those inputs again and every input still yields "
                    + "exactly one output.",
                "Exits 1 while a hanging transaction remains (found without --abort)."},
            footer = {"", "Examples:",
                "  latentstream topics hanging --bootstrap-server localhost:9092",
                "  latentstream topics hanging --config app.properties --abort"})
    static final class Hanging implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--abort", description = "Abort the hanging transactions found.")
        boolean abort;

        @Option(names = "--older-than", paramLabel = "DURATION", defaultValue = "15m", converter = DurationConverter.class,
                description = "An open transaction whose producer no coordinator knows counts as hanging once its last "
                        + "write is this old (default: ${DEFAULT-VALUE}, Kafka's maximum transaction timeout). One whose "
                        + "coordinator has moved on counts at once.")
        java.time.Duration olderThan;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
                description = "Time limit for each admin call (default: ${DEFAULT-VALUE}).")
        java.time.Duration timeout;

        @Override
        public Integer call() throws Exception {
            AppConfig cfg = Cli.config(spec);
            String bootstrap = cfg.require(Settings.BOOTSTRAP_SERVERS, "topics hanging");
            List<String> topics = scopeTopics(cfg);
            List<String> groups = scopeGroups(cfg);
            PrintWriter out = spec.commandLine().getOut();
            try (Admin admin = admin(cfg, bootstrap, timeout)) {
                HangingTransactions finder = new HangingTransactions(admin, timeout);
                List<TopicPartition> partitions = finder.partitionsOf(topics, groups);
                List<HangingTransactions.Hanging> found = finder.find(partitions, olderThan);
                for (HangingTransactions.Hanging h : found) {
                    out.println("HANGING " + h.describe());
                    if (abort) {
                        finder.abort(h);
                        out.println("ABORTED " + h.partition() + " (producer " + h.producerId() + ", epoch " + h.producerEpoch() + ")");
                    }
                    out.flush();
                }
                out.println(found.isEmpty() ? "no hanging transactions on " + partitions.size() + " partitions (topics "
                        + String.join(", ", topics) + "; offsets of groups " + String.join(", ", groups) + ")"
                        : found.size() + " hanging transaction partition(s)" + (abort ? ", aborted" : "; run again with --abort to abort them"));
                out.flush();
                return found.isEmpty() || abort ? ExitCodes.OK : ExitCodes.RUNTIME_FAILURE;
            }
        }
    }

    /** Where `topics hanging` looks: every topic of the plan and the input topic. */
    static List<String> scopeTopics(AppConfig cfg) {
        String prefix = cfg.getString(Settings.TOPIC_PREFIX);
        List<String> topics = new ArrayList<>();
        plan(cfg).topics().forEach(t -> topics.add(t.name(prefix)));
        String input = Topics.from(cfg).input();
        if (!topics.contains(input)) {
            topics.add(input);
        }
        return topics;
    }

    /** The consumer groups whose offsets `topics hanging` checks: the processor's and the retrainer's. */
    static List<String> scopeGroups(AppConfig cfg) {
        String app = cfg.getString(Settings.APPLICATION_ID);
        return List.of(app, app + "-retrainer");
    }

    static Admin admin(AppConfig cfg, String bootstrap, java.time.Duration timeout) {
        var props = KafkaClients.admin(cfg, bootstrap);
        props.putIfAbsent("default.api.timeout.ms", (int) timeout.toMillis());
        props.putIfAbsent("request.timeout.ms", (int) Math.min(timeout.toMillis(), 30_000));
        return Admin.create(props);
    }

    static TopicPlan plan(AppConfig cfg) {
        String file = cfg.getString(Settings.TOPIC_PLAN_FILE);
        return file == null || file.isBlank() ? TopicPlan.builtIn() : TopicPlan.load(Path.of(file));
    }
}
