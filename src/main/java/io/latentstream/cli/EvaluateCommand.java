package io.latentstream.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.latentstream.config.AppConfig;
import io.latentstream.config.Settings;
import io.latentstream.eval.Evaluation;
import io.latentstream.eval.LabelledCsv;
import io.latentstream.eval.RetrainReplay;
import io.latentstream.model.ModelBundle;
import io.latentstream.model.TrainOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code latentstream evaluate}: the shared evaluation protocol against a PCA baseline in the same run. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Evaluate a model on a labelled CSV file with protocol A (semi-supervised) or B (streaming, "
                + "contaminated training window) of ../shared/data/README.md: ROC-AUC, average precision, F1 at the "
                + "bundle's threshold and compression NRMSE, next to PCA with the same k fitted on the same rows.",
            "With --train-and-evaluate the model is trained on the protocol's training rows first."},
        footer = {"", "Examples:",
            "  latentstream evaluate --train-and-evaluate --protocol A --input ../shared/data/shuttle.csv",
            "  latentstream evaluate --train-and-evaluate --protocol B --retrain-windows 5 --input ../shared/data/shuttle.csv",
            "  latentstream evaluate --train-and-evaluate --protocol A --hide-features 1 --input ../shared/data/shuttle.csv",
            "  latentstream train --protocol B --input ../shared/data/digits.csv --out d.lsb && \\",
            "    latentstream evaluate --model d.lsb --protocol B --input ../shared/data/digits.csv --json"})
public final class EvaluateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--input", required = true, paramLabel = "FILE.csv", description = "Labelled CSV (../shared/data layout).")
    Path input;

    @Option(names = "--model", paramLabel = "MODEL.lsb", description = "Bundle to evaluate (trained on the protocol's training rows).")
    Path model;

    @Option(names = "--train-and-evaluate", description = "Train on the protocol's training rows, then evaluate.")
    boolean trainAndEvaluate;

    @Option(names = "--protocol", defaultValue = "A", paramLabel = "A|B", description = "Evaluation protocol. Default: ${DEFAULT-VALUE}.")
    Evaluation.Protocol protocol;

    @Option(names = "--context-column", paramLabel = "C", description = "Context column (conditional model).")
    String contextColumn;

    @Option(names = "--label-column", paramLabel = "C", defaultValue = "label", description = "Label column. Default: ${DEFAULT-VALUE}.")
    String labelColumn;

    @Option(names = "--ignore-column", paramLabel = "C", description = "A column that is not a feature (repeatable).")
    java.util.Set<String> ignored = new java.util.HashSet<>();

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Option(names = "--retrain-windows", paramLabel = "K", defaultValue = "0",
            description = {"Protocol B only: then cut the test rows (in file order) into K windows; the live model scores "
                    + "each one (false alarms, recall), then a routine retrain reads it as the retrainer would (the live "
                    + "model's flags held out of training; retrain.epochs and the gate's tolerances at their defaults) and "
                    + "its gate decides which model scores the next window (retrain.min.samples is not applied: K sets the window "
                    + "size). 0 (default): no replay."})
    int retrainWindows;

    @Option(names = "--hide-features", paramLabel = "N", defaultValue = "0",
            description = {"Then score the test rows again with N of each row's features hidden (chosen at random, seeded), "
                    + "as the processor scores a record lacking them with input.missing.max: the model imputes them and "
                    + "scores the rest. Prints ROC-AUC, AP, F1, the share flagged, the false alarms beside those of the same "
                    + "rows whole, and the imputation error on the hidden cells against PCA's (same k, filled to its fixed "
                    + "point) and the training mean's. 0 (default): not run."})
    int hideFeatures;

    @Mixin
    TrainingFlags flags;

    @Override
    public Integer call() throws Exception {
        if ((model == null) == !trainAndEvaluate) {
            throw new UsageError("give either --model MODEL.lsb or --train-and-evaluate");
        }
        if (retrainWindows != 0 && (protocol != Evaluation.Protocol.B || retrainWindows < 2)) {
            throw new UsageError("--retrain-windows needs --protocol B and at least 2 windows");
        }
        // Bad training flags are usage errors before any work, as in train.
        TrainOptions options = trainAndEvaluate ? flags.toOptions(protocol == Evaluation.Protocol.A) : null;
        PrintWriter out = spec.commandLine().getOut();
        LabelledCsv data = TrainCommand.read(input, contextColumn, labelColumn, ignored);
        if (!data.labelled()) {
            throw new UsageError(input + " has no '" + labelColumn + "' column: evaluation needs labels");
        }
        Evaluation.Split split = Evaluation.split(data, protocol, Evaluate.SPLIT_SEED);
        ModelBundle bundle;
        if (trainAndEvaluate) {
            PrintWriter progress = json ? spec.commandLine().getErr() : out;
            bundle = TrainCommand.trainBundle(data.subset(split.train()), options, "eval", 1,
                    Map.of("file", input.toString(), "rows", "protocol " + protocol + " training rows"), progress);
        } else {
            bundle = Cli.loadBundle(model);
            if ((bundle.conditional()) != (contextColumn != null)) {
                throw new UsageError(bundle.conditional()
                        ? "the model is conditional: give --context-column " + bundle.manifest().context().column()
                        : "the model is not conditional: drop --context-column");
            }
        }
        Evaluation.Report report;
        try {
            report = Evaluation.evaluate(bundle, data, split);
        } catch (IllegalArgumentException e) {
            throw new UsageError(e.getMessage());
        }
        Evaluation.Imputation imputation = null;
        if (hideFeatures > 0) {
            try {
                imputation = Evaluation.hidden(bundle, data, split, hideFeatures, Evaluate.SPLIT_SEED);
            } catch (IllegalArgumentException e) {
                throw new UsageError(e.getMessage());
            }
        }
        RetrainReplay.Report replay = null;
        if (retrainWindows > 0) {
            AppConfig defaults = AppConfig.defaults();
            PrintWriter progress = json ? spec.commandLine().getErr() : out;
            try {
                replay = RetrainReplay.run(bundle, data, split, retrainWindows, defaults.getInt(Settings.RETRAIN_EPOCHS),
                        defaults.getDouble(Settings.RETRAIN_TOLERANCE), defaults.getDouble(Settings.RETRAIN_RATE_TOLERANCE),
                        defaults.getInt(Settings.RETRAIN_NEW_CONTEXT_MIN_SAMPLES), line -> {
                            progress.println(line);
                            progress.flush();
                        });
            } catch (IllegalArgumentException e) {
                throw new UsageError(e.getMessage());
            }
        }
        if (json) {
            ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            Map<String, Object> all = new java.util.LinkedHashMap<>();
            all.put("evaluation", report);
            if (imputation != null) {
                all.put("missing_features", imputation);
            }
            if (replay != null) {
                all.put("retrain_replay", replay);
            }
            out.println(mapper.writeValueAsString(all.size() == 1 ? report : all));
        } else {
            out.print(report.table());
            if (imputation != null) {
                out.println();
                out.print(imputation.table());
            }
            if (replay != null) {
                out.println();
                out.print(replay.table());
            }
        }
        out.flush();
        return ExitCodes.OK;
    }
}
