package io.latentstream.cli;

import io.latentstream.eval.Evaluation;
import io.latentstream.eval.LabelledCsv;
import io.latentstream.model.BundleCodec;
import io.latentstream.model.ModelBundle;
import io.latentstream.model.TrainingData;
import io.latentstream.model.VaeTrainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;

/** {@code latentstream train}: fit a VAE (or CVAE with --context-column) on a CSV file and write a bundle. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a variational autoencoder on the numeric columns of a CSV file (a conditional VAE "
                + "when --context-column is given) and write a model bundle (.lsb): weights, standardization, "
                + "calibrated threshold and provenance in one verified file.",
            "The bundle is written only when training succeeds (atomically)."},
        footer = {"", "Examples:",
            "  latentstream train --input ../shared/data/shuttle.csv --exclude-labelled-anomalies --out shuttle.lsb",
            "  latentstream train --input ../shared/data/olive.csv --context-column context --protocol A --out olive.lsb"})
public final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--input", required = true, paramLabel = "FILE.csv", description = "CSV with a header row (../shared/data layout).")
    Path input;

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
        PrintWriter w = spec.commandLine().getOut();
        if (nice > 0 || cpuIdle) {
            w.println(io.latentstream.ops.ProcessPriority.lowerTo(nice, cpuIdle));
        }
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
        boolean knownNormal = excludeAnomalies || protocol == Evaluation.Protocol.A;
        ModelBundle bundle = trainBundle(rows, flags, knownNormal, modelName.resolve(Cli.config(spec)), version, Map.of("file", input.toString(),
                "rows", protocol != null ? "protocol " + protocol + " training rows" : excludeAnomalies ? "label 0 rows" : "all rows"), w);
        BundleCodec.write(bundle, out);
        w.println("wrote " + out + " (" + java.nio.file.Files.size(out) + " bytes)");
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

    static ModelBundle trainBundle(LabelledCsv rows, TrainingFlags flags, boolean knownNormal, String name, long version,
                                   Map<String, String> window, PrintWriter w) {
        var options = flags.toOptions(knownNormal);
        if (options.trimFraction() > 0) {
            w.printf(Locale.ROOT, "robust training on: trimming %.0f%% of each batch, then refitting without far-out rows%n",
                    100 * options.trimFraction());
        }
        TrainingData td = new TrainingData(rows.features(), rows.x(), rows.contexts(), rows.contextColumn(),
                rows.file().toString());
        TrainingProgress progress = new TrainingProgress(w, System.console() != null);
        ModelBundle bundle = VaeTrainer.train(td, options, new VaeTrainer.Identity(name, version, null, window), null, progress);
        progress.done();
        var m = bundle.manifest();
        w.printf(Locale.ROOT, "done in %.1f s: %d epochs, architecture %s, validation loss %.4f, NRMSE %.4f, threshold %.4f (q=%.3f)%n",
                m.training().durationSeconds(), m.training().epochs(), bundle.architecture(), m.validation().get("loss"),
                m.validation().get("nrmse"), m.scoring().threshold(), m.scoring().quantile());
        w.flush();
        return bundle;
    }
}
