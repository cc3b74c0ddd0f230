package io.latentstream.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.latentstream.config.AppConfig;
import io.latentstream.config.Settings;
import io.latentstream.lifecycle.Compatibility;
import io.latentstream.lifecycle.ModelCatalog;
import io.latentstream.lifecycle.ModelPublisher;
import io.latentstream.model.BundleCodec;
import io.latentstream.model.Manifest;
import io.latentstream.model.ModelBundle;
import io.latentstream.model.ThresholdCalibration;
import io.latentstream.topology.Topics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** {@code latentstream models list|publish|rollback|export|threshold}: model versions on the models topic. */
@Command(name = "models", mixinStandardHelpOptions = true,
        description = "Model versions on the compacted models topic: list them, publish a bundle, roll back, export one to a "
                + "file, set the active version's threshold.",
        subcommands = {ModelsCommand.ListVersions.class, ModelsCommand.Publish.class, ModelsCommand.Rollback.class,
                ModelsCommand.Export.class, ThresholdCommand.class})
public final class ModelsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return Cli.usage(spec);
    }

    /** A version on the topic that verifies; otherwise a usage error saying what is on the topic, or why it is refused. */
    static ModelCatalog.Verified verified(ModelCatalog c, String name, long version, String refused) {
        if (!c.versions().contains(version)) {
            throw new UsageError("model " + name + " has no v" + version + " on the topic (versions: " + c.versions() + ")");
        }
        ModelCatalog.Verified v = c.verify(version);
        if (!v.ok()) {
            throw new UsageError("v" + version + " " + refused + ": " + v.message());
        }
        return v;
    }

    /** The version the fleet runs (see {@link ModelCatalog#desired()}); a usage error when there is none. */
    static ModelCatalog.Verified active(ModelCatalog c, String name, AppConfig cfg, String remedy) {
        ModelCatalog.Verified v = c.desired();
        if (v == null) {
            throw new UsageError("model " + name + " has no active version on " + Topics.from(cfg).models()
                    + (c.versions().isEmpty() ? "" : " (versions: " + c.versions() + "; " + remedy + ")"));
        }
        return v;
    }

    /**
     * For a command that takes --model or else the active version (generate, score): the active
     * version on the models topic, said on standard error; a usage error without bootstrap.servers.
     */
    static ModelBundle activeFor(CommandSpec spec, ModelNameOption modelName, String command) {
        AppConfig cfg = Cli.config(spec);
        if (cfg.getString(Settings.BOOTSTRAP_SERVERS) == null) {
            throw new UsageError("give --model, or --bootstrap-server to use the active version on the models topic");
        }
        String name = modelName.resolve(cfg);
        ModelCatalog c = catalog(cfg, name, command);
        ModelCatalog.Verified v = active(c, name, cfg, "pass --model with an exported one");
        spec.commandLine().getErr().println("model " + name + " v" + v.version() + " (active on " + Topics.from(cfg).models() + ")");
        spec.commandLine().getErr().flush();
        return v.bundle();
    }

    /** The models topic's versions of one model, as a consumer reads them to the end (30 s bound). */
    static ModelCatalog snapshot(ModelPublisher p, String name) {
        return p.snapshot(name, BundleCodec.DEFAULT_MAX_BYTES, Duration.ofSeconds(30));
    }

    /** {@link #snapshot} for a command that only reads the topic. */
    static ModelCatalog catalog(AppConfig cfg, String name, String command) {
        return snapshot(publisher(cfg, command), name);
    }

    /**
     * A version the running processors would refuse (INCOMPATIBLE) splits the fleet: they keep the
     * old model while any processor started later loads the new one, and the two score one stream
     * differently. Refused unless allowed; when allowed, the text to add to the success line.
     */
    static String fleetSplit(ModelCatalog c, ModelBundle next, boolean allowed, String flag) {
        ModelCatalog.Verified active = c.desired();
        if (active == null || active.version() == next.version()) {
            return "";
        }
        String why = Compatibility.check(active.bundle(), next);
        if (why == null) {
            return "";
        }
        if (!allowed) {
            throw new UsageError("v" + next.version() + " does not fit the stream of the active v" + active.version() + ": " + why
                    + ". Running processors would refuse it and keep v" + active.version() + ", while any processor started "
                    + "later would load it, so the fleet would score one stream two ways. To change the stream's model: "
                    + flag + ", then restart every processor; or run it as a model of its own (another model.name, "
                    + "application.id and topic.prefix)");
        }
        return "; it does not fit the stream of v" + active.version() + " (" + why + "): RESTART EVERY PROCESSOR now, "
                + "running ones keep v" + active.version() + " until then";
    }

    static ModelPublisher publisher(AppConfig cfg, String command) {
        String bootstrap = cfg.require(Settings.BOOTSTRAP_SERVERS, command);
        return new ModelPublisher(bootstrap, cfg.kafkaClientOverrides(), Topics.from(cfg).models());
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Every version on the topic with parent, creation time, training window, sample count, validation "
                    + "metrics and status (active, superseded, rejected and why), plus the latest retraining decisions "
                    + "(when, outcome, trigger, champion -> challenger, seconds, the gate's reason).",
            footer = {"", "Example:", "  latentstream models list --bootstrap-server localhost:9092 --decisions 50"})
    static final class ListVersions implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ModelNameOption modelName;

        @Option(names = "--decisions", paramLabel = "N", defaultValue = "10", description = "Show the last N retraining "
                + "decisions (0: none; every retrain leaves one, so a scheduled retrainer adds one an hour). "
                + "Default: ${DEFAULT-VALUE}.")
        int decisions;

        @Override
        public Integer call() {
            AppConfig cfg = Cli.config(spec);
            if (decisions < 0) {
                throw new UsageError("--decisions must be 0 or more, not " + decisions);
            }
            String name = modelName.resolve(cfg);
            ModelCatalog c = catalog(cfg, name, "models list");
            PrintWriter out = spec.commandLine().getOut();
            ModelCatalog.Verified active = c.desired();
            out.printf(Locale.ROOT, "%-8s %-7s %-20s %-36s %9s %9s %8s %-12s  %s%n", "version", "parent", "created", "training window",
                    "samples", "val loss", "NRMSE", "flags", "status");
            for (long v : c.versions()) {
                ModelCatalog.Verified x = c.verify(v);
                String status;
                if (!x.ok()) {
                    status = "rejected: " + x.message();
                } else if (active != null && active.version() == v) {
                    status = "ACTIVE" + (c.activationPointer() != null && c.activationPointer() == v ? " (" + c.activationReason() + ")" : "");
                } else if (active != null && v > active.version()) {
                    status = "available (not active)";
                } else {
                    status = "superseded";
                }
                if (x.ok()) {
                    Manifest m = x.bundle().manifest();
                    out.printf(Locale.ROOT, "%-8s %-7s %-20s %-36s %9d %9.4f %8.4f %-12s  %s%n", "v" + v,
                            m.parent() == null ? "-" : "v" + m.parent(), created(m.createdAt()),
                            abbreviate(windowSummary(m.training().window()), 36), m.training().sampleCount(),
                            m.validation().getOrDefault("loss", Double.NaN), m.validation().getOrDefault("nrmse", Double.NaN),
                            flags(x.bundle()), status);
                } else {
                    out.printf(Locale.ROOT, "%-8s %-7s %-20s %-36s %9s %9s %8s %-12s  %s%n", "v" + v, "?", "?", "?", "?", "?", "?", "?", status);
                }
            }
            if (c.versions().isEmpty()) {
                out.println("(no versions of model '" + name + "' on " + Topics.from(cfg).models() + ")");
            }
            List<JsonNode> all = c.decisions();
            if (decisions > 0 && !all.isEmpty()) {
                List<JsonNode> last = all.subList(Math.max(0, all.size() - decisions), all.size());
                out.println();
                out.println("retraining decisions" + (last.size() < all.size() ? String.format(Locale.ROOT,
                        " (the last %d of %,d; --decisions N for more)", last.size(), all.size()) : "") + ":");
                for (JsonNode d : last) {
                    out.println("  " + decisionLine(d));
                }
            }
            out.flush();
            return ExitCodes.OK;
        }

        /**
         * Which scores a version flags, as its direction, thresholds and sensitivity decide ("> 25.78", "< 0.8812",
         * "<0.881|>25.8"): what `models threshold` moves.
         */
        static String flags(ModelBundle b) {
            Manifest.ScoringSpec s = b.manifest().scoring();
            double upper = s.threshold() / s.sensitivity();
            double lower = s.lowThreshold() * s.sensitivity();
            return switch (io.latentstream.model.Direction.parse(s.direction())) {
                case ABOVE -> String.format(Locale.ROOT, "> %.4g", upper);
                case BELOW -> String.format(Locale.ROOT, "< %.4g", lower);
                case BOTH -> String.format(Locale.ROOT, "<%.3g|>%.3g", lower, upper);
            };
        }

        /**
         * What a version was trained on, short enough for the table: "olive.csv, all rows" (train), "samples,
         * last 60 min, drift:anomaly-rate" (retrain), else the provenance's values.
         */
        static String windowSummary(Map<String, String> w) {
            if (w == null || w.isEmpty()) {
                return "-";
            }
            String threshold = w.get(ThresholdCalibration.WINDOW_NOTE);
            if (threshold != null) { // `models threshold`: the parent's weights, say so rather than its training window
                int of = threshold.indexOf(" of ");
                return of < 0 ? threshold : threshold.substring(0, of);
            }
            List<String> parts = new ArrayList<>();
            if (w.containsKey("file")) {
                parts.add(Path.of(w.get("file")).getFileName().toString());
                if (w.containsKey("from") && w.containsKey("to")) { // the file's ts column
                    parts.add(minutes(w.get("from")) + " to " + minutes(w.get("to")));
                }
            } else if (w.containsKey("window_ms")) {
                String ms = w.get("window_ms");
                parts.add("samples, last " + (ms.matches("\\d{1,18}") ? span(Duration.ofMillis(Long.parseLong(ms))) : ms));
            } else if (w.containsKey("topic") && w.containsKey("from")) { // train --topic
                parts.add(w.get("topic"));
                parts.add("from " + minutes(w.get("from")));
                String to = w.getOrDefault("to", "end");
                if (!to.startsWith("end")) {
                    parts.add("to " + minutes(to));
                }
            } else if (w.containsKey("source")) {
                parts.add(w.get("source"));
            }
            for (String k : List.of("rows", "trigger")) {
                if (w.containsKey(k)) {
                    parts.add(w.get(k));
                }
            }
            return parts.isEmpty() ? new TreeMap<>(w).toString() : String.join(", ", parts);
        }

        /** One retraining decision: when, outcome, trigger, champion -> challenger, seconds, reason. */
        static String decisionLine(JsonNode d) {
            String versions = d.path("champion").isNumber() ? "v" + d.path("champion").asLong() : "-";
            if (d.path("challenger").isNumber()) {
                versions += " -> v" + d.path("challenger").asLong();
            }
            return String.format(Locale.ROOT, "%-20s %-9s %-22s %-13s %6s  %s", created(d.path("at").asText("?")),
                    d.path("outcome").asText("?").toUpperCase(Locale.ROOT), d.path("trigger").asText("?"), versions,
                    d.path("seconds").isNumber() ? String.format(Locale.ROOT, "%.1f s", d.path("seconds").asDouble()) : "",
                    d.path("reason").asText(""));
        }

        /** "24 h", "7 d", "90 min": the retrain.window.ms of a version, as a person would say it. */
        static String span(Duration d) {
            long min = d.toMinutes();
            if (min > 60 * 24 && min % (60 * 24) == 0) { // "24 h" reads better than "1 d"
                return min / (60 * 24) + " d";
            }
            return min >= 60 && min % 60 == 0 ? min / 60 + " h" : min + " min";
        }

        /** An instant to the minute ("2026-11-19T18:57Z"); anything else ("start") as it is. */
        private static String minutes(String instant) {
            try {
                Instant t = Instant.parse(instant).truncatedTo(ChronoUnit.MINUTES);
                return t.equals(t.truncatedTo(ChronoUnit.DAYS)) ? t.toString().substring(0, 10) // midnight UTC: the date says it
                        : t.toString().replace(":00Z", "Z");
            } catch (DateTimeParseException e) {
                return instant;
            }
        }

        /** Creation time to the second: the table's column is for telling versions apart, not for timing. */
        static String created(String createdAt) {
            try {
                return Instant.parse(createdAt).truncatedTo(ChronoUnit.SECONDS).toString();
            } catch (DateTimeParseException e) {
                return abbreviate(createdAt, 24);
            }
        }

        private static String abbreviate(String s, int n) {
            return s.length() > n ? s.substring(0, n - 3) + "..." : s;
        }
    }

    @Command(name = "publish", mixinStandardHelpOptions = true,
            description = {"Verify a bundle and publish it to the models topic with a transactional producer, making it the "
                    + "active version of every running processor (they swap within seconds, no restart).",
                "A version not newer than every version on the topic is refused unless --force; the very same bundle "
                        + "(same version, same bytes) again is a no-op that exits 0, so a deployment can publish its first "
                        + "version on every start. Bundles larger than the topic's max.message.bytes (8 MiB in the plan) are "
                        + "refused, not split."},
            footer = {"", "Examples:", "  latentstream models publish model.lsb --bootstrap-server localhost:9092",
                "  latentstream models publish --bundle model.lsb --config app.properties"})
    static final class Publish implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--bundle", paramLabel = "MODEL.lsb", description = "Bundle file (or give it as the argument).")
        Path bundle;

        @Parameters(arity = "0..1", paramLabel = "MODEL.lsb", description = "Bundle file (same as --bundle).")
        Path bundleArgument;

        @Option(names = "--force", description = "Publish even if the version is not newer than the topic's newest.")
        boolean force;

        @Option(names = "--allow-incompatible", description = "Publish a model that does not fit the active one's stream "
                + "(other features, plain vs conditional, contexts dropped), e.g. after a producer changed the feature set. "
                + "Running processors refuse it and keep the old model: restart every processor at once (at start they "
                + "load it).")
        boolean allowIncompatible;

        @Override
        public Integer call() throws Exception {
            if ((bundle == null) == (bundleArgument == null)) {
                throw new UsageError(bundle == null ? "name the bundle to publish: models publish MODEL.lsb (or --bundle MODEL.lsb)"
                        : "the bundle is given twice (--bundle " + bundle + " and " + bundleArgument + "): give it once");
            }
            if (bundle == null) {
                bundle = bundleArgument;
            }
            AppConfig cfg = Cli.config(spec);
            ModelBundle b = Cli.loadBundle(bundle);
            long size = Files.size(bundle);
            if (size > 8L << 20) {
                throw new UsageError(bundle + " is " + size + " bytes; the models topic takes bundles up to 8 MiB "
                        + "(max.message.bytes in topology/topics.yaml). Use a smaller architecture.");
            }
            ModelPublisher p = publisher(cfg, "models publish");
            ModelCatalog c = snapshot(p, b.manifest().name());
            byte[] onTopic = c.rawBundle(b.version());
            if (onTopic != null && java.util.Arrays.equals(onTopic, Files.readAllBytes(bundle)) && !force) {
                // Idempotent, so a deployment can publish its first version on every start: the same bundle
                // again changes nothing, and does not undo a later retrain or rollback.
                ModelCatalog.Verified active = c.desired();
                spec.commandLine().getOut().println("model " + b.manifest().name() + " v" + b.version() + " is already on "
                        + Topics.from(cfg).models() + " with the same bytes; nothing published (active: "
                        + (active == null ? "none" : "v" + active.version()) + ")");
                spec.commandLine().getOut().flush();
                return ExitCodes.OK;
            }
            Long latest = c.latestVersion();
            if (latest != null && b.version() <= latest && !force) {
                throw new UsageError("model " + b.manifest().name() + " v" + b.version() + " is not newer than v" + latest
                        + " on the topic: use --force to publish it anyway, or `models rollback --to " + b.version() + "`");
            }
            String split = fleetSplit(c, b, allowIncompatible, "--allow-incompatible");
            p.publish(b, "publish", !force);
            spec.commandLine().getOut().println("published " + b.manifest().name() + " v" + b.version() + " (" + size
                    + " bytes) to " + Topics.from(cfg).models() + "; it is now the active version" + split);
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "rollback", mixinStandardHelpOptions = true,
            description = "Make an earlier version active again for the whole fleet, without retraining.",
            footer = {"", "Example:", "  latentstream models rollback --to 3 --bootstrap-server localhost:9092"})
    static final class Rollback implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--to", required = true, paramLabel = "V", description = "Version to activate.")
        long version;

        @Option(names = "--allow-incompatible", description = "Activate a version that does not fit the active one's stream "
                + "(other features, plain vs conditional, contexts dropped). Running processors refuse it: restart them all.")
        boolean allowIncompatible;

        @Mixin
        ModelNameOption modelName;

        @Override
        public Integer call() {
            AppConfig cfg = Cli.config(spec);
            String name = modelName.resolve(cfg);
            ModelPublisher p = publisher(cfg, "models rollback");
            ModelCatalog c = snapshot(p, name);
            ModelCatalog.Verified target = verified(c, name, version, "cannot be activated");
            String split = fleetSplit(c, target.bundle(), allowIncompatible, "--allow-incompatible");
            p.activate(name, version, "rollback");
            spec.commandLine().getOut().println("model " + name + " v" + version + " is now the active version" + split);
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = {"Write a version from the models topic to a bundle file, byte for byte as published (e.g. a "
                    + "retrainer's version, for `generate`, `evaluate`, `decode` or a backup). Only a version that verifies "
                    + "is written; the file is replaced atomically."},
            footer = {"", "Examples:", "  latentstream models export --out active.lsb --bootstrap-server localhost:9092",
                "  latentstream models export 3 --out v3.lsb --config app.properties"})
    static final class Export implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(arity = "0..1", paramLabel = "VERSION", description = "Version to export. Default: the active one.")
        Long version;

        @Option(names = "--out", required = true, paramLabel = "MODEL.lsb", description = "Bundle file to write.")
        Path out;

        @Mixin
        ModelNameOption modelName;

        @Override
        public Integer call() throws Exception {
            OutputFile.check(out, "--out", "model.lsb");
            AppConfig cfg = Cli.config(spec);
            String name = modelName.resolve(cfg);
            ModelCatalog c = catalog(cfg, name, "models export");
            ModelCatalog.Verified v;
            if (version == null) {
                v = active(c, name, cfg, "name one: `models export VERSION`");
            } else {
                v = verified(c, name, version, "is refused, not exported");
            }
            byte[] bytes = c.rawBundle(v.version());
            BundleCodec.writeBytes(bytes, out);
            spec.commandLine().getOut().println("wrote " + name + " v" + v.version() + " (" + bytes.length + " bytes) to " + out);
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }
}
