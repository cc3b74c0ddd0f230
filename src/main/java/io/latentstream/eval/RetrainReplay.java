package io.latentstream.eval;

import io.latentstream.model.FastScorer;
import io.latentstream.model.ModelBundle;
import io.latentstream.model.TrainingData;
import io.latentstream.retrain.Retrainer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Protocol B with retraining, as a deployment lives it: the test rows (the file's last 70%, in
 * order) are cut into windows. The live model scores each window (false alarms on its normal rows,
 * recall on its anomalies); then the window is what a routine retrain reads (the live model's
 * flagged rows held out of training), and the retrainer's own training and gate decide whether
 * the challenger scores the next window. Labels are only counted, never trained on.
 */
public final class RetrainReplay {
    private RetrainReplay() {
    }

    /** One window: the live model's counts on it, and what the retrain on it decided ("" for the last). */
    public record Window(int window, int rows, long liveVersion, int normals, int falseAlarms, int anomalies, int caught,
                         String retrain) {
        public double falseAlarmRate() {
            return normals == 0 ? Double.NaN : (double) falseAlarms / normals;
        }

        public double recall() {
            return anomalies == 0 ? Double.NaN : (double) caught / anomalies;
        }
    }

    public record Report(String dataset, double calibratedRate, int retrainEpochs, List<Window> windows) {
        public String table() {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                    "%s, protocol B with a routine retrain after each window (calibrated false-alarm rate %.2f%%, %d epochs):%n",
                    dataset, 100 * calibratedRate, retrainEpochs));
            sb.append("| window | rows | live model | false alarms | recall | retrain on this window |\n");
            sb.append("| ---: | ---: | --- | ---: | ---: | --- |\n");
            for (Window w : windows) {
                sb.append(String.format(Locale.ROOT, "| %d | %,d | v%d | %.2f%% (%,d of %,d) | %s | %s |%n", w.window(), w.rows(),
                        w.liveVersion(), 100 * w.falseAlarmRate(), w.falseAlarms(), w.normals(),
                        w.anomalies() == 0 ? "–" : String.format(Locale.ROOT, "%.3f (%,d of %,d)", w.recall(), w.caught(), w.anomalies()),
                        w.retrain().isEmpty() ? "–" : w.retrain()));
            }
            return sb.toString();
        }
    }

    /** Fewer rows to train on than this and a window's retrain is skipped, not attempted. */
    static final int MIN_TRAINABLE_ROWS = 10;

    /**
     * @param first    the first model, trained on the protocol's training rows
     * @param windows  how many windows the test rows are cut into (a retrain after each but the last)
     * @param epochs   the retrain's epochs; tol, rateTol the gate's tolerances (the retrain.* settings)
     */
    public static Report run(ModelBundle first, LabelledCsv data, Evaluation.Split split, int windows, int epochs, double tol,
                             double rateTol, int newContextMinRows, Consumer<String> progress) {
        if (split.protocol() != Evaluation.Protocol.B) {
            throw new IllegalArgumentException("a retrain replay follows protocol B (rows in file order)");
        }
        if (!data.labelled()) {
            throw new IllegalArgumentException("a retrain replay counts false alarms and catches: it needs labels");
        }
        int[] test = split.test();
        int size = test.length / windows;
        if (windows < 2 || size < 50) {
            throw new IllegalArgumentException("cannot cut " + test.length + " test rows into " + windows
                    + " windows of at least 50 rows (and at least 2 windows)");
        }
        ModelBundle live = first;
        List<Window> out = new ArrayList<>();
        for (int k = 0; k < windows; k++) {
            int[] idx = Arrays.copyOfRange(test, k * size, k == windows - 1 ? test.length : (k + 1) * size);
            LabelledCsv w = data.subset(idx);
            boolean[] flagged = flags(live, w);
            int normals = 0;
            int falseAlarms = 0;
            int anomalies = 0;
            int caught = 0;
            for (int i = 0; i < idx.length; i++) {
                if (w.labels()[i] == 1) {
                    anomalies++;
                    caught += flagged[i] ? 1 : 0;
                } else {
                    normals++;
                    falseAlarms += flagged[i] ? 1 : 0;
                }
            }
            String retrain = "";
            ModelBundle next = live;
            if (k < windows - 1) {
                // As the retrainer's samples window: flagged rows are held out, except those of a context
                // the challenger will get a slot for (see SamplesWindow).
                boolean[] heldOut = flagged.clone();
                Set<String> learned = Retrainer.contextsToLearn(live, w.contexts(), newContextMinRows);
                for (int i = 0; i < heldOut.length && !learned.isEmpty(); i++) {
                    heldOut[i] &= !learned.contains(w.contexts()[i]);
                }
                TrainingData window = new TrainingData(live.features(), w.x(), w.contexts(),
                        live.conditional() ? live.manifest().context().column() : null, "window " + (k + 1), heldOut);
                if (window.trainableRows() < MIN_TRAINABLE_ROWS) {
                    // The retrainer skips such a window too (retrain.min.samples); training would fail on it.
                    retrain = "skipped: " + window.trainableRows() + " of " + window.rows() + " rows scored normal by v"
                            + live.version() + " (need " + MIN_TRAINABLE_ROWS + ")";
                } else {
                    ModelBundle challenger = Retrainer.trainChallenger(live, window, epochs, newContextMinRows, live.version() + 1,
                            Map.of("window", Integer.toString(k + 1)));
                    Retrainer.Verdict v = Retrainer.judge(live, challenger, window, Retrainer.Run.ROUTINE, tol, rateTol);
                    retrain = v.published() ? v.reason() : "rejected: " + v.reason();
                    next = v.published() ? challenger : live;
                }
            }
            Window row = new Window(k + 1, idx.length, live.version(), normals, falseAlarms, anomalies, caught, retrain);
            out.add(row);
            progress.accept(String.format(Locale.ROOT, "window %d/%d: v%d false alarms %.2f%%%s", k + 1, windows, live.version(),
                    100 * row.falseAlarmRate(), retrain.isEmpty() ? "" : "; retrain: " + retrain));
            live = next;
        }
        return new Report(data.file().getFileName().toString(), 1 - first.manifest().scoring().quantile(), epochs, out);
    }

    /** The live model's flags on each row of a window. */
    private static boolean[] flags(ModelBundle model, LabelledCsv w) {
        FastScorer s = new FastScorer(model);
        int[] slots = w.contexts() == null ? null : Arrays.stream(w.contexts()).mapToInt(s::contextSlot).toArray();
        double[] scores = s.scoreAll(w.x(), slots);
        boolean[] flagged = new boolean[scores.length];
        for (int i = 0; i < flagged.length; i++) {
            flagged[i] = s.isAnomaly(scores[i]);
        }
        return flagged;
    }
}
