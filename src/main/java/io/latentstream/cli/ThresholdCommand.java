package io.latentstream.cli;

import io.latentstream.codec.InputFormat;
import io.latentstream.codec.RecordParser;
import io.latentstream.config.AppConfig;
import io.latentstream.config.Settings;
import io.latentstream.lifecycle.ModelCatalog;
import io.latentstream.lifecycle.ModelPublisher;
import io.latentstream.model.Direction;
import io.latentstream.model.FastScorer;
import io.latentstream.model.Manifest;
import io.latentstream.model.ModelBundle;
import io.latentstream.model.ThresholdCalibration;
import io.latentstream.topology.Topics;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;

/**
 * {@code latentstream models threshold}: the active version again, same weights, another threshold,
 * calibrated on the scores it gives the input topic's recent records (or another sensitivity).
 */
@Command(name = "threshold", mixinStandardHelpOptions = true,
        description = {"Publish the active version again with the same weights and another threshold, for a model that is "
                + "right about what is unusual but flags more (or less) than the alerting behind it can take. Running "
                + "processors swap to it within seconds; `models rollback --to V` undoes it.",
            "--rate: the active version scores the input topic's records of a time range (default: the last 24 h), read and "
                    + "parsed as the processor reads them, and the threshold is set so that this share of them would have "
                    + "been flagged (direction both: half of it on each side). The version's quantile says so, and routine "
                    + "retrains keep calibrating to that rate. Pick a range the stream was normal in, or the rate counts "
                    + "an incident as normal.",
            "--sensitivity: flag when score > threshold / S (2: twice as sensitive, 0.5: half); retrains keep it. The "
                    + "range's records show its effect.",
            "Either way it prints how many of the range's records the active version flagged and how many the new one "
                    + "would; --dry-run stops there."},
        footer = {"", "Examples:", "  latentstream models threshold --rate 0.5%% --dry-run --config app.properties",
            "  latentstream models threshold --rate 0.5%% --from 2026-11-20 --to 2026-11-27 --config app.properties",
            "  latentstream models threshold --sensitivity 0.8 --config app.properties"})
final class ThresholdCommand implements Callable<Integer> {
    /** Fewer expected flags than this in the range and the tail quantile is mostly noise. */
    static final int MIN_EXPECTED_FLAGS = 10;

    @Spec
    CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Change change;

    static final class Change {
        @Option(names = "--rate", required = true, paramLabel = "SHARE", description = "Share of the range's records to flag: "
                + "0.5%% or 0.005 (above 0, at most 50%%).")
        String rate;

        @Option(names = "--sensitivity", required = true, paramLabel = "S", description = "New sensitivity (above 0; 1 is as "
                + "trained).")
        Double sensitivity;
    }

    @Option(names = "--from", paramLabel = "TIME", converter = TimePointConverter.class, defaultValue = "24h",
            description = "Score the input topic's records stamped at or after TIME: an instant (2026-11-26T08:00:00Z), a date "
                    + "(2026-11-26, UTC) or a duration before now (90m, 24h, 7d). Default: ${DEFAULT-VALUE}.")
    Instant from;

    @Option(names = "--to", paramLabel = "TIME", converter = TimePointConverter.class,
            description = "Score the input topic's records stamped at or before TIME (same forms). Default: the end of the "
                    + "topic when the command starts.")
    Instant to;

    @Option(names = "--max-records", paramLabel = "N", defaultValue = "1000000", description = "Score a uniform sample of at "
            + "most N of the range's records (a range of more than 2N is read in 200 evenly spaced stretches per "
            + "partition, about N records in all, not whole). Default: ${DEFAULT-VALUE}.")
    int maxRecords;

    @Option(names = "--dry-run", description = "Show the effect on the range's records; publish nothing.")
    boolean dryRun;

    @Mixin
    ModelNameOption modelName;

    @Override
    public Integer call() {
        AppConfig cfg = Cli.config(spec);
        double rate = change.rate == null ? Double.NaN : share(change.rate);
        if (change.sensitivity != null && !(change.sensitivity > 0 && Double.isFinite(change.sensitivity))) {
            throw new UsageError("--sensitivity must be above 0, not " + change.sensitivity);
        }
        if (maxRecords < 1) {
            throw new UsageError("--max-records must be at least 1, not " + maxRecords);
        }
        if (to != null && to.isBefore(from)) {
            throw new UsageError("--to " + to + " is before --from " + from);
        }
        String name = modelName.resolve(cfg);
        ModelPublisher publisher = ModelsCommand.publisher(cfg, "models threshold");
        ModelCatalog catalog = ModelsCommand.snapshot(publisher, name);
        ModelBundle active = ModelsCommand.active(catalog, name, cfg, "activate one with `models rollback --to V`").bundle();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        out.println("model " + name + " v" + active.version() + ": " + describe(active));
        out.flush();

        String input = Topics.from(cfg).input();
        double[] scores = scores(cfg, active, input, err);
        long version = catalog.latestVersion() + 1;
        Instant now = Instant.now();
        String range = range(input, scores.length);
        ModelBundle next;
        if (change.rate != null) {
            if (scores.length * rate < MIN_EXPECTED_FLAGS) {
                throw new UsageError(String.format(Locale.ROOT, "%s: too few to calibrate a rate of %s on (at least %,d, so that "
                        + "%d would be flagged); widen the range with --from", range, percent(rate),
                        (long) Math.ceil(MIN_EXPECTED_FLAGS / rate), MIN_EXPECTED_FLAGS));
            }
            next = ThresholdCalibration.calibrated(active, scores, rate, version, now,
                    "v" + active.version() + "'s weights; threshold for " + percent(rate) + " of " + range);
        } else {
            next = ThresholdCalibration.withSensitivity(active, change.sensitivity, version, now,
                    "v" + active.version() + "'s weights; sensitivity " + number(change.sensitivity));
        }
        if (scores.length == 0) {
            out.println("no record of " + input + " in the range to show the effect on");
        } else {
            long before = ThresholdCalibration.flagged(active, scores);
            long after = ThresholdCalibration.flagged(next, scores);
            out.printf(Locale.ROOT, "of %s:%n  v%d flagged %,d (%s)%n  v%d would flag %,d (%s): %s%n", range, active.version(),
                    before, percent((double) before / scores.length), version, after, percent((double) after / scores.length),
                    describe(next));
            String ladder = ladder(scores, Direction.parse(active.manifest().scoring().direction()));
            if (!ladder.isEmpty()) {
                out.println("  thresholds for other rates on these records: " + ladder);
            }
        }
        if (dryRun) {
            out.println("dry run: nothing published (without --dry-run: " + name + " v" + version + ", v" + active.version()
                    + "'s weights, active at once)");
            out.flush();
            return ExitCodes.OK;
        }
        try {
            publisher.publish(next, "threshold");
        } catch (ModelPublisher.VersionTakenException e) {
            throw new IllegalStateException(e.getMessage() + " (a retrain, or another operator); nothing published. Run the "
                    + "command again: it then sets the threshold of the version active now");
        }
        out.println("published " + name + " v" + version + " (v" + active.version() + "'s weights, " + describe(next) + ") to "
                + Topics.from(cfg).models() + "; it is now the active version (undo: latentstream models rollback --to "
                + active.version() + ")");
        out.flush();
        return ExitCodes.OK;
    }

    /**
     * The scores {@code model} gives the input topic's records of the range, parsed as the processor
     * parses them (the ones it would dead-letter left out), a uniform sample of at most --max-records.
     */
    private double[] scores(AppConfig cfg, ModelBundle model, String input, PrintWriter w) {
        InputFormat format = InputFormat.parse(cfg.getString(Settings.INPUT_FORMAT));
        RecordParser parser = ParsedRange.parser(cfg, model.features(), model.conditional());
        FastScorer scorer = new FastScorer(model);
        FastScorer.Scratch scratch = scorer.newScratch();
        double[][] kept = {new double[Math.min(maxRecords, 1 << 16)]};
        Random rnd = new Random(42);
        ParsedRange.Scan scan = ParsedRange.scan(cfg, "models threshold", input, from, to, parser,
                String.format(Locale.ROOT, "%s, scored by v%d, from %s%s", format.id(), model.version(), minutes(from),
                        to == null ? "" : " to " + minutes(to)), maxRecords, (rec, parsed) -> {
                    int slot = ParsedRange.reservoirSlot(rnd, parsed, maxRecords);
                    if (slot < 0) {
                        return;
                    }
                    if (slot >= kept[0].length) {
                        kept[0] = Arrays.copyOf(kept[0], (int) Math.min(maxRecords, 2L * kept[0].length));
                    }
                    int ctx = scorer.contextSlot(rec.context);
                    // As the processor scores it: a record lacking features (input.missing.max) on the rest.
                    kept[0][slot] = scorer.score(rec.features, ctx, rec.missing, scratch);
                }, w);
        scan.warnIfMostLeftOut(w);
        long taken = Math.min(scan.parsed(), maxRecords);
        w.printf(Locale.ROOT, "read %,d records%s: %,d parsed%s; %,d scored%s%n", scan.read(), scan.sampled(), scan.parsed(),
                scan.leftOut(), taken,
                scan.parsed() > taken ? " (a uniform sample, --max-records)" : "");
        w.flush();
        return Arrays.copyOf(kept[0], (int) taken);
    }

    /** "5% above 61.2, 2% above 120.3, ...": the upper thresholds that would flag common rates (enough records for each). */
    static String ladder(double[] scores, Direction direction) {
        if (direction != Direction.ABOVE) {
            return "";
        }
        double[] sorted = scores.clone();
        Arrays.sort(sorted);
        StringBuilder sb = new StringBuilder();
        for (double rate : new double[] {0.05, 0.02, 0.01, 0.005, 0.001, 0.0001}) {
            if (sorted.length * rate >= MIN_EXPECTED_FLAGS) {
                sb.append(sb.length() == 0 ? "" : ", ").append(number(100 * rate)).append("% above ")
                        .append(number(ThresholdCalibration.upperFor(sorted, rate)));
            }
        }
        return sb.toString();
    }

    private String range(String input, int n) {
        return String.format(Locale.ROOT, "%,d record(s) of %s from %s to %s", n, input, minutes(from),
                to == null ? minutes(Instant.now()) : minutes(to));
    }

    /** "threshold 25.78 (quantile 0.990)", with the sensitivity and the direction when they are not the plain ones. */
    static String describe(ModelBundle b) {
        Manifest.ScoringSpec s = b.manifest().scoring();
        Direction d = Direction.parse(s.direction());
        String text = "threshold " + number(s.threshold()) + " (quantile " + String.format(Locale.ROOT, "%.4f", s.quantile()) + ")";
        if (s.sensitivity() != 1) {
            text += ", sensitivity " + number(s.sensitivity()) + ": flags above " + number(s.threshold() / s.sensitivity());
        }
        if (d != Direction.ABOVE) {
            text += ", direction " + d.id() + " (low threshold " + number(s.lowThreshold())
                    + (s.sensitivity() != 1 ? ": flags below " + number(s.lowThreshold() * s.sensitivity()) : "") + ")";
        }
        return text;
    }

    /** "0.5%" or "0.005" as 0.005; a usage error for anything else or out of (0, 50%]. */
    static double share(String text) {
        String t = text.trim();
        boolean percent = t.endsWith("%");
        double v;
        try {
            v = Double.parseDouble(percent ? t.substring(0, t.length() - 1).trim() : t);
        } catch (NumberFormatException e) {
            throw new UsageError("--rate must be a share such as 0.5% or 0.005, not '" + text + "'");
        }
        if (percent) {
            v /= 100;
        }
        if (!(v > 0 && v <= 0.5)) {
            throw new UsageError("--rate must be above 0 and at most 50%, not " + text);
        }
        return v;
    }

    static String percent(double share) {
        return String.format(Locale.ROOT, share >= 0.01 || share == 0 ? "%.2f%%" : "%.3f%%", 100 * share);
    }

    /** 4 significant digits (one decimal from 100 up), no trailing zeros: "25.78", "0.5", "1234.5". */
    private static String number(double v) {
        if (Math.abs(v) >= 100) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return new java.math.BigDecimal(String.format(Locale.ROOT, "%.4g", v)).stripTrailingZeros().toPlainString();
    }

    private static String minutes(Instant t) {
        return t.truncatedTo(ChronoUnit.MINUTES).toString();
    }
}
