package io.latentstream.cli;

import io.latentstream.codec.ScoreRecordWriter;
import io.latentstream.config.AppConfig;
import io.latentstream.config.Settings;
import io.latentstream.eval.LabelledCsv;
import io.latentstream.model.FastScorer;
import io.latentstream.model.ModelBundle;
import io.latentstream.model.StuckReadings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code latentstream score}: the rows of a CSV file scored offline, one score record each. */
@Command(name = "score", mixinStandardHelpOptions = true,
        description = {"Score the rows of a CSV file with a model, offline: one score record per row, in file order, as JSON "
                + "lines in the processor's format (score, threshold, anomaly, model_version, ts, source, context, "
                + "top_features with observed and expected values). For backtesting a model on an export of the "
                + "stream or on an incident's data before it is published, and for pipelines outside Kafka.",
            "The file's columns are matched to the model's features by name (other columns are left out and listed); "
                    + "a ts column is the event time (ts -1 without one), the model's context column the entity, and a "
                    + "label column (0/1) is counted: caught, missed and false alarms. source is the file's name, "
                    + "partition 0 and the row (offset 0 = the first row after the header). A summary, with the "
                    + "highest-scoring rows, goes to standard error.",
            "The model is the --model bundle, else the active version on the models topic (bootstrap.servers)."},
        footer = {"", "Examples:", "  latentstream score --model shuttle.lsb --input ../shared/data/shuttle.csv --flagged > flagged.jsonl",
            "  latentstream score --input export.csv --config app.properties --out scores.jsonl   # the active version",
            "  latentstream score --model v3.lsb --input incident.csv --flagged | jq -r '.top_features[0].name' | sort | uniq -c"})
public final class ScoreCommand implements Callable<Integer> {
    /** How many of the highest-scoring rows the summary lists. */
    static final int HIGHEST = 5;

    @Spec
    CommandSpec spec;

    @Option(names = "--input", required = true, paramLabel = "FILE.csv", description = "CSV with a header row naming the "
            + "model's features (../shared/data layout: ts, context and label columns are optional).")
    Path input;

    @Option(names = "--model", paramLabel = "MODEL.lsb", description = "Model bundle. Default: the active version on the models topic.")
    Path model;

    @Mixin
    ModelNameOption modelName;

    @Option(names = "--label-column", paramLabel = "C", defaultValue = "label", description = "Label column (0 normal, "
            + "1 anomaly), if the file has one. Default: ${DEFAULT-VALUE}.")
    String labelColumn;

    @Option(names = "--flagged", description = "Write only the rows the model flags.")
    boolean flaggedOnly;

    @Option(names = "--top-features", paramLabel = "N", description = "Top contributing features per record. Default: the "
            + "score.top.features setting (3).")
    Integer topFeatures;

    @Option(names = "--out", paramLabel = "FILE.jsonl", description = "Output file (written atomically). Default: standard output.")
    Path out;

    @Option(names = "--missing-max", paramLabel = "N", description = "Score a row lacking up to N feature values (an empty "
            + "cell or NaN) on the others, the model imputing them, as the processor does with input.missing.max (its "
            + "record lists them under \"missing\"); a row lacking more is left out and counted. Default: the "
            + "input.missing.max setting (0: every value required, an empty cell is an error).")
    Integer missingMax;

    @Option(names = "--stuck-readings", paramLabel = "N", description = "Flag a row when one of its features has had exactly "
            + "the same value for N consecutive rows of its entity (the context column; without one the file is one "
            + "entity), in file order, as the processor does with score.stuck.readings (its record lists them under "
            + "\"stuck\"); score.stuck.ignore leaves features out. Default: the score.stuck.readings setting (0: off).")
    Integer stuckReadings;

    @Override
    public Integer call() throws Exception {
        if (out != null) {
            OutputFile.check(out, "--out", "scores.jsonl");
        }
        AppConfig cfg = Cli.config(spec);
        int top = topFeatures != null ? topFeatures : cfg.getInt(Settings.SCORE_TOP_FEATURES);
        if (top < 1) {
            throw new UsageError("--top-features must be at least 1, not " + top);
        }
        int maxMissing = missingMax != null ? missingMax : cfg.getInt(Settings.INPUT_MISSING_MAX);
        if (maxMissing < 0) {
            throw new UsageError("--missing-max must be at least 0, not " + maxMissing);
        }
        int stuckRun = stuckReadings != null ? stuckReadings : cfg.getInt(Settings.SCORE_STUCK_READINGS);
        if (stuckRun < 0 || stuckRun == 1) {
            throw new UsageError("--stuck-readings must be 0 (off) or at least 2, not " + stuckRun);
        }
        ModelBundle bundle = model != null ? Cli.loadBundle(model) : ModelsCommand.activeFor(spec, modelName, "score");
        java.util.Set<String> stuckIgnore = Settings.stuckIgnore(cfg, bundle.features());
        StuckReadings stuck = stuckRun == 0 ? null
                : new StuckReadings(bundle.features(), stuckRun, stuckIgnore, StuckReadings.DEFAULT_MAX_ENTITIES);
        PrintWriter err = spec.commandLine().getErr();
        LabelledCsv rows = read(bundle, err, maxMissing > 0);
        Summary summary;
        if (out == null) {
            PrintWriter w = spec.commandLine().getOut();
            summary = write(bundle, rows, top, maxMissing, stuck, w);
            w.flush();
        } else {
            summary = OutputFile.writeAtomically(out, w -> write(bundle, rows, top, maxMissing, stuck, w));
        }
        summary.print(err, bundle, rows);
        return ExitCodes.OK;
    }

    /** The file's rows with the model's features in the model's order; other columns left out, and said so. */
    private LabelledCsv read(ModelBundle bundle, PrintWriter err, boolean missingAsNaN) throws IOException {
        if (!Files.isRegularFile(input)) {
            throw new UsageError(input + ": file not found");
        }
        List<String> header;
        try (BufferedReader r = Files.newBufferedReader(input, StandardCharsets.UTF_8)) {
            String line = r.readLine();
            header = line == null ? List.of() : LabelledCsv.split(line.replace("\uFEFF", "")).stream().map(String::trim).toList();
        }
        String contextColumn = bundle.conditional() ? bundle.manifest().context().column() : null;
        Set<String> special = new HashSet<>(List.of("ts", labelColumn));
        if (contextColumn != null) {
            special.add(contextColumn);
        }
        List<String> missing = bundle.features().stream().filter(f -> !header.contains(f)).toList();
        if (!header.isEmpty() && !missing.isEmpty()) {
            throw new UsageError(input + ": no column for the model's feature(s) " + missing + " (header: " + header
                    + "); the columns are matched to the model's features " + bundle.features() + " by name");
        }
        if (contextColumn != null && !header.isEmpty() && !header.contains(contextColumn)) {
            err.println("note: no '" + contextColumn + "' column: every row is scored with the model's unknown-context slot");
            contextColumn = null;
        }
        Set<String> ignored = new LinkedHashSet<>(header);
        ignored.removeAll(bundle.features());
        ignored.removeAll(special);
        if (!ignored.isEmpty()) {
            err.println("note: not features of the model, left out: " + String.join(", ", ignored));
        }
        LabelledCsv csv;
        try {
            csv = LabelledCsv.read(input, contextColumn, labelColumn, ignored, missingAsNaN);
        } catch (LabelledCsv.CsvException e) {
            throw new UsageError(e.getMessage());
        }
        if (!csv.features().equals(bundle.features())) { // same names, file order: put them in the model's
            int[] at = bundle.features().stream().mapToInt(csv.features()::indexOf).toArray();
            double[][] x = new double[csv.rows()][at.length];
            for (int i = 0; i < x.length; i++) {
                for (int j = 0; j < at.length; j++) {
                    x[i][j] = csv.x()[i][at[j]];
                }
            }
            csv = new LabelledCsv(csv.file(), bundle.features(), x, csv.contexts(), csv.contextColumn(), csv.labels(), csv.eventTimes());
        }
        if (csv.eventTimes().ignoredBecause() != null) {
            err.println("note: the ts column is not used as event time: " + csv.eventTimes().ignoredBecause());
        }
        return csv;
    }

    private Summary write(ModelBundle bundle, LabelledCsv rows, int top, int maxMissing, StuckReadings stuck, Writer w)
            throws IOException {
        FastScorer scorer = new FastScorer(bundle);
        FastScorer.Scratch s = scorer.newScratch();
        ScoreRecordWriter json = new ScoreRecordWriter(bundle.features(), top);
        String source = input.getFileName().toString();
        float[] x = new float[scorer.inputDim()];
        Summary sum = new Summary();
        for (int i = 0; i < rows.rows(); i++) {
            int missing = 0;
            for (int j = 0; j < x.length; j++) {
                x[j] = (float) rows.x()[i][j];
                missing += Float.isNaN(x[j]) ? 1 : 0;
            }
            if (missing > Math.min(maxMissing, x.length - 1)) {
                sum.leftOut++; // the processor would dead-letter it
                continue;
            }
            sum.imputed += missing > 0 ? 1 : 0;
            String context = rows.contexts() == null ? null : rows.contexts()[i];
            int slot = scorer.contextSlot(context);
            double score = scorer.score(x, slot, missing, s);
            int stuckCount = stuck == null ? 0 : stuck.observe(context == null ? "" : context, x);
            boolean anomaly = scorer.isAnomaly(score, missing) || stuckCount > 0;
            sum.stuck += stuckCount > 0 ? 1 : 0;
            long ts = rows.eventTimes().present() ? rows.eventTimes().millis()[i] : -1;
            int t = topFeature(s);
            sum.add(new Summary.Row(i, score, anomaly, ts, context, t, x[t], s.expected[t]), rows.labels() == null ? -1 : rows.labels()[i]);
            if (anomaly || !flaggedOnly) {
                w.write(new String(json.write(score, scorer.threshold(), anomaly, bundle.version(), ts, source, 0, i, context,
                        bundle.conditional() ? context : null, x, s.expected, s.contributions, missing,
                        stuck == null ? null : stuck.runs(), stuckCount), StandardCharsets.UTF_8));
                w.write('\n');
            }
        }
        if (stuck != null) {
            sum.longestRuns = stuck.longestRuns();
        }
        return sum;
    }

    private static int topFeature(FastScorer.Scratch s) {
        int best = 0;
        for (int j = 1; j < s.contributions.length; j++) {
            if (s.contributions[j] > s.contributions[best]) {
                best = j;
            }
        }
        return best;
    }

    /** Counts, and the highest-scoring rows, for the summary on standard error. */
    static final class Summary {
        record Row(int index, double score, boolean anomaly, long ts, String context, int topFeature, float observed, float expected) {
        }

        long rows;
        long flagged;
        long anomalies = -1; // -1: unlabelled
        long caught;
        long imputed;
        long leftOut;
        long stuck;
        int[] longestRuns; // with --stuck-readings
        long falseAlarms;
        private final PriorityQueue<Row> highest = new PriorityQueue<>(Comparator.comparingDouble(Row::score));

        void add(Row row, int label) {
            double score = row.score();
            boolean anomaly = row.anomaly();
            rows++;
            flagged += anomaly ? 1 : 0;
            if (label >= 0) {
                anomalies = Math.max(anomalies, 0) + label;
                caught += label == 1 && anomaly ? 1 : 0;
                falseAlarms += label == 0 && anomaly ? 1 : 0;
            }
            if (highest.size() < HIGHEST || score > highest.peek().score()) {
                highest.add(row);
                if (highest.size() > HIGHEST) {
                    highest.poll();
                }
            }
        }

        void print(PrintWriter err, ModelBundle bundle, LabelledCsv csv) {
            FastScorer scorer = new FastScorer(bundle);
            err.printf(Locale.ROOT, "scored %,d row(s) of %s with %s v%d (threshold %.4g): flagged %,d (%.2f%%)%n", rows,
                    csv.file().getFileName(), bundle.manifest().name(), bundle.version(), scorer.threshold(), flagged,
                    100.0 * flagged / Math.max(1, rows));
            if (imputed > 0 || leftOut > 0) {
                err.printf(Locale.ROOT, "rows lacking values: %,d scored with the model imputing them, %,d left out (more missing than "
                        + "--missing-max, as the processor would dead-letter them)%n", imputed, leftOut);
            }
            if (longestRuns != null) {
                err.printf(Locale.ROOT, "rows with a stuck feature (a value held for --stuck-readings rows of the entity): %,d, "
                        + "flagged whatever their score; the longest runs of one value in this file, by feature: %s "
                        + "(the setting must exceed the runs a feature shows legitimately, or the feature go in score.stuck.ignore)%n",
                        stuck, StuckReadings.describeLongest(bundle.features(), longestRuns));
            }
            if (anomalies > 0) {
                long normal = rows - anomalies;
                err.printf(Locale.ROOT, "labelled anomalies: %,d; caught %,d, missed %,d; false alarms %,d of %,d normal rows (%.2f%%)%n",
                        anomalies, caught, anomalies - caught, falseAlarms, normal, 100.0 * falseAlarms / Math.max(1, normal));
            }
            List<Row> best = new ArrayList<>(highest);
            best.sort(Comparator.comparingDouble(Row::score).reversed());
            err.println("highest scores:");
            for (Row r : best) {
                err.printf(Locale.ROOT, "  row %,d%s%s  score %.2f%s  %s %.2f (exp %.2f)%n", r.index(),
                        r.ts() >= 0 ? "  " + Instant.ofEpochMilli(r.ts()) : "", r.context() == null ? "" : "  " + r.context(),
                        r.score(), r.anomaly() ? " (flagged)" : "", bundle.features().get(r.topFeature()), r.observed(), r.expected());
            }
            err.flush();
        }
    }
}
