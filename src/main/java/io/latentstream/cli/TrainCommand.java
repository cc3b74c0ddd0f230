package io.latentstream.cli;

import io.latentstream.eval.Evaluation;
import io.latentstream.eval.LabelledCsv;
import io.latentstream.model.BundleCodec;
import io.latentstream.model.ModelBundle;
import io.latentstream.model.TrainOptions;
import io.latentstream.model.TrainingData;
import io.latentstream.model.VaeTrainer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;

/** {@code latentstream train}: fit a VAE (or CVAE) on a CSV file or a topic's records and write a bundle. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a variational autoencoder on the numeric columns of a CSV file (a conditional VAE "
                + "when --context-column is given) and write a model bundle (.lsb): weights, standardization, "
                + "calibrated threshold and provenance in one verified file.",
            "Or, where there is no CSV history, on the records of a Kafka topic (--topic, your input topic): a time "
                + "range of them (--from, --to), parsed as the processor parses them (input.format, the feature names "
                + "of --features, the context with --conditional); records the processor would dead-letter are counted "
                + "and left out. Robust training is on (the records may hold anomalies).",
            "The bundle is written only when training succeeds (atomically)."},
        footer = {"", "Examples:",
            "  latentstream train --input ../shared/data/shuttle.csv --exclude-labelled-anomalies --out shuttle.lsb",
            "  latentstream train --input ../shared/data/olive.csv --context-column context --protocol A --out olive.lsb",
            "  latentstream train --config app.properties --topic sensors --from 7d --features temp,rpm,vibration --conditional --out v1.lsb"})
public final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = "--input", paramLabel = "FILE.csv", description = "CSV with a header row (../shared/data layout).")
        Path input;

        @Option(names = "--topic", paramLabel = "TOPIC", description = "Train on the records of this topic instead, in "
                + "input.format (read_committed), e.g. your input topic; needs bootstrap.servers.")
        String topic;
    }

    @Mixin
    TimeRangeOptions times;

    @Option(names = "--features", split = ",", paramLabel = "NAME", description = "--topic: the feature names, in "
            + "the order of the records' arrays or columns (JSON objects: their field names). Score records name the top "
            + "features by them.")
    List<String> features;

    @Option(names = "--dimension", paramLabel = "D", description = "--topic: D unnamed features (f0 .. fD-1) instead of --features.")
    Integer dimension;

    @Option(names = "--conditional", description = "--topic: a conditional VAE over each record's context (its context field, "
            + "else its key), as the processor reads it.")
    boolean conditional;

    @Option(names = "--max-records", paramLabel = "N", defaultValue = "100000", description = "--topic: train on a uniform "
            + "sample of at most N records of the range (a range of more than 2N is read in 200 evenly spaced stretches "
            + "per partition, about N records in all, not whole). Default: ${DEFAULT-VALUE}.")
    int maxRecords;

    @Option(names = "--out", required = true, paramLabel = "MODEL.lsb", description = "Where to write the bundle.")
    Path out;

    @Option(names = "--context-column", paramLabel = "C", description = "Column holding the context (entity or category): trains a conditional VAE.")
    String contextColumn;

    @Option(names = "--label-column", defaultValue = "label", paramLabel = "L",
            description = "Label column (0 normal, 1 anomaly), never a feature. Default: ${DEFAULT-VALUE}.")
    String labelColumn;

    @Option(names = "--ignore-column", paramLabel = "C", description = "A column that is not a feature (repeatable), "
            + "e.g. a context the model should not see.")
    java.util.Set<String> ignored = new java.util.HashSet<>();

    @Option(names = "--exclude-labelled-anomalies", description = "Train only on rows labelled 0.")
    boolean excludeAnomalies;

    @Option(names = "--protocol", paramLabel = "A|B", description = "Train on exactly the training rows of evaluation "
            + "protocol A (random 60%% of normal rows) or B (first 30%% of rows), so `evaluate --protocol` can test on the rest.")
    Evaluation.Protocol protocol;

    @Mixin
    ModelNameOption modelName;

    @Option(names = "--model-version", paramLabel = "V", defaultValue = "1", description = "Version to stamp on the bundle. Default: ${DEFAULT-VALUE}.")
    long version;

    @Mixin
    TrainingFlags flags;

    @Option(names = "--nice", defaultValue = "0", paramLabel = "N", description = "Train at this Linux scheduling priority "
            + "(0..19, like `nice -n N`), e.g. on a machine that also runs a processor. Default: ${DEFAULT-VALUE} (unchanged).")
    int nice;

    @Option(names = "--cpu-idle", description = "Also run under Linux's SCHED_IDLE policy (CPU nobody else wants), as "
            + "`latentstream retrain` does with retrain.cpu.idle.")
    boolean cpuIdle;

    @Override
    public Integer call() throws Exception {
        if (protocol != null && excludeAnomalies) {
            throw new UsageError("--protocol already decides the training rows; drop --exclude-labelled-anomalies");
        }
        if (version < 1) {
            throw new UsageError("--model-version must be >= 1");
        }
        if (nice < 0 || nice > 19) {
            throw new UsageError("--nice must be 0..19");
        }
        OutputFile.check(out, "--out", "model.lsb");
        if (source.topic != null) {
            checkTopicOptions();
        } else if (times.given() || features != null || dimension != null || conditional) {
            throw new UsageError("--from, --to, --features, --dimension and --conditional are for --topic; a CSV file names "
                    + "its features in its header (and its context with --context-column)");
        }
        // Before any data is read, so a bad training flag fails now, not after a topic or a large file.
        // Rows known to be normal (labels, protocol A) train without robust trimming.
        TrainOptions options = flags.toOptions(source.topic == null && (excludeAnomalies || protocol == Evaluation.Protocol.A));
        PrintWriter w = spec.commandLine().getOut();
        if (nice > 0 || cpuIdle) {
            w.println(io.latentstream.ops.ProcessPriority.lowerTo(nice, cpuIdle));
        }
        return source.topic != null ? trainOnTopic(options, w) : trainOnFile(options, w);
    }

    private int trainOnFile(TrainOptions options, PrintWriter w) throws IOException {
        Path input = source.input;
        LabelledCsv data = read(input, contextColumn, labelColumn, ignored);
        LabelledCsv rows = data;
        if (protocol != null) {
            rows = data.subset(Evaluation.split(data, protocol, Evaluate.SPLIT_SEED).train());
        } else if (excludeAnomalies) {
            if (!data.labelled()) {
                throw new UsageError(input + " has no '" + labelColumn + "' column to exclude anomalies by");
            }
            int[] normal = IntStream.range(0, data.rows()).filter(i -> data.labels()[i] == 0).toArray();
            rows = data.subset(normal);
        }
        w.printf(Locale.ROOT, "training on %,d rows × %d features of %s%s%n", rows.rows(), rows.features().size(), input,
                contextColumn != null ? " (conditional on '" + contextColumn + "')" : "");
        w.flush();
        Map<String, String> window = new java.util.LinkedHashMap<>();
        window.put("file", input.toString());
        window.put("rows", protocol != null ? "protocol " + protocol + " training rows" : excludeAnomalies ? "label 0 rows" : "all rows");
        if (rows.eventTimes().present()) {
            // The period the model learned as normal, from the file's ts column (as `train --topic` records its range).
            window.put("from", java.time.Instant.ofEpochMilli(java.util.Arrays.stream(rows.eventTimes().millis()).min().orElseThrow()).toString());
            window.put("to", java.time.Instant.ofEpochMilli(java.util.Arrays.stream(rows.eventTimes().millis()).max().orElseThrow()).toString());
        } else if (rows.eventTimes().ignoredBecause() != null) {
            w.println("note: the ts column is not recorded as the training period: " + rows.eventTimes().ignoredBecause());
        }
        ModelBundle bundle = trainBundle(rows, options, modelName.resolve(Cli.config(spec)), version, window, w);
        BundleCodec.write(bundle, out);
        w.println("wrote " + out + " (" + java.nio.file.Files.size(out) + " bytes)");
        w.flush();
        return ExitCodes.OK;
    }

    private void checkTopicOptions() {
        if (protocol != null || excludeAnomalies || contextColumn != null || !ignored.isEmpty()) {
            throw new UsageError("--protocol, --exclude-labelled-anomalies, --context-column and --ignore-column are for a CSV "
                    + "--input; a topic has no labels or columns (name its features with --features, use its contexts with "
                    + "--conditional)");
        }
        if ((features == null) == (dimension == null)) {
            throw new UsageError("give the feature names (--features temp,rpm,...: score records explain anomalies by them) "
                    + "or --dimension D for unnamed ones");
        }
        if (dimension != null && (dimension < 1 || dimension > 4096)) {
            throw new UsageError("--dimension must be 1..4096");
        }
        if (features != null && (features.isEmpty() || features.stream().anyMatch(String::isBlank)
                || new java.util.HashSet<>(features).size() != features.size())) {
            throw new UsageError("--features must name each feature once: " + features);
        }
        if (maxRecords < 3) {
            throw new UsageError("--max-records must be at least 3");
        }
        times.check();
    }

    private int trainOnTopic(TrainOptions options, PrintWriter w) throws IOException {
        List<String> names = features != null ? features : IntStream.range(0, dimension).mapToObj(i -> "f" + i).toList();
        var cfg = Cli.config(spec);
        TopicTrainingRows.Result rows = TopicTrainingRows.read(cfg, source.topic, times.from, times.to, names, conditional, maxRecords,
                flags.seed, w);
        ModelBundle bundle = trainBundle(rows.data(), options, modelName.resolve(cfg), version, rows.window(), w);
        BundleCodec.write(bundle, out);
        w.println("wrote " + out + " (" + java.nio.file.Files.size(out) + " bytes); publish it with `latentstream models publish --bundle " + out + "`");
        w.flush();
        return ExitCodes.OK;
    }

    static LabelledCsv read(Path input, String contextColumn, String labelColumn, java.util.Set<String> ignored) {
        try {
            return LabelledCsv.read(input, contextColumn, labelColumn, ignored);
        } catch (IOException e) {
            throw new UsageError(e.getMessage());
        }
    }

    static ModelBundle trainBundle(LabelledCsv rows, TrainOptions options, String name, long version,
                                   Map<String, String> window, PrintWriter w) {
        return trainBundle(new TrainingData(rows.features(), rows.x(), rows.contexts(), rows.contextColumn(), rows.file().toString()),
                options, name, version, window, w);
    }

    static ModelBundle trainBundle(TrainingData td, TrainOptions options, String name, long version,
                                   Map<String, String> window, PrintWriter w) {
        if (options.trimFraction() > 0) {
            w.printf(Locale.ROOT, "robust training on: trimming %.0f%% of each batch, then refitting without far-out rows%n",
                    100 * options.trimFraction());
        }
        TrainingProgress progress = new TrainingProgress(w, System.console() != null);
        ModelBundle bundle = VaeTrainer.train(td, options, new VaeTrainer.Identity(name, version, null, window), null, progress);
        progress.done();
        var m = bundle.manifest();
        w.printf(Locale.ROOT, "done in %.1f s: %d epochs, architecture %s (inputs clipped at ±%s deviations), validation loss %.4f, "
                        + "NRMSE %.4f, threshold %.4f (q=%.3f)%n",
                m.training().durationSeconds(), m.training().epochs(), bundle.architecture(),
                java.math.BigDecimal.valueOf(bundle.architecture().inputClip()).stripTrailingZeros().toPlainString(), m.validation().get("loss"),
                m.validation().get("nrmse"), m.scoring().threshold(), m.scoring().quantile());
        w.flush();
        return bundle;
    }
}
