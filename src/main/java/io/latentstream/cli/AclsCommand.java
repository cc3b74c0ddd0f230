package io.latentstream.cli;

import io.latentstream.config.AppConfig;
import io.latentstream.config.Settings;
import io.latentstream.ops.AclPlan;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.ResourcePatternFilter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** {@code latentstream acls}: the Kafka ACLs a principal needs for its part of a deployment. */
@Command(name = "acls", mixinStandardHelpOptions = true,
        description = {"The Kafka ACLs a principal needs on a cluster with an authorizer, from this deployment's settings "
                + "(topic.prefix, input.topic, application.id, model.name): printed as kafka-acls.sh commands, created with "
                + "--apply, or compared with what the cluster has with --check.",
            "Roles: processor (run: reads the input and models topics, writes latents, scores, anomalies, samples and dlq, "
                    + "its consumer group and the transactional ids of exactly_once_v2, prefixed with application.id); "
                    + "retrainer (retrain: reads samples, latents, anomalies, models and control, writes models and control, "
                    + "its group <application.id>-retrainer and the models publisher's transactional id); operator (status, "
                    + "scores, dlq, decode, score, train --topic, models list/publish/rollback/export/threshold: reads every "
                    + "topic, writes models, describes both groups); topics (topics apply: creates and alters topics with the "
                    + "prefix); replay (dlq --replay-to into the input topic). Not covered: topics hanging (a cluster "
                    + "administrator's: it describes the producers of __consumer_offsets too)."},
        footer = {"", "Examples:", "  latentstream acls --config app.properties --principal User:ls-processor --role processor",
            "  latentstream acls --config admin.properties --principal User:ls-retrainer --role retrainer --apply",
            "  latentstream acls --config admin.properties --principal User:alice --role operator,topics --check"})
public final class AclsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--principal", required = true, paramLabel = "TYPE:NAME", description = "The principal the part runs "
            + "as, e.g. User:ls-processor (as the cluster's principal builder names it: the SASL user, or the TLS "
            + "certificate's name).")
    String principal;

    @Option(names = "--role", required = true, split = ",", paramLabel = "ROLE", description = "processor, retrainer, "
            + "operator, topics or replay (several: comma-separated).")
    List<String> roles;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "*", description = "Host the principal connects from. "
            + "Default: any (${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--apply", description = "Create the ACLs on the cluster (bootstrap.servers, with the credentials of "
            + "a principal allowed to alter ACLs). Existing ones are left as they are.")
    boolean apply;

    @Option(names = "--remove", description = "Delete these ACLs of the principal from the cluster (a part taken out "
            + "of service); others it has are left.")
    boolean remove;

    @Option(names = "--check", description = "Compare with the ACLs the cluster has (needs the right to describe ACLs); "
            + "exit 1 when one is missing. Exact bindings are compared: a broader one that covers it (a prefix, a wildcard, "
            + "ALL) still reads as missing.")
    boolean check;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s", converter = DurationConverter.class,
            description = "How long to wait for the cluster. Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        if ((apply ? 1 : 0) + (check ? 1 : 0) + (remove ? 1 : 0) > 1) {
            throw new UsageError("--apply, --check and --remove are exclusive");
        }
        AppConfig cfg = Cli.config(spec);
        Set<AclPlan.Role> parsed = new LinkedHashSet<>();
        for (String r : roles) {
            try {
                parsed.add(AclPlan.Role.parse(r));
            } catch (IllegalArgumentException e) {
                throw new UsageError("--role: " + e.getMessage());
            }
        }
        List<AclBinding> wanted;
        try {
            wanted = AclPlan.bindings(cfg, principal, host, parsed);
        } catch (IllegalArgumentException e) {
            throw new UsageError("--principal: " + e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        if (!apply && !check && !remove) {
            String bootstrap = cfg.getString(Settings.BOOTSTRAP_SERVERS);
            out.println("# " + principal + ": " + String.join("; ", parsed.stream().map(AclPlan.Role::what).toList()));
            out.println("# (topic.prefix " + cfg.getString(Settings.TOPIC_PREFIX) + ", application.id "
                    + cfg.getString(Settings.APPLICATION_ID) + ", model.name " + cfg.getString(Settings.MODEL_NAME) + ")");
            for (AclBinding b : wanted) {
                out.println(AclPlan.command(b, bootstrap == null ? "BROKER:9092" : bootstrap));
            }
            out.println("# " + wanted.size() + " ACL(s); or let latentstream create them: the same command with --apply");
            out.flush();
            return ExitCodes.OK;
        }
        String bootstrap = cfg.require(Settings.BOOTSTRAP_SERVERS, "acls " + (apply ? "--apply" : check ? "--check" : "--remove"));
        try (Admin admin = TopicsCommand.admin(cfg, bootstrap, timeout)) {
            if (remove) {
                // Exact filters: only these bindings go, not others of the principal on the same resources.
                Collection<AclBinding> deleted = new ArrayList<>();
                var results = admin.deleteAcls(wanted.stream().map(AclBinding::toFilter).toList()).values();
                for (var r : results.values()) {
                    r.get(timeout.toMillis(), TimeUnit.MILLISECONDS).values().forEach(v -> {
                        if (v.exception() == null) {
                            deleted.add(v.binding());
                        }
                    });
                }
                deleted.forEach(b -> out.println("removed: " + describe(b)));
                out.println("removed " + deleted.size() + " ACL(s) of " + principal + " (" + roleNames(parsed) + "); "
                        + (wanted.size() - deleted.size()) + " were not there");
                // An ACL is one binding whichever role asked for it: say which other roles lose one with it.
                for (AclPlan.Role other : AclPlan.Role.values()) {
                    if (parsed.contains(other)) {
                        continue;
                    }
                    List<AclBinding> shared = AclPlan.bindings(cfg, principal, host, Set.of(other)).stream()
                            .filter(deleted::contains).toList();
                    if (!shared.isEmpty()) {
                        out.println("note: role " + other.id() + " needs " + String.join(", ", shared.stream().map(AclsCommand::describe)
                                .toList()) + " too; if " + principal + " keeps that role: --role " + other.id() + " --apply");
                    }
                }
                out.flush();
                return ExitCodes.OK;
            }
            List<AclBinding> missing = missing(admin, wanted);
            if (check) {
                for (AclBinding b : missing) {
                    out.println("missing: " + describe(b));
                }
                out.println(missing.isEmpty() ? principal + " has all " + wanted.size() + " ACL(s) of " + roleNames(parsed)
                        : missing.size() + " of " + wanted.size() + " ACL(s) missing for " + principal + " ("
                        + roleNames(parsed) + "); create them with --apply instead of --check");
                out.flush();
                return missing.isEmpty() ? ExitCodes.OK : ExitCodes.RUNTIME_FAILURE;
            }
            if (!missing.isEmpty()) {
                admin.createAcls(missing).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
            for (AclBinding b : missing) {
                out.println("created: " + describe(b));
            }
            out.println("created " + missing.size() + " ACL(s) for " + principal + " (" + roleNames(parsed) + "); "
                    + (wanted.size() - missing.size()) + " were there already");
            out.flush();
            // The controller has committed them; the broker answering applies them a moment later. Wait for that, so
            // the part started next is not refused (and --check, run next, agrees).
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!missing.isEmpty() && !missing(admin, wanted).isEmpty()) {
                if (System.nanoTime() > deadline) {
                    spec.commandLine().getErr().println("warning: the broker does not show them yet after " + timeout.toSeconds()
                            + " s; `--check` tells when it does");
                    break;
                }
                Thread.sleep(200);
            }
            return ExitCodes.OK;
        }
    }

    /** The wanted bindings the cluster does not have (as it describes them: exact bindings, not broader ones that cover them). */
    private List<AclBinding> missing(Admin admin, List<AclBinding> wanted) throws Exception {
        Collection<AclBinding> existing = admin.describeAcls(new AclBindingFilter(ResourcePatternFilter.ANY,
                new AccessControlEntryFilter(principal, null, AclOperation.ANY, AclPermissionType.ANY)))
                .values().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        List<AclBinding> missing = new ArrayList<>();
        for (AclBinding b : wanted) {
            if (!existing.contains(b)) {
                missing.add(b);
            }
        }
        return missing;
    }

    private static String roleNames(Set<AclPlan.Role> roles) {
        return String.join(", ", roles.stream().map(AclPlan.Role::id).toList());
    }

    /** "Write on topic latentstream.scores", "Write on transactional ids prefixed latentstream". */
    static String describe(AclBinding b) {
        String type = switch (b.pattern().resourceType()) {
            case TOPIC -> "topic";
            case GROUP -> "group";
            case TRANSACTIONAL_ID -> "transactional id";
            case CLUSTER -> "the cluster";
            default -> b.pattern().resourceType().toString();
        };
        String name = b.pattern().resourceType() == org.apache.kafka.common.resource.ResourceType.CLUSTER ? ""
                : (b.pattern().patternType() == org.apache.kafka.common.resource.PatternType.PREFIXED ? "s prefixed " : " ")
                + b.pattern().name();
        return b.entry().operation() + " on " + type + name + (b.entry().host().equals("*") ? "" : " from " + b.entry().host());
    }
}
