package io.latentstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.latentstream.codec.RecordKeys;
import io.latentstream.codec.ScoreRecord;
import io.latentstream.config.AppConfig;
import io.latentstream.config.Settings;
import io.latentstream.lifecycle.ModelCatalog;
import io.latentstream.model.BundleCodec;
import io.latentstream.model.BundleException;
import io.latentstream.model.ModelBundle;
import io.latentstream.ops.HangingTransactions;
import io.latentstream.topology.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.ListStreamsGroupOffsetsSpec;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * {@code latentstream status}: is it working? One look at a deployment from what Kafka holds, so it
 * answers also when a process is down or no Prometheus is at hand: the processor's and retrainer's
 * consumer groups and the input lag, the active model and the last retraining decision, what the last
 * window brought (inputs, flagged, dead letters), and hanging transactions. Exit 1 when something needs
 * a person, with what and the command that looks further.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"One look at a deployment, from what Kafka holds: the processor's consumer group (state, members, "
                + "lag on the input topic), the retrainer's, the active model version and the last retraining decision, the "
                + "last --window's input records, flagged records (against the rate the model was calibrated to, and the "
                + "keys flagged most) and dead letters (by reason), and hanging transactions on the plan's topics.",
            "Ends with OK, or ATTENTION and what needs a person: a missing topic, no processor running, no active model, a flagged "
                + "or dead-letter rate at the level of the shipped alerts (5 x the calibrated rate, 1%% of inputs), a "
                + "hanging transaction. Exit code 0 for OK, 1 for ATTENTION, so a script or a cron job can check it."},
        footer = {"", "Examples:",
            "  latentstream status -b localhost:9092",
            "  latentstream status --config app.properties --window 15m",
            "  latentstream status --config app.properties --json | jq .problems"})
public final class StatusCommand implements Callable<Integer> {
    /** Records read at most per topic for the window's counts; beyond it the count says "at least". */
    static final long MAX_READ = 200_000;
    /** The shipped alerts' levels (monitoring/prometheus/rules.yml): flagged 5x the calibrated rate, dead letters 1%. */
    static final double ANOMALY_RATE_FACTOR = 5;
    static final double DEAD_LETTER_RATE = 0.01;
    /** Fewer inputs than this in the window and a rate says nothing: no rate problem is raised. */
    static final long MIN_INPUTS_FOR_RATES = 1000;

    @Spec
    CommandSpec spec;

    @Mixin
    ModelNameOption modelName;

    @Option(names = "--window", paramLabel = "DURATION", defaultValue = "1h", converter = DurationConverter.class,
            description = "How far back the counts of inputs, flagged records and dead letters reach (by record "
                    + "timestamp). Default: ${DEFAULT-VALUE}.")
    Duration window;

    @Option(names = "--json", description = "One JSON object instead of the text lines (the same facts, and problems as a list).")
    boolean json;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
            description = "Time limit for each Kafka call (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        AppConfig cfg = Cli.config(spec);
        if (window.isNegative() || window.isZero()) {
            throw new UsageError("--window must be longer than 0, not " + window);
        }
        String bootstrap = cfg.require(Settings.BOOTSTRAP_SERVERS, "status");
        Topics topics = Topics.from(cfg);
        String app = cfg.getString(Settings.APPLICATION_ID);
        Instant now = Instant.now();
        Instant since = now.minus(window);
        Report.Builder r = new Report.Builder(window);
        try (Admin admin = TopicsCommand.admin(cfg, bootstrap, timeout)) {
            Set<String> existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            r.missingTopics = java.util.stream.Stream.of(topics.input(), topics.models(), topics.anomalies(), topics.dlq())
                    .filter(t -> !existing.contains(t)).toList();
            InputOffsets input = existing.contains(topics.input())
                    ? InputOffsets.of(admin, topics.input(), since.toEpochMilli(), timeout.toMillis()) : null;
            r.processor = group(admin, app, input, timeout);
            r.retrainer = group(admin, app + "-retrainer", null, timeout);
            r.inputTopic = topics.input();
            r.inputs = input == null ? 0 : input.inWindow();
            HangingTransactions finder = new HangingTransactions(admin, timeout);
            try {
                List<TopicPartition> parts = finder.partitionsOf(TopicsCommand.scopeTopics(cfg), TopicsCommand.scopeGroups(cfg));
                r.transactionPartitions = parts.size();
                r.hanging = finder.find(parts, Duration.ofMinutes(15)).stream().map(HangingTransactions.Hanging::describe).toList();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof AuthorizationException)) {
                    throw e;
                }
                // The check reads the producers of every partition, __consumer_offsets' too: an administrator's right,
                // not an operator's (`latentstream acls --role operator` does not grant it). The rest of the report stands.
                r.transactionsUnchecked = "this principal may not describe the producers of the plan's topics and of "
                        + "__consumer_offsets (" + e.getCause().getClass().getSimpleName() + "); an administrator's `latentstream "
                        + "topics hanging` can";
            }
        }
        String name = modelName.resolve(cfg);
        ModelCatalog catalog = r.missingTopics.contains(topics.models()) ? new ModelCatalog(name, BundleCodec.DEFAULT_MAX_BYTES)
                : ModelsCommand.catalog(cfg, name, "status");
        r.model(name, topics.models(), catalog);
        String modelPath = cfg.getString(Settings.MODEL_PATH);
        if (r.activeVersion == null && modelPath != null && !modelPath.isBlank()) {
            r.modelFile(modelPath); // what a processor with this configuration scores with until one is on the topic
        }
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(KafkaClients.committedReader(cfg, bootstrap),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            if (r.missingTopics.contains(topics.anomalies())) {
                r.flagged = Counted.none(topics.anomalies());
                r.stuck = Counted.none(topics.anomalies());
            } else {
                countAnomalies(c, topics.anomalies(), since, r);
            }
            r.deadLetters = r.missingTopics.contains(topics.dlq()) ? Counted.none(topics.dlq())
                    : count(c, topics.dlq(), since, rec -> DlqCommand.read(rec).reason()); // as `dlq` counts them
        }
        Report report = r.build();
        PrintWriter out = spec.commandLine().getOut();
        out.println(json ? report.json() : report.text());
        out.flush();
        return report.problems().isEmpty() ? ExitCodes.OK : ExitCodes.RUNTIME_FAILURE;
    }

    /** A consumer group, and with {@code topic} its lag on it. */
    record Group(String id, String type, String state, int members, String topic, Map<Integer, Long> lag, int uncommitted) {
        boolean exists() {
            return type != null;
        }

        long totalLag() {
            return lag.values().stream().mapToLong(Long::longValue).sum();
        }

        boolean running() {
            return members > 0;
        }
    }

    static Group group(Admin admin, String id, InputOffsets input, Duration timeout) throws Exception {
        String topic = input == null ? null : input.topic();
        long ms = timeout.toMillis();
        Optional<GroupListing> listing = admin.listGroups().all().get(ms, TimeUnit.MILLISECONDS).stream()
                .filter(g -> g.groupId().equals(id)).findFirst();
        if (listing.isEmpty()) {
            return new Group(id, null, null, 0, topic, Map.of(), 0);
        }
        GroupType type = listing.get().type().orElse(GroupType.CLASSIC);
        String state;
        int members;
        Map<TopicPartition, OffsetAndMetadata> committed;
        if (type == GroupType.STREAMS) { // the processor with kafka.group.protocol=streams (KIP-1071)
            var d = admin.describeStreamsGroups(List.of(id)).describedGroups().get(id).get(ms, TimeUnit.MILLISECONDS);
            state = d.groupState().toString();
            members = d.members().size();
            committed = admin.listStreamsGroupOffsets(Map.of(id, new ListStreamsGroupOffsetsSpec()))
                    .partitionsToOffsetAndMetadata(id).get(ms, TimeUnit.MILLISECONDS);
        } else if (type == GroupType.CLASSIC || type == GroupType.CONSUMER) {
            var d = admin.describeConsumerGroups(List.of(id)).describedGroups().get(id).get(ms, TimeUnit.MILLISECONDS);
            state = d.groupState().toString();
            members = d.members().size();
            committed = admin.listConsumerGroupOffsets(id).partitionsToOffsetAndMetadata().get(ms, TimeUnit.MILLISECONDS);
        } else {
            throw new UsageError("group " + id + " is a " + type.toString().toLowerCase(Locale.ROOT) + " group, not one a latentstream "
                    + "process keeps: is application.id right?");
        }
        Map<Integer, Long> lag = new TreeMap<>();
        int uncommitted = 0;
        if (input != null) {
            for (Map.Entry<TopicPartition, Long> e : input.latest().entrySet()) {
                OffsetAndMetadata at = committed.get(e.getKey());
                if (at == null) {
                    uncommitted++; // never committed (no record yet, or not reached): Kafka Streams would start at the earliest
                }
                long from = at != null ? at.offset() : input.earliest().get(e.getKey());
                lag.put(e.getKey().partition(), Math.max(0, e.getValue() - from));
            }
        }
        return new Group(id, type.toString().toLowerCase(Locale.ROOT), state, members, topic, lag, uncommitted);
    }

    /** The input topic's offsets, looked up once: earliest, latest, and the first stamped at or after the window's start. */
    record InputOffsets(String topic, Map<TopicPartition, Long> earliest, Map<TopicPartition, Long> latest,
                        Map<TopicPartition, Long> windowStart) {
        static InputOffsets of(Admin admin, String topic, long sinceMs, long timeoutMs) throws Exception {
            List<TopicPartition> parts = admin.describeTopics(List.of(topic)).allTopicNames().get(timeoutMs, TimeUnit.MILLISECONDS)
                    .get(topic).partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            return new InputOffsets(topic, offsets(admin, parts, OffsetSpec.earliest(), timeoutMs), offsets(admin, parts, OffsetSpec.latest(), timeoutMs),
                    offsets(admin, parts, OffsetSpec.forTimestamp(sinceMs), timeoutMs));
        }

        /** Offsets of the records stamped within the window (transaction markers, if any, count too). */
        long inWindow() {
            long n = 0;
            for (Map.Entry<TopicPartition, Long> e : latest.entrySet()) {
                long from = windowStart.get(e.getKey()); // -1: no record stamped that late
                n += from < 0 ? 0 : e.getValue() - from;
            }
            return n;
        }

        private static Map<TopicPartition, Long> offsets(Admin admin, List<TopicPartition> parts, OffsetSpec spec, long timeoutMs)
                throws Exception {
            Map<TopicPartition, OffsetSpec> query = new HashMap<>();
            parts.forEach(tp -> query.put(tp, spec));
            Map<TopicPartition, Long> out = new HashMap<>();
            admin.listOffsets(query).all().get(timeoutMs, TimeUnit.MILLISECONDS).forEach((tp, info) -> out.put(tp, info.offset()));
            return out;
        }
    }

    /** Records of a topic stamped since {@code since}, counted by {@code by} (most first), up to {@link #MAX_READ}. */
    static Counted count(KafkaConsumer<byte[], byte[]> c, String topic, Instant since,
                         Function<ConsumerRecord<byte[], byte[]>, String> by) {
        Map<String, Long> counts = new HashMap<>();
        long n = 0;
        try (TopicRange range = TopicRange.open(c, topic, since, null, false)) {
            while (!range.finished() && n < MAX_READ) {
                for (ConsumerRecord<byte[], byte[]> rec : range.poll()) {
                    String k = by.apply(rec);
                    counts.merge(k == null ? "(no key)" : k, 1L, Long::sum);
                    n++;
                }
            }
            return new Counted(topic, n, !range.finished(), counts);
        }
    }

    /**
     * The flagged records by key, and among them those that list a stuck feature (score.stuck.readings)
     * by key, in one read; {@code stuckOnly} counts the ones the score did not flag (header
     * ls.flagged.by), which the calibrated-rate check leaves out as the drift watch does.
     */
    static void countAnomalies(KafkaConsumer<byte[], byte[]> c, String topic, Instant since, Report.Builder r) {
        Map<String, Long> stuckBy = new HashMap<>();
        long[] stuck = new long[2]; // records listing a stuck feature, those flagged for it alone
        r.flagged = count(c, topic, since, rec -> {
            String key = RecordKeys.text(rec.key());
            if (rec.headers().lastHeader(io.latentstream.topology.DeadLetterHeaders.FLAGGED_BY) != null) {
                stuck[1]++;
            }
            ScoreRecord a = ScoreRecord.parse(rec.value(), rec.timestamp(), key); // at most MAX_READ of them: ~1 s
            if (a != null && !a.stuck().isEmpty()) {
                stuck[0]++;
                stuckBy.merge(key == null ? "(no key)" : key, 1L, Long::sum);
            }
            return key;
        });
        r.stuck = new Counted(topic, stuck[0], r.flagged.atLeast(), stuckBy);
        r.stuckOnly = stuck[1];
    }

    /** How many records, whether reading stopped at {@link #MAX_READ}, and the count per key or reason. */
    record Counted(String topic, long count, boolean atLeast, Map<String, Long> by) {
        static Counted none(String topic) {
            return new Counted(topic, 0, false, Map.of());
        }

        List<Map.Entry<String, Long>> most(int n) {
            return by.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()
                    .thenComparing(Map.Entry.comparingByKey())).limit(n).toList();
        }

        String amount() {
            return String.format(Locale.ROOT, atLeast ? "at least %,d" : "%,d", count);
        }
    }

    /** What status found, and what needs a person. */
    record Report(Duration window, Group processor, Group retrainer, String inputTopic, long inputs, String model, String modelsTopic,
                  String modelFile, String modelFileError,
                  Long activeVersion, String activeCreated, int versions, int rejected, double expectedRate, JsonNode lastDecision,
                  Counted flagged, Counted stuck, long stuckOnly, Counted deadLetters, int transactionPartitions, List<String> hanging,
                  String transactionsUnchecked, List<String> missingTopics) {

        /** Problems, each with the command that looks further; empty when all is well. */
        List<String> problems() {
            List<String> p = new ArrayList<>();
            if (!missingTopics.isEmpty()) {
                p.add("topic(s) missing: " + String.join(", ", missingTopics) + " (latentstream topics apply; input.topic, topic.prefix)");
            }
            if (!processor.running()) {
                long lag = processor.totalLag();
                p.add("no processor is running: group " + processor.id() + (processor.exists() ? " has no members" : " does not exist")
                        + (lag > 0 ? String.format(Locale.ROOT, "; %,d input record(s) wait", lag) : "") + " (latentstream run)");
            }
            if (modelFileError != null) {
                p.add("model.path " + modelFile + " cannot be loaded: " + modelFileError + " (a processor with this configuration "
                        + "refuses to start)");
            } else if (activeVersion == null) {
                p.add("no active version of model '" + model + "' on " + modelsTopic + ": a processor waits for one and scores "
                        + "nothing (latentstream models list; models publish)");
            }
            long byScore = flagged.count() - stuckOnly; // what the model's calibration speaks for
            if (inputs >= MIN_INPUTS_FOR_RATES && activeVersion != null && expectedRate > 0
                    && byScore > ANOMALY_RATE_FACTOR * expectedRate * inputs) {
                p.add(String.format(Locale.ROOT, "%.2f%% of the inputs flagged, over %.0f x the %.2f%% the model is calibrated to "
                        + "(latentstream scores --from %s)", 100.0 * byScore / inputs, ANOMALY_RATE_FACTOR, 100 * expectedRate, span()));
            }
            if (stuck.count() > 0) {
                p.add(String.format(Locale.ROOT, "a sensor stuck: %s record(s) of %,d key(s) with a feature held at one value (most: %s; "
                        + "latentstream scores --from %s)", stuck.amount(), stuck.by().size(), most(stuck, 3), span()));
            }
            if (inputs >= MIN_INPUTS_FOR_RATES && deadLetters.count() > DEAD_LETTER_RATE * inputs) {
                p.add(String.format(Locale.ROOT, "%.2f%% of the inputs dead-lettered, over %.0f%% (latentstream dlq --from %s)",
                        100.0 * deadLetters.count() / inputs, 100 * DEAD_LETTER_RATE, span()));
            }
            if (!hanging.isEmpty()) {
                p.add(hanging.size() + " hanging transaction(s) (latentstream topics hanging --abort)");
            }
            return p;
        }

        private String span() {
            return DurationText.of(window);
        }

        String text() {
            StringBuilder b = new StringBuilder();
            line(b, "processor", groupText(processor));
            line(b, "retrainer", retrainer.running() ? groupText(retrainer)
                    : "not running (group " + retrainer.id() + (retrainer.exists() ? " has no members" : " does not exist")
                    + "; retraining is optional: latentstream retrain)");
            String onTopic = versions == 0 ? "none on " + modelsTopic : versions + " version(s) on " + modelsTopic
                    + (rejected > 0 ? ", " + rejected + " rejected" : "");
            line(b, "model", activeVersion == null
                    ? (modelFile == null ? "no active version of '" + model + "' (" + onTopic + ")"
                    : "model.path " + modelFile + ": " + modelFileError + " (" + onTopic + ")")
                    : String.format(Locale.ROOT, "'%s' v%d %s (created %s; %s); calibrated to flag %.2f%%", model, activeVersion,
                    modelFile == null ? "active" : "from model.path " + modelFile, activeCreated, onTopic, 100 * expectedRate));
            line(b, "last retrain", lastDecision == null ? "no retraining decision on " + modelsTopic + " yet" : ModelsCommand.ListVersions.decisionLine(lastDecision).strip());
            StringBuilder w = new StringBuilder(String.format(Locale.ROOT, "%,d input record(s) on %s", inputs, inputTopic));
            w.append("; ").append(flagged.amount()).append(" flagged");
            if (inputs > 0) {
                w.append(String.format(Locale.ROOT, " (%.2f%%)", 100.0 * flagged.count() / inputs));
            }
            if (flagged.count() > 0) {
                w.append(" on ").append(String.format(Locale.ROOT, "%,d", flagged.by().size())).append(" key(s), most: ").append(most(flagged, 3));
            }
            if (stuck.count() > 0) {
                w.append(", ").append(stuck.amount()).append(" of them with a stuck sensor");
            }
            w.append("; ").append(deadLetters.amount()).append(" dead letter(s)");
            if (deadLetters.count() > 0) {
                w.append(": ").append(most(deadLetters, 10));
            }
            line(b, "last " + span(), w.toString());
            line(b, "transactions", transactionsUnchecked != null ? "not checked: " + transactionsUnchecked
                    : hanging.isEmpty() ? "none hanging on " + transactionPartitions + " partition(s)" : String.join("; ", hanging));
            List<String> problems = problems();
            line(b, "status", problems.isEmpty() ? "OK" : "ATTENTION");
            problems.forEach(p -> b.append("  - ").append(p).append('\n'));
            return b.toString().stripTrailing();
        }

        private static String groupText(Group g) {
            if (!g.exists()) {
                return "group " + g.id() + " does not exist (no process has run with this application.id)";
            }
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "group %s (%s): %s, %d member(s)", g.id(), g.type(), g.state(), g.members()));
            if (g.topic() != null) {
                b.append(String.format(Locale.ROOT, "; lag %,d on %s", g.totalLag(), g.topic()));
                Optional<Map.Entry<Integer, Long>> worst = g.lag().entrySet().stream().max(Map.Entry.comparingByValue());
                if (g.lag().size() > 1 && worst.isPresent() && worst.get().getValue() > 0) { // where to look first
                    b.append(String.format(Locale.ROOT, " (%d partitions; most %,d on partition %d)", g.lag().size(),
                            worst.get().getValue(), worst.get().getKey()));
                }
            }
            return b.toString();
        }

        private static String most(Counted c, int n) {
            List<String> parts = new ArrayList<>();
            c.most(n).forEach(e -> parts.add(String.format(Locale.ROOT, "%s %,d", e.getKey(), e.getValue())));
            return String.join(", ", parts) + (c.by().size() > n ? ", …" : "");
        }

        private static void line(StringBuilder b, String label, String text) {
            b.append(String.format(Locale.ROOT, "%-13s %s%n", label, text));
        }

        String json() {
            ObjectMapper m = new ObjectMapper();
            ObjectNode o = m.createObjectNode();
            o.put("status", problems().isEmpty() ? "OK" : "ATTENTION");
            o.set("problems", m.valueToTree(problems()));
            o.set("missing_topics", m.valueToTree(missingTopics));
            o.set("processor", groupJson(m, processor));
            o.set("retrainer", groupJson(m, retrainer));
            ObjectNode mo = o.putObject("model");
            mo.put("name", model);
            mo.put("topic", modelsTopic);
            if (modelFile != null) {
                mo.put("file", modelFile);
                mo.put("file_error", modelFileError);
            }
            if (activeVersion == null) {
                mo.putNull("active_version");
            } else {
                mo.put("active_version", activeVersion);
                mo.put("created", activeCreated);
                mo.put("expected_anomaly_rate", Math.round(expectedRate * 1e9) / 1e9); // 1 - 0.99 without its float tail
            }
            mo.put("versions", versions);
            mo.put("rejected", rejected);
            o.set("last_decision", lastDecision);
            ObjectNode w = o.putObject("window");
            w.put("seconds", window.toSeconds());
            w.put("input_topic", inputTopic);
            w.put("inputs", inputs);
            w.set("flagged", countedJson(m, flagged, "by_key"));
            w.set("stuck", countedJson(m, stuck, "by_key"));
            w.put("flagged_for_stuck_only", stuckOnly);
            w.set("dead_letters", countedJson(m, deadLetters, "by_reason"));
            ObjectNode t = o.putObject("transactions");
            t.put("partitions_checked", transactionPartitions);
            t.set("hanging", m.valueToTree(hanging));
            if (transactionsUnchecked != null) {
                t.put("not_checked", transactionsUnchecked);
            }
            return o.toString();
        }

        private static ObjectNode groupJson(ObjectMapper m, Group g) {
            ObjectNode n = m.createObjectNode();
            n.put("group", g.id());
            n.put("exists", g.exists());
            n.put("type", g.type());
            n.put("state", g.state());
            n.put("members", g.members());
            if (g.topic() != null) {
                n.put("topic", g.topic());
                n.put("lag", g.totalLag());
                ObjectNode by = n.putObject("lag_by_partition");
                g.lag().forEach((p, l) -> by.put(Integer.toString(p), l));
                n.put("partitions_without_commit", g.uncommitted());
            }
            return n;
        }

        private static ObjectNode countedJson(ObjectMapper m, Counted c, String byName) {
            ObjectNode n = m.createObjectNode();
            n.put("topic", c.topic());
            n.put("count", c.count());
            n.put("at_least", c.atLeast());
            ObjectNode by = n.putObject(byName);
            c.most(c.by().size()).forEach(e -> by.put(e.getKey(), e.getValue()));
            return n;
        }

        /** Collects the facts as status finds them. */
        static final class Builder {
            final Duration window;
            Group processor;
            Group retrainer;
            String inputTopic;
            long inputs;
            String model;
            String modelsTopic;
            String modelFile;
            String modelFileError;
            Long activeVersion;
            String activeCreated;
            int versions;
            int rejected;
            double expectedRate;
            JsonNode lastDecision;
            Counted flagged;
            Counted stuck = Counted.none("");
            long stuckOnly;
            Counted deadLetters;
            int transactionPartitions;
            List<String> hanging = List.of();
            String transactionsUnchecked;
            List<String> missingTopics = List.of();

            Builder(Duration window) {
                this.window = window;
            }

            void model(String name, String topic, ModelCatalog c) {
                model = name;
                modelsTopic = topic;
                versions = c.versions().size();
                rejected = (int) c.versions().stream().filter(v -> !c.verify(v).ok()).count();
                ModelCatalog.Verified active = c.desired();
                if (active != null) {
                    activeVersion = active.version();
                    activeCreated = ModelsCommand.ListVersions.created(active.bundle().manifest().createdAt());
                    expectedRate = 1 - active.bundle().manifest().scoring().quantile();
                }
                List<JsonNode> d = c.decisions();
                lastDecision = d.isEmpty() ? null : d.get(d.size() - 1);
            }

            /** The model.path bundle, when no version is active on the topic (a processor scores with it until one is). */
            void modelFile(String path) {
                modelFile = path;
                try {
                    ModelBundle b = BundleCodec.read(Path.of(path));
                    if (!b.manifest().name().equals(model)) {
                        modelFileError = "it is model '" + b.manifest().name() + "', not '" + model + "'";
                        return;
                    }
                    activeVersion = b.version();
                    activeCreated = ModelsCommand.ListVersions.created(b.manifest().createdAt());
                    expectedRate = 1 - b.manifest().scoring().quantile();
                } catch (BundleException | IOException | RuntimeException e) {
                    modelFileError = String.valueOf(e.getMessage());
                }
            }

            Report build() {
                return new Report(window, processor, retrainer, inputTopic, inputs, model, modelsTopic, modelFile, modelFileError,
                        activeVersion, activeCreated,
                        versions, rejected, expectedRate, lastDecision, flagged, stuck, stuckOnly, deadLetters, transactionPartitions, hanging,
                        transactionsUnchecked, missingTopics);
            }
        }
    }

    /** "1h", "15m", "90s": a window as --from takes it back. */
    static final class DurationText {
        private DurationText() {
        }

        static String of(Duration d) {
            long s = d.toSeconds();
            if (s > 0 && s % 86_400 == 0) {
                return s / 86_400 + "d";
            }
            if (s > 0 && s % 3600 == 0) {
                return s / 3600 + "h";
            }
            if (s > 0 && s % 60 == 0) {
                return s / 60 + "m";
            }
            return s > 0 ? s + "s" : d.toMillis() + "ms";
        }
    }
}
