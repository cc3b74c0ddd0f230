package io.latentstream.cli;

import io.latentstream.model.FastScorer;
import io.latentstream.model.ModelBundle;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.Callable;

/** {@code latentstream generate}: synthetic records from z ~ N(0, I) through the decoder. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Write synthetic records drawn from the model (z ~ N(0, I), decoded) as CSV with the feature names as header.",
            "The model is the --model bundle, else the active version on the models topic (bootstrap.servers)."},
        footer = {"", "Examples:", "  latentstream generate --model shuttle.lsb --count 1000 > synthetic.csv",
            "  latentstream generate --model olive.lsb --count 50 --context Umbria --out umbria.csv",
            "  latentstream generate --count 1000 --config app.properties   # the active version"})
public final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "MODEL.lsb", description = "Model bundle. Default: the active version on the models topic.")
    Path model;

    @Mixin
    ModelNameOption modelName;

    @Option(names = "--count", required = true, paramLabel = "N", description = "Number of records (1..10000000).")
    long count;

    @Option(names = "--context", paramLabel = "V", description = "Context value for a conditional model (unknown values use the unknown slot).")
    String context;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Random seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--out", paramLabel = "FILE.csv", description = "Output file (written atomically). Default: standard output.")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (count < 1 || count > 10_000_000) {
            throw new UsageError("--count must be 1..10000000, got " + count);
        }
        if (out != null) {
            OutputFile.check(out, "--out", "generated.csv");
        }
        ModelBundle bundle = model != null ? Cli.loadBundle(model) : ModelsCommand.activeFor(spec, modelName, "generate");
        if (context != null && !bundle.conditional()) {
            throw new UsageError("--context given but the model is not conditional");
        }
        FastScorer scorer = new FastScorer(bundle);
        int slot = scorer.contextSlot(context);
        if (context != null && slot == 0) {
            spec.commandLine().getErr().println("warning: context '" + context + "' is not in the model's vocabulary "
                    + bundle.manifest().context().vocabulary() + "; using the unknown-context slot");
        }
        if (out == null) {
            PrintWriter w = spec.commandLine().getOut();
            write(bundle, scorer, slot, w);
            w.flush();
        } else {
            OutputFile.writeAtomically(out, w -> {
                write(bundle, scorer, slot, w);
                return null;
            });
        }
        return ExitCodes.OK;
    }

    private void write(ModelBundle bundle, FastScorer scorer, int slot, Writer w) throws java.io.IOException {
        StringBuilder sb = new StringBuilder(String.join(",", bundle.features()));
        if (context != null) {
            sb.append(",").append(bundle.manifest().context().column());
        }
        w.write(sb.append('\n').toString());
        Random rnd = new Random(seed);
        float[] z = new float[scorer.latentDim()];
        float[] x = new float[scorer.inputDim()];
        FastScorer.Scratch s = scorer.newScratch();
        for (long i = 0; i < count; i++) {
            for (int j = 0; j < z.length; j++) {
                z[j] = (float) rnd.nextGaussian();
            }
            scorer.decode(z, slot, x, s);
            sb.setLength(0);
            for (int j = 0; j < x.length; j++) {
                sb.append(j > 0 ? "," : "").append(x[j]);
            }
            if (context != null) {
                sb.append(",\"").append(context.replace("\"", "\"\"")).append('"');
            }
            w.write(sb.append('\n').toString());
        }
    }
}
