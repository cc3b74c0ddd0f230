package io.latentstream.topology;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Makes a cluster match a {@link TopicPlan}: creates missing topics, adds partitions where the
 * plan has more, and reports every other difference (fewer partitions, replication factor,
 * topic configs), which it does not change: those are an operator's decision.
 */
public final class TopicApplier {
    /** The plan's role for the processor's input; a configured input.topic takes its place. */
    static final String INPUT_ROLE = "raw";

    private final Admin admin;
    private final long timeoutMs;

    public TopicApplier(Admin admin, long timeoutMs) {
        this.admin = admin;
        this.timeoutMs = timeoutMs;
    }

    /** What happened or would happen to one topic. */
    public record Action(String topic, Kind kind, String detail) {
        /** MISSING: a topic the plan does not manage (a configured input.topic) does not exist. */
        public enum Kind { CREATED, WOULD_CREATE, PARTITIONS_ADDED, WOULD_ADD_PARTITIONS, OK, DIFFERS, MISSING }

        @Override
        public String toString() {
            return String.format("%-22s %-32s %s", kind, topic, detail);
        }
    }

    /** The outcome: every action; {@link #unfixable()} is true when some difference remains. */
    public record Report(List<Action> actions) {
        public boolean unfixable() {
            return actions.stream().anyMatch(a -> a.kind() == Action.Kind.DIFFERS || a.kind() == Action.Kind.MISSING);
        }
    }

    private void awaitLeaders(List<String> topics) throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (true) {
            try {
                Map<String, TopicDescription> d = admin.describeTopics(topics).allTopicNames()
                        .get(timeoutMs, TimeUnit.MILLISECONDS);
                boolean ready = d.values().stream().allMatch(t -> t.partitions().stream()
                        .allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
                if (ready) {
                    return;
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)) {
                    throw e;
                }
            }
            if (System.currentTimeMillis() > deadline) {
                throw new TimeoutException("topics " + topics + " have partitions without a leader after " + timeoutMs + " ms");
            }
            Thread.sleep(50);
        }
    }

    /** Applies the plan with its own input topic, {@code <prefix>.raw}. */
    public Report apply(TopicPlan plan, String prefix, int replicationOverride, boolean dryRun)
            throws ExecutionException, InterruptedException, TimeoutException {
        return apply(plan, prefix, replicationOverride, prefix + "." + INPUT_ROLE, dryRun);
    }

    /**
     * @param replicationOverride replication factor to use instead of the plan's, or -1
     * @param inputTopic the topic the processor reads (input.topic). When it is not the plan's
     *     {@code <prefix>.raw}, that topic is the user's own: it is neither created nor changed, only
     *     reported (MISSING when absent), and {@code <prefix>.raw}, which nothing would read, is skipped.
     */
    public Report apply(TopicPlan plan, String prefix, int replicationOverride, String inputTopic, boolean dryRun)
            throws ExecutionException, InterruptedException, TimeoutException {
        String planInput = prefix + "." + INPUT_ROLE;
        List<TopicPlan.TopicSpec> specs = inputTopic.equals(planInput) ? plan.topics()
                : plan.topics().stream().filter(t -> !t.name(prefix).equals(planInput)).toList();
        int brokers = admin.describeCluster().nodes().get(timeoutMs, TimeUnit.MILLISECONDS).size();
        Set<String> existing = admin.listTopics().names().get(timeoutMs, TimeUnit.MILLISECONDS);
        List<Action> actions = new ArrayList<>();
        List<NewTopic> toCreate = new ArrayList<>();
        Map<String, NewPartitions> toGrow = new HashMap<>();
        List<String> present = new ArrayList<>();
        if (!inputTopic.equals(planInput)) {
            actions.add(existing.contains(inputTopic)
                    ? new Action(inputTopic, Action.Kind.OK, "the input topic (input.topic); yours, not in the plan: left as it is")
                    : new Action(inputTopic, Action.Kind.MISSING, "the input topic (input.topic) does not exist: create it "
                            + "where your producers write, or leave input.topic empty to read " + planInput
                            + ", which this command creates"));
        }
        for (TopicPlan.TopicSpec spec : specs) {
            String name = spec.name(prefix);
            short rf = replicationOverride > 0 ? (short) replicationOverride : spec.replicationFactor();
            if (!existing.contains(name)) {
                if (rf > brokers) {
                    // A setting to change, not a failure: exit 2 naming it.
                    throw new io.latentstream.config.ConfigError(io.latentstream.config.Settings.TOPIC_REPLICATION_FACTOR,
                            "topic " + name + " needs replication factor " + rf + " but the cluster has " + brokers
                                    + " broker(s); set topic.replication.factor (at most " + brokers + ", e.g. --set "
                                    + "topic.replication.factor=" + brokers + " on a development cluster)");
                }
                toCreate.add(new NewTopic(name, spec.partitions(), rf).configs(spec.configs()));
                actions.add(new Action(name, dryRun ? Action.Kind.WOULD_CREATE : Action.Kind.CREATED,
                        spec.partitions() + " partitions, replication " + rf + ", " + spec.configs()));
            } else {
                present.add(name);
            }
        }
        if (!present.isEmpty()) {
            Map<String, TopicDescription> descriptions = admin.describeTopics(present).allTopicNames()
                    .get(timeoutMs, TimeUnit.MILLISECONDS);
            List<ConfigResource> resources = present.stream()
                    .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
            Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all()
                    .get(timeoutMs, TimeUnit.MILLISECONDS);
            for (TopicPlan.TopicSpec spec : specs) {
                String name = spec.name(prefix);
                if (!present.contains(name)) {
                    continue;
                }
                short rf = replicationOverride > 0 ? (short) replicationOverride : spec.replicationFactor();
                TopicDescription d = descriptions.get(name);
                List<String> diffs = new ArrayList<>();
                int have = d.partitions().size();
                if (have < spec.partitions()) {
                    toGrow.put(name, NewPartitions.increaseTo(spec.partitions()));
                    actions.add(new Action(name, dryRun ? Action.Kind.WOULD_ADD_PARTITIONS
                            : Action.Kind.PARTITIONS_ADDED, have + " -> " + spec.partitions() + " partitions"));
                } else if (have > spec.partitions()) {
                    diffs.add("partitions " + have + " (plan " + spec.partitions() + "; Kafka cannot remove partitions)");
                }
                int haveRf = d.partitions().get(0).replicas().size();
                if (haveRf != rf) {
                    diffs.add("replication factor " + haveRf + " (plan " + rf + ")");
                }
                Config c = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, name));
                spec.configs().forEach((k, want) -> {
                    var entry = c.get(k);
                    String got = entry == null ? null : entry.value();
                    if (!want.equals(got)) {
                        diffs.add(k + "=" + got + " (plan " + want + ")");
                    }
                });
                if (!diffs.isEmpty()) {
                    actions.add(new Action(name, Action.Kind.DIFFERS, String.join("; ", diffs)));
                } else if (!toGrow.containsKey(name)) {
                    actions.add(new Action(name, Action.Kind.OK, "matches the plan"));
                }
            }
        }
        if (!dryRun) {
            if (!toCreate.isEmpty()) {
                admin.createTopics(toCreate).all().get(timeoutMs, TimeUnit.MILLISECONDS);
                // A producer that writes before every partition has a leader can hit
                // NOT_LEADER then OUT_OF_ORDER_SEQUENCE retries forever: wait for leaders.
                awaitLeaders(toCreate.stream().map(NewTopic::name).toList());
            }
            if (!toGrow.isEmpty()) {
                admin.createPartitions(toGrow).all().get(timeoutMs, TimeUnit.MILLISECONDS);
            }
        }
        return new Report(actions);
    }
}
