package io.latentstream.ops;

import io.latentstream.config.AppConfig;
import io.latentstream.config.Settings;
import io.latentstream.lifecycle.ModelPublisher;
import io.latentstream.topology.Topics;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The Kafka ACLs each part of a deployment needs on a cluster with an authorizer, derived from its
 * settings (topic names, application.id, model.name), least privilege: READ and WRITE imply
 * DESCRIBE in Kafka's authorizer, so DESCRIBE is only listed where nothing implies it.
 */
public final class AclPlan {
    /** Who uses the ACLs. */
    public enum Role {
        /** `run`: Kafka Streams (exactly_once_v2) and the model watcher. */
        PROCESSOR("the stream processor (run)"),
        /** `retrain`: samples window, drift watch, control topic, publishing versions. */
        RETRAINER("the retraining side process (retrain)"),
        /** People's commands: scores, dlq, decode, status, train --topic, models list/publish/rollback/export/threshold, generate, score. */
        OPERATOR("operators' commands (status, scores, dlq, decode, models, train --topic, score)"),
        /** `topics apply`: creates the plan's topics and adds partitions. */
        TOPICS("topics apply (creates the plan's topics)"),
        /** `dlq --replay-to`: sends dead letters back to the input topic once their cause is fixed. */
        REPLAY("dlq --replay-to (writes dead letters back to the input topic)");

        private final String what;

        Role(String what) {
            this.what = what;
        }

        public String what() {
            return what;
        }

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Role parse(String s) {
            for (Role r : values()) {
                if (r.id().equalsIgnoreCase(s.trim())) {
                    return r;
                }
            }
            throw new IllegalArgumentException("role must be one of processor, retrainer, operator, topics, replay; not '" + s + "'");
        }
    }

    private AclPlan() {
    }

    /** The allow bindings {@code principal} (e.g. User:ls-processor) needs for {@code roles}, in a stable order, no duplicates. */
    public static List<AclBinding> bindings(AppConfig cfg, String principal, String host, Set<Role> roles) {
        if (!principal.matches("[^:\\s]+:\\S.*")) {
            throw new IllegalArgumentException("a principal is TYPE:NAME, e.g. User:latentstream, not '" + principal + "'");
        }
        Topics t = Topics.from(cfg);
        String app = cfg.getString(Settings.APPLICATION_ID);
        String model = cfg.getString(Settings.MODEL_NAME);
        Set<AclBinding> out = new LinkedHashSet<>();
        Adder add = (type, name, pattern, op) -> out.add(new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry(principal, host, op, AclPermissionType.ALLOW)));
        for (Role role : roles) {
            switch (role) {
                case PROCESSOR -> {
                    add.topic(t.input(), AclOperation.READ);
                    for (String w : List.of(t.latents(), t.scores(), t.anomalies(), t.samples(), t.dlq())) {
                        add.topic(w, AclOperation.WRITE);
                    }
                    add.topic(t.models(), AclOperation.READ); // the model watcher (assigned, no group)
                    add.add(ResourceType.GROUP, app, PatternType.LITERAL, AclOperation.READ);
                    // Kafka Streams' exactly_once_v2 producers: transactional ids <application.id>-<process id>-<thread>
                    add.add(ResourceType.TRANSACTIONAL_ID, app + "-", PatternType.PREFIXED, AclOperation.WRITE);
                }
                case RETRAINER -> {
                    for (String r : List.of(t.samples(), t.latents(), t.anomalies(), t.models(), t.control())) {
                        add.topic(r, AclOperation.READ);
                    }
                    add.topic(t.models(), AclOperation.WRITE); // versions and decisions
                    add.topic(t.control(), AclOperation.WRITE); // POST /retrain and /rollback hand the request to the leader
                    add.add(ResourceType.GROUP, app + "-retrainer", PatternType.LITERAL, AclOperation.READ);
                    add.add(ResourceType.TRANSACTIONAL_ID, ModelPublisher.transactionalId(t.models(), model), PatternType.LITERAL, AclOperation.WRITE);
                }
                case OPERATOR -> {
                    List<String> all = new ArrayList<>(List.of(t.input()));
                    all.addAll(t.written());
                    for (String r : all) {
                        add.topic(r, AclOperation.READ);
                    }
                    add.topic(t.models(), AclOperation.WRITE);
                    add.add(ResourceType.TRANSACTIONAL_ID, ModelPublisher.transactionalId(t.models(), model), PatternType.LITERAL, AclOperation.WRITE);
                    // status: the groups' members and committed offsets
                    add.add(ResourceType.GROUP, app, PatternType.LITERAL, AclOperation.DESCRIBE);
                    add.add(ResourceType.GROUP, app + "-retrainer", PatternType.LITERAL, AclOperation.DESCRIBE);
                }
                case TOPICS -> {
                    String prefix = cfg.getString(Settings.TOPIC_PREFIX) + ".";
                    add.add(ResourceType.TOPIC, prefix, PatternType.PREFIXED, AclOperation.CREATE);
                    add.add(ResourceType.TOPIC, prefix, PatternType.PREFIXED, AclOperation.ALTER); // add partitions
                    add.add(ResourceType.TOPIC, prefix, PatternType.PREFIXED, AclOperation.DESCRIBE_CONFIGS);
                    add.topic(t.input(), AclOperation.DESCRIBE); // an input.topic of the user's own is only checked to exist
                    add.add(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL, AclOperation.DESCRIBE); // broker count
                }
                case REPLAY -> {
                    add.topic(t.dlq(), AclOperation.READ);
                    add.topic(t.input(), AclOperation.WRITE);
                }
                default -> throw new IllegalStateException(role.toString());
            }
        }
        return List.copyOf(out);
    }

    /**
     * The binding as a {@code kafka-acls.sh} command line (what a Kafka administrator runs; the
     * {@code --command-config} file carries their own credentials).
     */
    public static String command(AclBinding b, String bootstrap) {
        ResourcePattern r = b.pattern();
        AccessControlEntry e = b.entry();
        String resource = switch (r.resourceType()) {
            case TOPIC -> "--topic " + quote(r.name());
            case GROUP -> "--group " + quote(r.name());
            case TRANSACTIONAL_ID -> "--transactional-id " + quote(r.name());
            case CLUSTER -> "--cluster";
            default -> throw new IllegalArgumentException(r.toString());
        };
        return "kafka-acls.sh --bootstrap-server " + bootstrap + " --command-config admin.properties --add --allow-principal "
                + quote(e.principal()) + (e.host().equals("*") ? "" : " --allow-host " + e.host()) + " --operation "
                + operation(e.operation()) + " " + resource + (r.patternType() == PatternType.PREFIXED ? " --resource-pattern-type prefixed" : "");
    }

    /** Kafka's CLI spelling of an operation: Read, Write, DescribeConfigs. */
    static String operation(AclOperation op) {
        StringBuilder sb = new StringBuilder();
        for (String part : op.name().split("_")) {
            sb.append(part.charAt(0)).append(part.substring(1).toLowerCase(Locale.ROOT));
        }
        return sb.toString();
    }

    private static String quote(String s) {
        return s.matches("[A-Za-z0-9._:=@/-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    private interface Adder {
        void add(ResourceType type, String name, PatternType pattern, AclOperation op);

        default void topic(String name, AclOperation op) {
            add(ResourceType.TOPIC, name, PatternType.LITERAL, op);
        }
    }
}
